"""The suite's own scheduling: under pytest-xdist's --dist loadgroup, the tests that share one
cached training run (conftest.py marks them with one xdist_group) must run on one worker, or
each worker trains again (TensorFlow eager: ~15 s a run). pytest-xdist drops the groups without a
word where its node-id renaming no longer takes (pytest 9.2 with pytest-xdist 3.8), which this
test sees."""

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

pytest.importorskip("xdist", reason="pytest-xdist is not installed (the test extra)")

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^\[(gw\d+)\] .*PASSED tests/test_training\.py::(\w+)\[([\w.-]+)\]")


def test_the_tests_of_one_training_run_share_a_worker():
    argv = [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider",
            "tests/test_training.py", "-k", "numpy"]  # fmt: skip
    run = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    workers, tests = defaultdict(set), defaultdict(set)
    for line in run.stdout.splitlines():
        if match := LINE.match(line):
            worker, test, case = match.groups()
            workers[case].add(worker)
            tests[case].add(test)
    assert set(workers) == {"numpy-cpu-float32", "numpy-cpu-float64"}, run.stdout[-3000:]
    assert all(len(t) == 4 for t in tests.values()), tests
    split = {case: sorted(w) for case, w in workers.items() if len(w) > 1}
    assert not split, f"one training run's tests ran on several workers (groups ignored): {split}"
