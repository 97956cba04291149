"""A test fixture, not shipped code: the NumPy port whose results turn to NaN where the
reference's are finite (as a port that overflows in its own arithmetic would)."""

from dataclasses import replace

import numpy as np

from nn_crosscheck.ports import numpy as base

NAME = "nanport"
MODES = ("eager",)
DEVICES = ("cpu",)
DTYPES = ("float64",)

version, devices, pin_precision, precision = base.version, base.devices, base.pin_precision, base.precision
mse_loss = base.mse_loss


def forward(params, X, **kw):
    out = np.array(base.forward(params, X, **kw), dtype=np.float64)
    out[0] = np.nan
    return out


def loss_and_grads(params, x, y_true, **kw):
    loss, grads = base.loss_and_grads(params, x, y_true, **kw)
    return loss, {**grads, "w4": np.nan}


def train(params, data, all_y_trues, **kw):
    run = base.train(params, data, all_y_trues, **kw)
    losses = np.array(run.losses, dtype=np.float64)
    losses[-1] = np.inf
    return replace(run, losses=losses)
