"""A test fixture, not shipped code: the NumPy port with a second mode, "compiled", whose
training drifts (every update one part in 1e9 off, far past any budget) while its
"eager" twin agrees: the signature the compiled-mode hint names."""

from nn_crosscheck.ports import numpy as base

NAME = "compiledtoy"
MODES = ("eager", "compiled")
COMPILED_MODE = "compiled"
DEVICES = ("cpu",)
DTYPES = ("float64",)


def forward(params, X, *, dtype, device, mode):
    return base.forward(params, X, dtype=dtype, device=device, mode="eager")


def loss_and_grads(params, x, y_true, *, dtype, device, mode):
    return base.loss_and_grads(params, x, y_true, dtype=dtype, device=device, mode="eager")


def train(params, data, all_y_trues, *, dtype, device, mode, learn_rate=0.1, epochs=1000, record_steps=False):
    if mode == "compiled":  # every update off by one part in 1e9
        learn_rate = learn_rate * (1 + 1e-9)
    return base.train(
        params, data, all_y_trues, dtype=dtype, device=device, mode="eager",
        learn_rate=learn_rate, epochs=epochs, record_steps=record_steps,
    )  # fmt: skip
