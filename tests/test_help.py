"""The command line's own help: every command lists the names it accepts, its exit status and
examples; `--version`; messages name the command and the file, never an internal name."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import nn_crosscheck
from nn_crosscheck import ports
from nn_crosscheck.cli import COMMANDS, _declared_modes, build_parser, main
from nn_crosscheck.ports import DEVICES, DTYPES

ROOT = Path(__file__).resolve().parent.parent


def _help(*argv: str, capsys) -> str:
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    assert stop.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps where it likes


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"crosscheck {nn_crosscheck.__version__}"
    # One version, in one place: pyproject.toml reads it from the package.
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = {attr = "nn_crosscheck.__version__"}' in pyproject
    assert not re.search(r"^version = \"", pyproject, re.M)


def test_the_program_names_every_builtin_port(capsys):
    text = _help(capsys=capsys)
    for framework in ("NumPy", "PyTorch", "JAX", "TensorFlow", "scalar autograd"):
        assert framework in text
    assert f"registered here: {', '.join(ports.names())}" in text


@pytest.mark.parametrize("command", [c for c in COMMANDS])
def test_each_command_lists_the_names_it_takes_its_exit_status_and_examples(command, capsys):
    text = _help(command, capsys=capsys)
    assert f"comma list of {', '.join(ports.names())};" in text
    assert f"comma list of {', '.join(DEVICES)};" in text
    assert f"comma list of {', '.join(DTYPES)};" in text
    assert f"comma list of {', '.join(_declared_modes())};" in text
    assert "exit status: 0 when" in text and "2 for bad usage" in text and "130 when interrupted" in text
    examples = text.split("examples:", 1)[1].split(" crosscheck ")
    assert examples[0] == "" and all(e.split()[0] == command for e in examples[1:]), text


def test_the_help_imports_no_framework():
    """Building the parser (and so --help) reads the ports' declared modes from their sources."""
    code = (
        "import sys; from nn_crosscheck.cli import build_parser; build_parser();"
        "print(sorted(m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "[]", proc.stderr
    assert build_parser().prog == "crosscheck"


def test_one_timed_run_is_singular():
    from nn_crosscheck.reports.bench import render

    assert "1 timed run after one warm-up" in render([], {}, repeats=1, epochs=10)
    assert "3 timed runs after one warm-up" in render([], {}, repeats=3, epochs=10)


def test_the_notebook_says_how_long_the_scalar_engine_is():
    notebook = (ROOT / "docs" / "lesson.ipynb").read_text()
    (said,) = re.findall(r"`ports/scalar.py` is about (\d+) lines", notebook)
    lines = len((ROOT / "ports" / "scalar.py").read_text().splitlines())
    assert abs(int(said) - lines) <= lines / 10, (said, lines)


def test_no_file_cites_what_the_repository_does_not_hold():
    """Sources cite the article itself, never a file outside the repository."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    tracked = [ROOT / name for name in listed.stdout.splitlines() if name.endswith((".py", ".md", ".ipynb"))]
    cited = [
        str(path.relative_to(ROOT))
        for path in tracked
        if path.is_file() and "ARTICLE.md" in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert [name for name in cited if name != str(Path(__file__).relative_to(ROOT))] == []
