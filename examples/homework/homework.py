"""The article's network, written by hand from its formulas: an outside port for nn-crosscheck.

It imports nothing of nn-crosscheck; it only follows the port protocol (docs/your-port.md, "The
protocol"). Check it with:

    crosscheck compare --port examples/homework/homework.py
    crosscheck selftest --port examples/homework/homework.py --frameworks homework
    NN_CROSSCHECK_PORTS=examples/homework/homework.py python -m pytest -k homework
"""

import numpy as np

NAME = "homework"
GRADIENTS = "hand"  # loss_and_grads writes the chain rule out, below (optional)
NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")


def sigmoid(x):
    # f(x) = 1 / (1 + e^-x); e^-x overflows to inf for very negative x, and 1 / (1 + inf) = 0.
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _weights(params, dtype):
    return {name: np.asarray(params[name], dtype=dtype) for name in NAMES}


def forward(params, X, *, dtype, device, mode):
    p, X = _weights(params, dtype), np.asarray(X, dtype=dtype)
    h1 = sigmoid(p["w1"] * X[:, 0] + p["w2"] * X[:, 1] + p["b1"])
    h2 = sigmoid(p["w3"] * X[:, 0] + p["w4"] * X[:, 1] + p["b2"])
    return sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b3"])


def _partials(p, x, y_true):
    """L = (y_true - y_pred)^2 for one sample and dL/dp for each parameter, by the chain rule."""
    sum_h1 = p["w1"] * x[0] + p["w2"] * x[1] + p["b1"]
    sum_h2 = p["w3"] * x[0] + p["w4"] * x[1] + p["b2"]
    h1, h2 = sigmoid(sum_h1), sigmoid(sum_h2)
    y_pred = sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b3"])
    d_ypred = -2 * (y_true - y_pred)  # dL/dypred
    d_o1 = y_pred * (1 - y_pred)  # f'(sum_o1)
    d_h1, d_h2 = h1 * (1 - h1), h2 * (1 - h2)  # f'(sum_h1), f'(sum_h2)
    d_hidden1 = d_ypred * p["w5"] * d_o1  # dL/dh1
    d_hidden2 = d_ypred * p["w6"] * d_o1  # dL/dh2
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
    loss, grads = _partials(_weights(params, dtype), x, y_true)
    return float(loss), {name: float(g) for name, g in grads.items()}


def train(params, data, all_y_trues, *, dtype, device, mode, learn_rate, epochs, record_steps):
    """Per-sample SGD in table order; the MSE over all samples after epochs 0, 10, 20, ..."""
    p = _weights(params, dtype)
    data, all_y_trues = np.asarray(data, dtype=dtype), np.asarray(all_y_trues, dtype=dtype)
    rate = np.asarray(learn_rate, dtype=dtype)
    losses, steps = [], []
    for epoch in range(epochs):
        for x, y_true in zip(data, all_y_trues):
            _, grads = _partials(p, x, y_true)
            p = {name: p[name] - rate * grads[name] for name in NAMES}
            if record_steps:
                steps.append([float(p[name]) for name in NAMES])
        if epoch % 10 == 0:
            y_pred = forward(p, data, dtype=dtype, device=device, mode=mode)
            losses.append(float(np.mean((all_y_trues - y_pred) ** 2)))
    return {
        "losses": losses,
        "params": {name: float(p[name]) for name in NAMES},
        "steps": steps if record_steps else None,
    }
