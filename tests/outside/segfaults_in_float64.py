"""A test fixture: the homework port in both dtypes, whose float64 train is killed by SIGSEGV (its
float32 run is correct): the two share a worker, and only one may be blamed."""

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "examples" / "homework"))
import homework
from homework import forward, loss_and_grads  # noqa: F401

NAME = "halfbroken"
EXPECTED_SECONDS = {"eager": 0.1}  # cheap: its two cases go to one worker together


def train(params, data, all_y_trues, *, dtype, **options):
    if dtype == "float64":
        os.kill(os.getpid(), signal.SIGSEGV)
    return homework.train(params, data, all_y_trues, dtype=dtype, **options)
