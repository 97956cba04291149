"""A test fixture: the sigmoid zoo, an outside port that is the article's network exactly but
writes the sigmoid and its slope with another exact formula, one combination a mode.

The contract of correctness (docs/budgets.md) accepts any exact formula of f and of f',
evaluated in the dtype: each formula is exact in real arithmetic and differs only in how it
rounds. Where a neuron saturates the differences are large in relative terms: 0.5 (1 + tanh(x/2))
is accurate to about eps *absolutely* near f = 0 (1 + tanh cancels), and 0.25 (1 - tanh^2(x/2))
likewise near f' = 0. Every combination must pass every family.

Mode `<formula>-<slope>`; e.g. `tanh-fprod` is f = 0.5 (1 + tanh(x/2)), f' = f (1 - f).
The two forms built on e^x (`ratio`, and the slope `exp` for very negative x) overflow to
inf / inf = NaN beyond log(max) of the dtype (88.7 in float32, 709.8 in float64), as they would
in anyone's code: NaN is never a correct result, so those members are run only where their
exponentials stay finite (OVERFLOWS says where).

Run it with `crosscheck compare --port tests/zoo_port.py --frameworks zoo`.
"""

import numpy as np

NAME = "zoo"
NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")

SIGMOIDS = {
    "recip": lambda x: 1 / (1 + np.exp(-x)),  # the article's 1 / (1 + e^-x)
    "ratio": lambda x: np.exp(x) / (1 + np.exp(x)),  # e^x / (1 + e^x)
    "tanh": lambda x: 0.5 * (1 + np.tanh(x / 2)),  # 0.5 (1 + tanh(x / 2))
    "halftanh": lambda x: 0.5 * np.tanh(x / 2) + 0.5,  # 0.5 tanh(x / 2) + 0.5
    # The two-branch stable form: 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below, so that the
    # exponential never overflows (e^-|x| is e^-x above 0 and e^x below).
    "stable": lambda x: np.where(x >= 0, 1, np.exp(-np.abs(x))) / (1 + np.exp(-np.abs(x))),
}
SLOPES = {
    "fprod": lambda x, f: f * (1 - f),  # f'(x) = f (1 - f), from the formula's own f
    "exp": lambda x, f: np.exp(-x) / (1 + np.exp(-x)) ** 2,  # e^-x / (1 + e^-x)^2
    "tanh": lambda x, f: 0.25 * (1 - np.tanh(x / 2) ** 2),  # 0.25 (1 - tanh^2(x / 2))
}
# Every combination; written out, so that the test matrix can read it without importing this file.
MODES = (
    "recip-fprod", "recip-exp", "recip-tanh", "ratio-fprod", "ratio-exp", "ratio-tanh",
    "tanh-fprod", "tanh-exp", "tanh-tanh", "halftanh-fprod", "halftanh-exp", "halftanh-tanh",
    "stable-fprod", "stable-exp", "stable-tanh",
)  # fmt: skip
assert MODES == tuple(f"{f}-{s}" for f in SIGMOIDS for s in SLOPES)
# The formulas whose exponentials overflow to inf / inf = NaN for large |x|, and the side:
# "ratio" e^x for x > log(max), "exp" e^-x for x < -log(max) (tests/draws.py, overflows).
OVERFLOWS = {"ratio": "+", "exp": "-"}


def _formulas(mode: str):
    sigmoid, slope = mode.split("-")
    return SIGMOIDS[sigmoid], SLOPES[slope]


def _weights(params, dtype):
    return {name: np.asarray(params[name], dtype=dtype) for name in NAMES}


def _forward(p, X, f):
    h1 = f(p["w1"] * X[..., 0] + p["w2"] * X[..., 1] + p["b1"])
    h2 = f(p["w3"] * X[..., 0] + p["w4"] * X[..., 1] + p["b2"])
    return f(p["w5"] * h1 + p["w6"] * h2 + p["b3"])


def forward(params, X, *, dtype, device, mode):
    f, _ = _formulas(mode)
    with np.errstate(over="ignore", invalid="ignore"):
        return _forward(_weights(params, dtype), np.asarray(X, dtype=dtype), f)


def _partials(p, x, y_true, f, slope):
    """L = (y_true - y_pred)^2 and its nine partials, the article's chain rule."""
    sum_h1 = p["w1"] * x[0] + p["w2"] * x[1] + p["b1"]
    sum_h2 = p["w3"] * x[0] + p["w4"] * x[1] + p["b2"]
    h1, h2 = f(sum_h1), f(sum_h2)
    sum_o1 = p["w5"] * h1 + p["w6"] * h2 + p["b3"]
    y_pred = f(sum_o1)
    d_ypred = -2 * (y_true - y_pred)
    d_o1, d_h1, d_h2 = slope(sum_o1, y_pred), slope(sum_h1, h1), slope(sum_h2, h2)
    d_hidden1, d_hidden2 = d_ypred * p["w5"] * d_o1, d_ypred * p["w6"] * d_o1
    grads = {
        "w1": d_hidden1 * x[0] * d_h1,
        "w2": d_hidden1 * x[1] * d_h1,
        "b1": d_hidden1 * d_h1,
        "w3": d_hidden2 * x[0] * d_h2,
        "w4": d_hidden2 * x[1] * d_h2,
        "b2": d_hidden2 * d_h2,
        "w5": d_ypred * h1 * d_o1,
        "w6": d_ypred * h2 * d_o1,
        "b3": d_ypred * d_o1,
    }
    return (y_true - y_pred) ** 2, grads


def loss_and_grads(params, x, y_true, *, dtype, device, mode):
    x, y_true = np.asarray(x, dtype=dtype), np.asarray(y_true, dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        loss, grads = _partials(_weights(params, dtype), x, y_true, *_formulas(mode))
    return float(loss), {name: float(g) for name, g in grads.items()}


def train(params, data, all_y_trues, *, dtype, device, mode, learn_rate, epochs, record_steps):
    f, slope = _formulas(mode)
    p = _weights(params, dtype)
    data, all_y_trues = np.asarray(data, dtype=dtype), np.asarray(all_y_trues, dtype=dtype)
    rate = np.asarray(learn_rate, dtype=dtype)
    losses, steps = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            for x, y_true in zip(data, all_y_trues):
                _, grads = _partials(p, x, y_true, f, slope)
                p = {name: p[name] - rate * grads[name] for name in NAMES}
                if record_steps:
                    steps.append([float(p[name]) for name in NAMES])
            if epoch % 10 == 0:
                losses.append(float(np.mean((all_y_trues - _forward(p, data, f)) ** 2)))
    return {
        "losses": losses,
        "params": {name: float(p[name]) for name in NAMES},
        "steps": steps if record_steps else None,
    }
