"""The figures docs/ show are what the repository's scripts print today."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_budget_models_worked_example_is_what_its_script_prints():
    """docs/budgets.md's worked example, line for line, from `python scripts/budget_example.py`
    (every framework it names must be here: its rows are theirs)."""
    missing = [m for m in ("torch", "jax", "tensorflow", "mpmath") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"scripts/budget_example.py needs {', '.join(missing)}")
    text = (ROOT / "docs" / "budgets.md").read_text()
    section = text.split("## Worked example", 1)[1]
    block = re.search(r"((?:^    .+\n)+)", section, re.M).group(1)  # its first printout
    shown = [line.strip() for line in block.splitlines()]
    assert len(shown) >= 10
    proc = subprocess.run([sys.executable, "scripts/budget_example.py"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    printed = [line.strip() for line in proc.stdout.splitlines()]
    assert [line for line in shown if line not in printed] == []


def test_readme_says_what_the_torch_pin_installs_off_this_machine():
    """The pin from the package index is a CUDA build: README says so and where the CPU one is."""
    readme = (ROOT / "README.md").read_text()
    assert "picks a CPU build" not in readme
    assert "is a CUDA build of several" in readme and "PyTorch's own CPU wheel index" in readme
