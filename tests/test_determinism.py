"""Two runs of `crosscheck compare --json` on the CPU give identical numbers (timings aside): one
in worker processes (--jobs 2), one in a single process (--jobs 1).

The test runs float32 only, to keep the suite fast; `crosscheck compare --json` twice with both
dtypes shows the same (docs/benchmarks.md says how it was checked)."""

import json

import pytest

from conftest import FRESH_JOBS
from nn_crosscheck.cli import main


def _numbers(report: dict) -> dict:
    for impl in report["implementations"]:
        impl.pop("train_seconds")
        impl.pop("seconds")
    return {k: report[k] for k in ("verdict", "weights", "checks", "implementations", "divergence")}


@pytest.mark.fresh_process_compare
def test_two_cpu_runs_give_identical_json(tmp_path, capsys, fresh_process_compare):
    """One run in a fresh process with two workers, one in this process alone: every error, ratio
    and prediction is equal."""
    (first, argv), second = fresh_process_compare, tmp_path / "b.json"
    assert main(["compare", *argv, "--jobs", "1", "--json", str(second)]) == 0
    capsys.readouterr()
    a, b = (json.loads(p.read_text()) for p in (first, second))
    assert (a["timing"]["jobs"], b["timing"]["jobs"]) == (FRESH_JOBS, 1)
    assert a["environment"] == b["environment"]
    assert _numbers(a) == _numbers(b)


def _examples_tried(env: dict) -> list[str]:
    """The examples one property test tries, as hypothesis prints them, in a fresh process."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    test = "tests/test_cancellation.py::test_forward_when_terms_cancel[numpy-cpu-float64]"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            test,
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "--hypothesis-verbosity=verbose",
        ],
        cwd=Path(__file__).parent.parent,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [line for line in proc.stdout.splitlines() if "drawn=" in line]


def test_ci_profile_tries_the_same_examples_every_run():
    """Under CI=true the property tests are derandomised: two runs draw the same examples."""
    first, second = (_examples_tried({"CI": "true"}) for _ in range(2))
    assert len(first) >= 10
    assert first == second
