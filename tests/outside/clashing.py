"""A test fixture: a port that calls itself numpy, the name of a built-in port."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "examples" / "homework"))
from homework import forward, loss_and_grads, train  # noqa: F401

NAME = "numpy"
