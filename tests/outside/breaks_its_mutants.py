"""A test fixture: the homework port in float64, correct as it is called by compare, whose train
raises when asked for another learning rate and ends its process (os._exit(1)) when asked for
999 epochs: the self-test's learning_rate_0.01 mutant raises, its epochs_999 mutant's worker dies."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "examples" / "homework"))
import homework
from homework import forward, loss_and_grads  # noqa: F401

NAME = "breaks"
DTYPES = ("float64",)


def train(params, data, all_y_trues, *, learn_rate, epochs, **options):
    if learn_rate != 0.1:
        raise RuntimeError(f"no learning rate but 0.1 here, not {learn_rate}")
    if epochs == 999:
        os._exit(1)
    return homework.train(params, data, all_y_trues, learn_rate=learn_rate, epochs=epochs, **options)
