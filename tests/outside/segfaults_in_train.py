"""A test fixture: the homework port, whose train is killed by SIGSEGV (as a broken extension's
would be), after forward and the gradients answered."""

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "examples" / "homework"))
from homework import forward, loss_and_grads  # noqa: F401

NAME = "segfaults"
DTYPES = ("float64",)


def train(params, data, all_y_trues, **options):
    os.kill(os.getpid(), signal.SIGSEGV)
