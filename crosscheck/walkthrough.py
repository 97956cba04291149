"""`crosscheck article`: the article as a short lesson, each value beside what every framework
computes. Everything runs in float64 (JAX compiled with jit)."""

import numpy as np

from ports import PORTS
from reference import ALL_Y_TRUES, DATA, PARAM_NAMES, deriv_sigmoid, sigmoid
from reference import article as a
from reference.article import LOG_EVERY

from .cases import Case
from .checks import PREDICTION_CASES, finite_differences
from .options import initial_weights
from .precision import preflight

WIDTH = 16


def _heading(number: int, title: str, what: str) -> None:
    print()
    print(f"{number}. {title}")
    print(f"   {what}")
    print()


def _table(header: list[str], rows: list[list]) -> None:
    widths = [max(14, len(header[0]))] + [WIDTH] * (len(header) - 1)

    def fmt(cell, width, first):
        text = cell if isinstance(cell, str) else f"{cell:.10g}"
        return f"{text:<{width}}" if first else f"{text:>{width}}"

    for i, row in enumerate([header, *rows]):
        print("   " + "  ".join(fmt(c, w, j == 0) for j, (c, w) in enumerate(zip(row, widths))).rstrip())
        if i == 0:
            print("   " + "  ".join("-" * w for w in widths))


def run_article(args) -> int:
    status = preflight()
    cases = {
        name: Case(name, "cpu", "float64", PORTS[name].modes[0])
        for name in PORTS
        if status[name]["available"]
    }
    missing = [f"{name} unavailable: {status[name]['error']}" for name in PORTS if name not in cases]
    names = list(cases)

    print('"An Introduction to Neural Networks", worked through in ' + ", ".join(names))
    print("Each value the article prints, beside what each framework computes (float64, CPU).")
    for line in missing:
        print(f"({line})")

    x = np.array([a.NETWORK_EXAMPLE["x"]])
    _heading(1, "One neuron", "f(w.x + b) with w = [0, 1], b = 4, x = [2, 3]: f(7), as the output neuron.")
    _table(
        ["", "article", *names],
        [["f(7)", f"{a.NEURON_PRINTED}", *(c.forward(a.NEURON_AS_NETWORK, x)[0] for c in cases.values())]],
    )

    _heading(
        2, "The network", "Every neuron with w = [0, 1], b = 0, at x = [2, 3]: o1 = f(w5 h1 + w6 h2 + b3)."
    )
    _table(
        ["", "article", *names],
        [
            [
                "o1",
                f"{a.NETWORK_PRINTED}",
                *(c.forward(a.NETWORK_EXAMPLE["params"], x)[0] for c in cases.values()),
            ]
        ],
    )

    _heading(3, "Loss", "Mean squared error of y_true = [1, 0, 0, 1] against y_pred = [0, 0, 0, 0].")
    mse = a.MSE_EXAMPLE
    _table(
        ["", "article", *names],
        [
            [
                "MSE",
                f"{a.MSE_PRINTED}",
                *(c.port.mse_loss(mse["y_true"], mse["y_pred"]) for c in cases.values()),
            ]
        ],
    )

    ex = a.BACKPROP_EXAMPLE
    params, xs, y_true = ex["params"], np.array(ex["x"]), ex["y_true"]
    _heading(
        4,
        "Backpropagation by hand",
        "All weights 1, all biases 0, only Alice (x = [-2, -1], y_true = 1): dL/dw1 by the chain rule.",
    )
    sum_h = params["w1"] * xs[0] + params["w2"] * xs[1] + params["b1"]
    h1 = sigmoid(sum_h)
    h2 = sigmoid(params["w3"] * xs[0] + params["w4"] * xs[1] + params["b2"])
    sum_o = params["w5"] * h1 + params["w6"] * h2 + params["b3"]
    y_pred = sigmoid(sum_o)
    results = {name: c.loss_and_grads(params, xs, y_true) for name, c in cases.items()}
    pred = {name: c.forward(params, xs[None])[0] for name, c in cases.items()}
    factor = "(autograd)"
    p = a.BACKPROP_PRINTED
    _table(
        ["", "article", "numpy by hand", *(n for n in names if n != "numpy")],
        [
            ["y_pred", f"{p['y_pred']}", y_pred, *(pred[n] for n in names if n != "numpy")],
            [
                "dL/dypred",
                f"{p['dL/dypred']}",
                -2 * (y_true - y_pred),
                *(factor for n in names if n != "numpy"),
            ],
            [
                "dypred/dh1",
                f"{p['dypred/dh1']}",
                params["w5"] * deriv_sigmoid(sum_o),
                *(factor for n in names if n != "numpy"),
            ],
            [
                "dh1/dw1",
                f"{p['dh1/dw1']}",
                xs[0] * deriv_sigmoid(sum_h),
                *(factor for n in names if n != "numpy"),
            ],
            ["dL/dw1", f"{p['dL/dw1']}", *(results[n][1]["w1"] for n in names)],
        ],
    )
    print("   The article multiplies factors it rounded first (0.0214); at full precision dL/dw1 = 0.02147.")
    autograd = [n for n in names if n != "numpy"]
    if autograd:
        print(f"   Autograd ({' and '.join(autograd)}) computes the same product without naming its factors.")

    methods = ["the hand derivation", *(f"autograd in {n}" for n in autograd), "central differences"]
    _heading(5, "All nine partials", f"Same case: {', '.join(methods)}.")
    oracle, _ = finite_differences(next(iter(cases.values())), params, xs, y_true)
    labels = {
        "numpy": "hand (numpy)", "torch": "torch.autograd", "jax": "jax.grad",
        "tensorflow": "tf.GradientTape", "scalar": "Value.backward",
    }  # fmt: skip
    _table(
        ["partial", *(labels[n] for n in names), "finite diff."],
        [[f"dL/d{q}", *(results[n][1][q] for n in names), oracle[i]] for i, q in enumerate(PARAM_NAMES)],
    )

    weights = initial_weights(args)
    _heading(6, "Training", f"1000 epochs of per-sample SGD, learning rate 0.1, from {weights['source']}.")
    runs = {name: c.train(weights["params"], DATA, ALL_Y_TRUES) for name, c in cases.items()}
    every = 100 // LOG_EVERY
    _table(
        ["epoch", *(f"{n} MSE" for n in names)],
        [
            [str(e * LOG_EVERY), *(runs[n].losses[e] for n in names)]
            for e in range(0, len(runs[names[0]].losses), every)
        ],
    )
    print()
    rows = []
    for person, printed in (("Emily", a.EMILY_PRINTED), ("Frank", a.FRANK_PRINTED)):
        xp = PREDICTION_CASES[person][None]
        rows.append([person, f"{printed}", *(cases[n].forward(runs[n].params, xp)[0] for n in names)])
    _table(["prediction", "article", *names], rows)
    print("   1 = F, 0 = M. The article's own run was unseeded, so its 0.951 and 0.039 differ a little.")
    return 0
