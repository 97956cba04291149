"""A test fixture: the article's network written from its formulas in plain NumPy, with the
article's own sigmoid, 1 / (1 + e^-x), which overflows (harmlessly: e^-x = inf gives 0) at a
large negative sum, and no train_many. A correct port, as a user would write it."""

import numpy as np

NAME = "formulas"
KEYS = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _net(params, dtype):
    return {k: np.asarray(params[k], dtype=dtype) for k in KEYS}


def forward(params, X, *, dtype, device, mode):
    p, X = _net(params, dtype), np.asarray(X, dtype=dtype)
    h1 = sigmoid(p["w1"] * X[:, 0] + p["w2"] * X[:, 1] + p["b1"])
    h2 = sigmoid(p["w3"] * X[:, 0] + p["w4"] * X[:, 1] + p["b2"])
    return sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b3"])


def _grads(p, x, y):
    s1 = p["w1"] * x[0] + p["w2"] * x[1] + p["b1"]
    s2 = p["w3"] * x[0] + p["w4"] * x[1] + p["b2"]
    h1, h2 = sigmoid(s1), sigmoid(s2)
    so = p["w5"] * h1 + p["w6"] * h2 + p["b3"]
    o = sigmoid(so)
    d = -2 * (y - o)
    do = o * (1 - o)
    dh1, dh2 = h1 * (1 - h1), h2 * (1 - h2)
    return (y - o) ** 2, {
        "w1": d * do * p["w5"] * x[0] * dh1,
        "w2": d * do * p["w5"] * x[1] * dh1,
        "b1": d * do * p["w5"] * dh1,
        "w3": d * do * p["w6"] * x[0] * dh2,
        "w4": d * do * p["w6"] * x[1] * dh2,
        "b2": d * do * p["w6"] * dh2,
        "w5": d * do * h1,
        "w6": d * do * h2,
        "b3": d * do,
    }


def loss_and_grads(params, x, y_true, *, dtype, device, mode):
    loss, grads = _grads(_net(params, dtype), np.asarray(x, dtype=dtype), np.asarray(y_true, dtype=dtype))
    return float(loss), {k: float(g) for k, g in grads.items()}


def train(params, data, all_y_trues, *, dtype, device, mode, learn_rate, epochs, record_steps):
    p = _net(params, dtype)
    data, ys, rate = (
        np.asarray(data, dtype=dtype),
        np.asarray(all_y_trues, dtype=dtype),
        np.asarray(learn_rate, dtype=dtype),
    )
    losses, steps = [], []
    for epoch in range(epochs):
        for x, y in zip(data, ys):
            _, g = _grads(p, x, y)
            p = {k: p[k] - rate * g[k] for k in KEYS}
            if record_steps:
                steps.append([float(p[k]) for k in KEYS])
        if epoch % 10 == 0:
            losses.append(float(np.mean((ys - forward(p, data, dtype=dtype, device=device, mode=mode)) ** 2)))
    return {
        "losses": losses,
        "params": {k: float(p[k]) for k in KEYS},
        "steps": steps if record_steps else None,
    }
