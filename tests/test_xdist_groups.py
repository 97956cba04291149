"""The suite's own scheduling: under pytest-xdist's --dist loadgroup, the tests that share one
cached training run (conftest.py marks them with one xdist_group in pytest_collection_modifyitems)
must run on one worker, or each worker trains again (TensorFlow eager: ~15 s a run).
pytest-xdist drops such groups without a word where its node-id renaming no longer takes
(pytest 9.2 with pytest-xdist 3.8), which this test sees: the same marking, on a project of its
own (the suite's own would import every framework in three processes)."""

import re
import subprocess
import sys
from collections import defaultdict

import pytest

pytest.importorskip("xdist", reason="pytest-xdist is not installed (the test extra)")

CONFTEST = """
import pytest

@pytest.hookimpl(tryfirst=True)  # as the suite's conftest.py marks a training run's tests
def pytest_collection_modifyitems(session, config, items):
    for item in items:
        item.add_marker(pytest.mark.xdist_group(f"training-{item.callspec.id}"))
"""
TESTS = """
import pytest

CASES = [pytest.param(i, id=f"case{i}") for i in range(4)]

@pytest.mark.parametrize("case", CASES)
def test_agrees(case): pass

@pytest.mark.parametrize("case", CASES)
def test_ran_where_asked(case): pass

@pytest.mark.parametrize("case", CASES)
def test_predictions(case): pass
"""
LINE = re.compile(r"^\[(gw\d+)\] .*PASSED test_training\.py::(\w+)\[(case\d)\]")


def test_the_tests_of_one_training_run_share_a_worker(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_training.py").write_text(TESTS)
    argv = [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider",
            "test_training.py"]  # fmt: skip
    run = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    workers, tests = defaultdict(set), defaultdict(set)
    for line in run.stdout.splitlines():
        if match := LINE.match(line):
            worker, test, case = match.groups()
            workers[case].add(worker)
            tests[case].add(test)
    assert sorted(workers) == [f"case{i}" for i in range(4)], run.stdout[-3000:]
    assert all(len(t) == 3 for t in tests.values()), tests
    split = {case: sorted(w) for case, w in workers.items() if len(w) > 1}
    assert not split, f"one training run's tests ran on several workers (groups ignored): {split}"
