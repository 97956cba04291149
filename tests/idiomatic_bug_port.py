"""A test fixture, not shipped code: the NumPy port whose own `train` has a bug its batched
`train_many` does not share (b1 read 1e-9 off before training), as a port whose idiomatic code
and vectorised code have drifted apart would. The sweep's batched rows pass; only its recheck,
which reruns networks through `train`, can catch it."""

from nn_crosscheck.ports import numpy as base

NAME = "idiombug"
MODES = ("eager",)
DEVICES = ("cpu",)
DTYPES = ("float64",)
OFF = 1e-9

version, devices, pin_precision, precision = base.version, base.devices, base.pin_precision, base.precision
matmul_canary, to_native, from_native = base.matmul_canary, base.to_native, base.from_native
mse_loss, forward, loss_and_grads = base.mse_loss, base.forward, base.loss_and_grads
train_many = base.train_many  # the batched path: correct


def train(params, data, all_y_trues, **kw):
    return base.train({**params, "b1": params["b1"] + OFF}, data, all_y_trues, **kw)
