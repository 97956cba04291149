"""A test fixture: the sigmoid zoo with autograd (tests/zoo_port.py has the hand-derived slopes).
The article's network in plain PyTorch, one mode a formula of the sigmoid, its partials and its
training from torch.autograd of that formula: e.g. autograd of e^x / (1 + e^x) forms the quotient
rule's difference e^x / (1 + e^x) - e^2x / (1 + e^x)^2, which cancels where f -> 1.

Run it with `crosscheck compare --port tests/zoo_autograd_port.py --frameworks zoograd`.
"""

import numpy as np
import torch

NAME = "zoograd"
LABEL = "torch.autograd"
NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")
SIGMOIDS = {
    "recip": lambda x: 1 / (1 + torch.exp(-x)),
    "ratio": lambda x: torch.exp(x) / (1 + torch.exp(x)),
    "tanh": lambda x: 0.5 * (1 + torch.tanh(x / 2)),
    "halftanh": lambda x: 0.5 * torch.tanh(x / 2) + 0.5,
    "stable": lambda x: _stable(x),
    "torch": torch.sigmoid,
}
MODES = ("recip", "ratio", "tanh", "halftanh", "stable", "torch")  # written out: conftest.py reads it
assert tuple(SIGMOIDS) == MODES
# Where autograd meets inf / inf or 0 * inf = NaN (tests/draws.py, overflows): e^x for
# x > log(max); the backward of 1 / (1 + e^-x), which multiplies by e^-x, for x < -log(max).
OVERFLOWS = {"ratio": "+", "recip": "-"}
def _stable(x):
    """The two-branch form, 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below, its exponent
    chosen by a `where` of its own so that e^z never overflows (nor its gradient meets inf)."""
    e = torch.exp(torch.where(x >= 0, -x, x))
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


DTYPES_TORCH = {"float32": torch.float32, "float64": torch.float64}


def _tensors(params, dtype, grad=False):
    return {n: torch.tensor(float(params[n]), dtype=DTYPES_TORCH[dtype], requires_grad=grad) for n in NAMES}


def _forward(p, x0, x1, f):
    h1 = f(p["w1"] * x0 + p["w2"] * x1 + p["b1"])
    h2 = f(p["w3"] * x0 + p["w4"] * x1 + p["b2"])
    return f(p["w5"] * h1 + p["w6"] * h2 + p["b3"])


def forward(params, X, *, dtype, device, mode):
    X = torch.tensor(np.asarray(X, dtype=np.float64), dtype=DTYPES_TORCH[dtype])
    with torch.no_grad():
        return _forward(_tensors(params, dtype), X[:, 0], X[:, 1], SIGMOIDS[mode]).numpy()


def _loss(p, x, y_true, f):
    return (y_true - _forward(p, x[0], x[1], f)) ** 2


def loss_and_grads(params, x, y_true, *, dtype, device, mode):
    p = _tensors(params, dtype, grad=True)
    x = torch.tensor(np.asarray(x, dtype=np.float64), dtype=DTYPES_TORCH[dtype])
    loss = _loss(p, x, torch.tensor(float(y_true), dtype=DTYPES_TORCH[dtype]), SIGMOIDS[mode])
    loss.backward()
    return float(loss.detach()), {n: float(p[n].grad) for n in NAMES}


def train(params, data, all_y_trues, *, dtype, device, mode, learn_rate, epochs, record_steps):
    f, t = SIGMOIDS[mode], DTYPES_TORCH[dtype]
    p = _tensors(params, dtype, grad=True)
    data = torch.tensor(np.asarray(data, dtype=np.float64), dtype=t)
    ys = torch.tensor(np.asarray(all_y_trues, dtype=np.float64), dtype=t)
    losses, steps = [], []
    for epoch in range(epochs):
        for x, y_true in zip(data, ys):
            grads = torch.autograd.grad(_loss(p, x, y_true, f), [p[n] for n in NAMES])
            with torch.no_grad():
                for n, g in zip(NAMES, grads):
                    p[n] -= learn_rate * g
            if record_steps:
                steps.append([float(p[n].detach()) for n in NAMES])
        if epoch % 10 == 0:
            with torch.no_grad():
                losses.append(float(torch.mean((ys - _forward(p, data[:, 0], data[:, 1], f)) ** 2)))
    return {
        "losses": losses,
        "params": {n: float(p[n].detach()) for n in NAMES},
        "steps": steps if record_steps else None,
    }
