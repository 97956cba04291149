"""A test fixture: the homework port declared float32-only, and refusing float64 outright."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "examples" / "homework"))
import homework

NAME = "single"
DTYPES = ("float32",)


def _only_float32(dtype):
    if dtype != "float32":
        raise TypeError(f"single computes in float32 only, not {dtype}")


def forward(params, X, *, dtype, device, mode):
    _only_float32(dtype)
    return homework.forward(params, X, dtype=dtype, device=device, mode=mode)


def loss_and_grads(params, x, y_true, *, dtype, device, mode):
    _only_float32(dtype)
    return homework.loss_and_grads(params, x, y_true, dtype=dtype, device=device, mode=mode)


def train(params, data, all_y_trues, *, dtype, **options):
    _only_float32(dtype)
    return homework.train(params, data, all_y_trues, dtype=dtype, **options)
