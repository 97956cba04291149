"""A test fixture: the homework port with its float64 loss rounded to float32 (as Keras 3's stock
MSE on JAX takes its mean in float32 even for float64 tensors); its partials are right."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[2] / "examples" / "homework"))
from homework import forward, train  # noqa: F401
from homework import loss_and_grads as _loss_and_grads

NAME = "coarse"


def loss_and_grads(params, x, y_true, *, dtype, device, mode):
    loss, grads = _loss_and_grads(params, x, y_true, dtype=dtype, device=device, mode=mode)
    return float(np.float32(loss)), grads
