"""A second witness for `python -m nn_crosscheck.reference`: the article's companion script
(Victor Zhou, "An Introduction to Neural Networks", 2019: its `network.py`), transcribed as one
straight run with no structure of our own (no partials function, no protocol), so that the
reference's refactoring can be checked against it for any seed. It prints what the script
prints."""

import numpy as np


def run(seed: int) -> str:
    f = lambda s: 1 / (1 + np.exp(-s))  # noqa: E731
    df = lambda s: f(s) * (1 - f(s))  # noqa: E731
    np.random.seed(seed)
    w1, w2, w3, w4, w5, w6, b1, b2, b3 = (np.random.normal() for _ in range(9))
    data = np.array([[-2, -1], [25, 6], [17, 4], [-15, -6]])
    ys = np.array([1, 0, 0, 1])

    def predict(x):
        h1 = f(w1 * x[0] + w2 * x[1] + b1)
        h2 = f(w3 * x[0] + w4 * x[1] + b2)
        return f(w5 * h1 + w6 * h2 + b3)

    lines = []
    for epoch in range(1000):
        for x, y in zip(data, ys):
            s1 = w1 * x[0] + w2 * x[1] + b1
            s2 = w3 * x[0] + w4 * x[1] + b2
            h1, h2 = f(s1), f(s2)
            so = w5 * h1 + w6 * h2 + b3
            dl = -2 * (y - f(so))
            g1, g2 = w5 * df(so), w6 * df(so)  # dypred/dh1, dypred/dh2 with the old w5, w6
            w1, w2, b1, w3, w4, b2, w5, w6, b3 = (
                w1 - 0.1 * dl * g1 * (x[0] * df(s1)),
                w2 - 0.1 * dl * g1 * (x[1] * df(s1)),
                b1 - 0.1 * dl * g1 * df(s1),
                w3 - 0.1 * dl * g2 * (x[0] * df(s2)),
                w4 - 0.1 * dl * g2 * (x[1] * df(s2)),
                b2 - 0.1 * dl * g2 * df(s2),
                w5 - 0.1 * dl * (h1 * df(so)),
                w6 - 0.1 * dl * (h2 * df(so)),
                b3 - 0.1 * dl * df(so),
            )
        if epoch % 10 == 0:
            loss = ((ys - np.array([predict(x) for x in data])) ** 2).mean()
            lines.append("Epoch %d loss: %.3f" % (epoch, loss))
    lines.append("Emily: %.3f" % predict(np.array([-7, -3])))
    lines.append("Frank: %.3f" % predict(np.array([20, 2])))
    return "\n".join(lines) + "\n"
