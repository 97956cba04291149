"""A test fixture: a port that only evaluates, as a deployed network does (NAME and forward,
nothing else): the article's network in plain NumPy, in the dtype asked for."""

import numpy as np

NAME = "fwdonly"


def sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def forward(params, X, *, dtype, device, mode):
    p = {name: np.asarray(value, dtype=dtype) for name, value in params.items()}
    X = np.asarray(X, dtype=dtype)
    h1 = sigmoid(p["w1"] * X[:, 0] + p["w2"] * X[:, 1] + p["b1"])
    h2 = sigmoid(p["w3"] * X[:, 0] + p["w4"] * X[:, 1] + p["b2"])
    return sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b3"])
