"""Two runs of `crosscheck compare --json` on the CPU give identical numbers (timings aside)."""

import json
import subprocess
import sys
from pathlib import Path

from crosscheck.cli import main

ROOT = Path(__file__).parent.parent


def _numbers(report: dict) -> dict:
    for impl in report["implementations"]:
        impl.pop("train_seconds")
    return {k: report[k] for k in ("verdict", "weights", "checks", "implementations", "divergence")}


def test_two_cpu_runs_give_identical_json(tmp_path, capsys):
    """One run in a fresh process, one in this one: every error, ratio and prediction is equal."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    subprocess.run(
        [sys.executable, "-m", "crosscheck", "compare", "--devices", "cpu", "--quiet", "--json", str(first)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert main(["compare", "--devices", "cpu", "--quiet", "--json", str(second)]) == 0
    capsys.readouterr()
    a, b = (json.loads(p.read_text()) for p in (first, second))
    assert a["environment"] == b["environment"]
    assert _numbers(a) == _numbers(b)
