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
    assert [line for line in shown if line not in printed and _torch_alternative(line) not in printed] == []


def _torch_alternative(line: str) -> str:
    """A torch row of the worked example with JAX's value, which the page says torch prints where
    its CPU kernel picked at run time rounds as XLA does (every other row is compared as shown)."""
    if not line.startswith("torch "):
        return line
    mode = line.split(":", 1)[0]
    jax = "np.float64(0.5843236444001708), |got - reference| 3.22e-15 (err/tol 0.031), vs 50 digits 5.97e-17"
    return f"{mode}: {jax}"


def test_readme_says_what_the_torch_pin_installs_off_this_machine():
    """The pin from the package index is a CUDA build: README says so and where the CPU one is."""
    readme = (ROOT / "README.md").read_text()
    assert "picks a CPU build" not in readme
    assert "is a CUDA build of several" in readme and "PyTorch's own CPU wheel index" in readme


def test_every_tool_the_pages_run_comes_with_an_extra():
    """A command the pages tell a reader to run is installed by one of the project's extras."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python 3.11 and later")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    provided = {re.match(r"[\w.-]+", r).group(0).lower() for group in extras.values() for r in group}
    pages = "\n".join(p.read_text() for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    tools = {
        "ruff check": "ruff",
        "jupyter nbconvert": "nbconvert",
        "mkdocs serve": "mkdocs",
        "mkdocs build": "mkdocs",
        "python -m pytest": "pytest",
    }
    named = {command: package for command, package in tools.items() if command in pages}
    assert "ruff check" in named and "mkdocs build" in named  # the pages still name them
    assert {command: package for command, package in named.items() if package not in provided} == {}
