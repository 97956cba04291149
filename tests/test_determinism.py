"""Two runs of `crosscheck compare --json` on the CPU give identical numbers (timings aside).

The test runs float32 only, to keep the suite fast; `crosscheck compare --json` twice with both
dtypes shows the same (docs/benchmarks.md says how it was checked)."""

import json

import pytest

from crosscheck.cli import main


def _numbers(report: dict) -> dict:
    for impl in report["implementations"]:
        impl.pop("train_seconds")
    return {k: report[k] for k in ("verdict", "weights", "checks", "implementations", "divergence")}


@pytest.mark.fresh_process_compare
def test_two_cpu_runs_give_identical_json(tmp_path, capsys, fresh_process_compare):
    """One run in a fresh process, one in this one: every error, ratio and prediction is equal."""
    (first, argv), second = fresh_process_compare, tmp_path / "b.json"
    assert main(["compare", *argv, "--json", str(second)]) == 0
    capsys.readouterr()
    a, b = (json.loads(p.read_text()) for p in (first, second))
    assert a["environment"] == b["environment"]
    assert _numbers(a) == _numbers(b)
