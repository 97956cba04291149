"""A test fixture: the homework port with a forgotten zero_grad: training never clears the
gradient, so each step's update is the sum of every gradient so far (its single-sample loss and
partials are right)."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[2] / "examples" / "homework"))
from homework import NAMES, _partials, _weights, forward, loss_and_grads  # noqa: F401

NAME = "accumulates"


def train(params, data, all_y_trues, *, dtype, device, mode, learn_rate, epochs, record_steps):
    p = _weights(params, dtype)
    data, all_y_trues = np.asarray(data, dtype=dtype), np.asarray(all_y_trues, dtype=dtype)
    rate = np.asarray(learn_rate, dtype=dtype)
    grad = {name: np.zeros((), dtype=dtype) for name in NAMES}  # .grad, never zeroed
    losses, steps = [], []
    for epoch in range(epochs):
        for x, y_true in zip(data, all_y_trues):
            _, grads = _partials(p, x, y_true)
            grad = {name: grad[name] + grads[name] for name in NAMES}
            p = {name: p[name] - rate * grad[name] for name in NAMES}
            if record_steps:
                steps.append([float(p[name]) for name in NAMES])
        if epoch % 10 == 0:
            y_pred = forward(p, data, dtype=dtype, device=device, mode=mode)
            losses.append(float(np.mean((all_y_trues - y_pred) ** 2)))
    return {
        "losses": losses,
        "params": {n: float(p[n]) for n in NAMES},
        "steps": steps if record_steps else None,
    }
