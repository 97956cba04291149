"""A port SPEC (--port, NN_CROSSCHECK_PORTS, pytest's --crosscheck-port): what is wrong with
one is one line naming where it was given and what was wrong; a dotted module name is found
from the current directory however crosscheck is started."""

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main

ROOT = Path(__file__).parent.parent
HOMEWORK = ROOT / "examples" / "homework" / "homework.py"


@pytest.fixture(autouse=True)
def registry(own_registry):
    """Each test's ports are undone after it (conftest's own_registry)."""


def _error(capsys, *argv: str) -> str:
    """The one line `crosscheck argv` says, exiting 2."""
    try:
        code = main(list(argv))
    except SystemExit as exit_info:
        code = exit_info.code
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert out == "" and len(err.splitlines()) == 1, out + err
    return err.strip()


def test_a_directory_is_not_called_missing(capsys, tmp_path):
    said = _error(capsys, "compare", "--port", str(tmp_path))
    assert said.endswith(f"error: --port {tmp_path}: is a directory; give a .py file or a dotted module name")


def test_a_file_that_is_not_python_is_named_as_a_file(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notpy.txt").write_text("NAME = 'notpy'\n")
    said = _error(capsys, "compare", "--port", "notpy.txt")
    assert said.endswith("--port notpy.txt: not a .py file; give a .py file or a dotted module name")


def test_a_spec_that_is_neither_file_nor_module_says_both(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    said = _error(capsys, "compare", "--port", "absent.txt")
    assert said.endswith("--port absent.txt: no module named 'absent', nor a file of that name")


def test_an_empty_spec_is_a_usage_error(capsys):
    said = _error(capsys, "compare", "--port", "", "--frameworks", "numpy")
    assert said == "crosscheck compare: error: --port: an empty SPEC; give a .py file or a dotted module name"


def test_a_bad_environment_entry_names_the_variable(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv(ports.ENVIRONMENT, str(tmp_path / "absent.py"))
    said = _error(capsys, "compare", "--frameworks", "numpy")
    assert said == f"crosscheck compare: error: {ports.ENVIRONMENT} {tmp_path / 'absent.py'}: no such file"


@pytest.mark.parametrize("value", ["{p},,{p}", "{p},", ","])
def test_an_empty_environment_entry_is_refused(capsys, tmp_path, monkeypatch, value):
    value = value.format(p=HOMEWORK)
    monkeypatch.setenv(ports.ENVIRONMENT, value)
    said = _error(capsys, "compare", "--frameworks", "numpy")
    empty = "an empty entry (SPECs are separated by single commas)"
    assert said == f"crosscheck compare: error: {ports.ENVIRONMENT}={value!r}: {empty}"


def _plugin() -> tuple[str, ...]:
    """What pytest needs to be told to load the plugin: nothing where its entry point is installed."""
    installed = any(
        ep.value == "nn_crosscheck.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11")
    )
    return () if installed else ("-p", "nn_crosscheck.pytest_plugin")


def test_a_missing_pytest_port_file_names_the_pytest_option(tmp_path):
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *_plugin()]
    argv += ["--crosscheck-port", "absent.py"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), ports.ENVIRONMENT: ""}
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 4, proc.stdout + proc.stderr  # pytest's usage error
    assert "nn-crosscheck: --crosscheck-port absent.py: no such file" in proc.stderr
    assert "--port absent.py" not in proc.stderr


@pytest.fixture
def package(tmp_path) -> Path:
    """A directory holding a package `mine` whose module `mine.port` is the homework port."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "__init__.py").write_text("")
    shutil.copy(HOMEWORK, tmp_path / "mine" / "port.py")
    return tmp_path


def _console_script() -> Path:
    script = Path(sys.executable).with_name("crosscheck")
    if not script.is_file():
        pytest.skip("the crosscheck console script is not installed beside this interpreter")
    return script


@pytest.mark.parametrize("start", ["console script", "python -m"])
def test_a_dotted_module_is_found_from_the_current_directory(package, start):
    """`crosscheck` (whose sys.path starts at its own bin directory) finds the module where
    `python -m nn_crosscheck` (whose sys.path starts at the current directory) does."""
    command = [sys.executable, "-m", "nn_crosscheck"] if start == "python -m" else [str(_console_script())]
    argv = [*command, "compare", "--port", "mine.port", "--frameworks", "homework", "--dtypes", "float64"]
    # PYTHONPATH names this checkout alone (a plain checkout's nn_crosscheck is importable from
    # its root only): never the current directory, which the command must add itself.
    env = {**os.environ, "PYTHONPATH": str(ROOT), ports.ENVIRONMENT: ""}
    proc = subprocess.run(argv, cwd=package, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "PASS: homework-cpu-float64 agrees with the reference"
