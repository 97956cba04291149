"""A test fixture: the homework port, whose train never returns (it sleeps an hour)."""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "examples" / "homework"))
from homework import forward, loss_and_grads  # noqa: F401

NAME = "sleeps"
DTYPES = ("float64",)


def train(params, data, all_y_trues, **options):
    time.sleep(3600)
