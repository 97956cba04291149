"""A reader that leaves early (`python -m nn_crosscheck.reference | head -1`) ends the command quietly: no
traceback, the exit status a Unix tool killed by SIGPIPE reports (141), or 0 if it had finished."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nn_crosscheck.reference.pipes import SIGPIPE_STATUS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "argv",
    [
        ["-m", "nn_crosscheck.reference", "--seed", "0"],
        ["-m", "nn_crosscheck", "compare", "--frameworks", "numpy", "--dtypes", "float64", "--quiet"],
    ],
    ids=["reference", "compare"],
)
def test_a_closed_pipe_ends_quietly(argv):
    # The reader leaves before the first line (as `head -1` does once it has one): every write
    # meets a closed pipe, whatever the timing.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, *argv], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()
    with process:
        stderr = process.stderr.read().decode()
        status = process.wait(timeout=120)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert status == SIGPIPE_STATUS, stderr
