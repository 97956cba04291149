"""A test fixture, not shipped code: the NumPy port with a drift injected into one parameter at
one training step, for the first-divergence locator to find."""

import numpy as np

from nn_crosscheck.ports import numpy as base
from nn_crosscheck.ports.protocol import TrainResult
from nn_crosscheck.reference.article import PARAM_NAMES

NAME = "drifted"
MODES = ("eager",)
DEVICES = ("cpu",)
DRIFT_STEP, DRIFT_PARAM, DRIFT = 1234, "w4", 1e-9

version, devices, pin_precision, precision = base.version, base.devices, base.pin_precision, base.precision
matmul_canary, to_native, from_native = base.matmul_canary, base.to_native, base.from_native
mse_loss, forward, loss_and_grads = base.mse_loss, base.forward, base.loss_and_grads


def train(
    params, data, all_y_trues, *, dtype="float64", device="cpu", mode="eager", record_steps=False, **kw
):
    net = base.to_native(params, dtype=dtype, device=device)
    steps = []

    def on_step(n):
        if len(steps) == DRIFT_STEP:
            setattr(n, DRIFT_PARAM, getattr(n, DRIFT_PARAM) + n.dtype.type(DRIFT))
        steps.append([getattr(n, p) for p in PARAM_NAMES])

    losses = net.train(data, all_y_trues, on_step=on_step, **kw)
    return TrainResult(
        losses=np.asarray(losses, dtype=np.float64),
        params=net.params(),
        steps=np.asarray(steps, dtype=np.float64) if record_steps else None,
        device="cpu",
    )
