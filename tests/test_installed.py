"""Installed, nn-crosscheck is one import package, nn_crosscheck, and leaves the user's project alone.

The wheel holds `nn_crosscheck` and nothing else at the top level, every module of the three
folders mapped inside it; a regular install of it runs from anywhere. A user's project with its
own `ports/` package, `reference.py` and `crosscheck/` folder keeps them: its own tests pass with
the plugin loaded and inert, the plugin runs the families on its port when asked, and both
`python -m nn_crosscheck` and `crosscheck` check that port.
"""

import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
HOMEWORK = ROOT / "examples" / "homework" / "homework.py"
# The repository's folders and where pyproject.toml's package-dir puts them.
LAYOUT = {
    "crosscheck": "nn_crosscheck",
    "reference": "nn_crosscheck/reference",
    "ports": "nn_crosscheck/ports",
}
PYTEST = (sys.executable, "-m", "pytest", "-p", "no:cacheprovider")


def _run(argv: list, cwd: Path, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """A command in a clean environment: no PYTHONPATH, so only what is installed is importable."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NN_CROSSCHECK_PORTS")}
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, env={**clean, **(env or {})},
        timeout=timeout,
    )  # fmt: skip


@functools.cache
def _installed() -> bool:
    """nn_crosscheck importable from outside the checkout (pip install, editable or not)."""
    outside = Path(os.path.realpath(os.sep))
    return _run([sys.executable, "-c", "import nn_crosscheck"], cwd=outside).returncode == 0


needs_install = pytest.mark.skipif(
    "not _installed()", reason="nn-crosscheck is not installed here (pip install -e .; .ci/run does)"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the sources (the build writes nothing into the checkout)."""
    setuptools = importlib.util.find_spec("setuptools") and __import__("setuptools")
    if not setuptools or int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip("building the wheel needs setuptools >= 77 here (pyproject.toml's build-system)")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src)
    for folder in LAYOUT:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    argv = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out, src]
    build = _run(argv, cwd=src)
    assert build.returncode == 0, build.stdout + build.stderr
    (path,) = out.glob("nn_crosscheck-*.whl")
    return path


def test_the_wheel_installs_one_top_level_name_holding_every_module(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (record,) = [n for n in names if n.endswith(".dist-info/RECORD")]
        (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        recorded = [line.split(",")[0] for line in archive.read(record).decode().splitlines()]
        assert archive.read(top_level).decode().split() == ["nn_crosscheck"]
    tops = {n.split("/")[0] for n in recorded if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"nn_crosscheck"}
    expected = {
        f"{package}/{path.relative_to(ROOT / folder).as_posix()}"
        for folder, package in LAYOUT.items()
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert expected - set(recorded) == set()  # every module, and the report's templates
    assert "nn_crosscheck/reports/templates/report.html.j2" in expected


def test_docs_ci_recipe_installs_the_wheel_with_its_test_extra(wheel, tmp_path):
    """docs/ci.md's wheel recipe, its install line as written (resolved against what is
    installed here, nothing fetched): the requirement is one pip accepts, the extra one the wheel
    declares; no line installs the project by a bare name, which no index holds."""
    recipe = (ROOT / "docs" / "ci.md").read_text()
    assert '    pip install "$(ls dist/nn_crosscheck-*.whl)[test]"' in recipe
    assert not re.search(r'pip install "nn-crosscheck\[[a-z,]+\]"', recipe)
    dist = Path(wheel).parent
    line = f'pip install --dry-run --no-index --find-links {dist} "$(ls {dist}/nn_crosscheck-*.whl)[test]"'
    proc = _run(["bash", "-c", f"{sys.executable} -m {line}"], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_installed_wheel_runs_from_anywhere(wheel, tmp_path):
    """A regular (non-editable) install, alone on the path: the package imports no framework
    and no generic name, and its command compares the reference with itself, in workers."""
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site, wheel]
    install = _run(pip, tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    env = {"PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1"}
    code = (
        "import sys, nn_crosscheck, nn_crosscheck.ports, nn_crosscheck.reference, nn_crosscheck.cli;"
        "print(nn_crosscheck.__file__);"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('ports', 'reference', 'crosscheck', 'torch', 'jax', 'tensorflow')))"
    )
    where = _run([sys.executable, "-c", code], tmp_path, env=env)
    assert where.returncode == 0, where.stderr
    assert where.stdout.splitlines() == [str(site / "nn_crosscheck" / "__init__.py"), "[]"]
    argv = [sys.executable, "-m", "nn_crosscheck", "compare", "--frameworks", "numpy", "--dtypes", "float64"]
    jobs = 2 if importlib.util.find_spec("pebble") else 1  # its workers find it too, where they run
    compare = _run([*argv, "--quiet", "--jobs", str(jobs)], tmp_path, env=env)
    assert compare.returncode == 0, compare.stdout + compare.stderr
    assert "numpy-cpu-float64" in compare.stdout
    assert ("2 workers" if jobs == 2 else "in this process") in compare.stdout.splitlines()[-2]


# The user's project: its own modules under the three generic names, its own test of them, and
# its port (the homework port under another name).
USER_TEST = """\
import sys

import crosscheck
import ports
import reference


def test_my_own_modules_are_mine():
    assert (ports.MINE, reference.MINE, crosscheck.MINE) == ("ports", "reference", "crosscheck")


def test_the_plugin_is_loaded_and_imports_nothing_unless_asked(request):
    assert "nn_crosscheck.pytest_plugin" in sys.modules
    imported = sorted(m for m in sys.modules if m.startswith("nn_crosscheck."))
    if not request.config.getoption("crosscheck_port"):
        assert imported == ["nn_crosscheck.pytest_plugin"]
"""


@pytest.fixture
def user_project(tmp_path) -> Path:
    (tmp_path / "ports").mkdir()
    (tmp_path / "ports" / "__init__.py").write_text('MINE = "ports"\n')
    (tmp_path / "reference.py").write_text('MINE = "reference"\n')
    (tmp_path / "crosscheck").mkdir()
    (tmp_path / "crosscheck" / "__init__.py").write_text('MINE = "crosscheck"\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mine.py").write_text(USER_TEST)
    port = HOMEWORK.read_text()
    assert port.count('NAME = "homework"') == 1
    (tmp_path / "its_port.py").write_text(port.replace('NAME = "homework"', 'NAME = "its"'))
    return tmp_path


@needs_install
def test_the_users_own_tests_pass_with_the_plugin_inert(user_project):
    """Installed nn-crosscheck asked for nothing: the user's own suite, its `ports`, `reference`
    and `crosscheck` its own. A bad NN_CROSSCHECK_PORTS does not matter to a session that did
    not ask for the plugin."""
    argv = [*PYTEST, "-q", "tests"]
    result = _run(argv, user_project, env={"NN_CROSSCHECK_PORTS": "/no/such/port.py"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert "nn-crosscheck" not in result.stdout  # no header, no families


@needs_install
def test_the_plugin_runs_the_families_on_the_users_port(user_project):
    argv = [*PYTEST, "-v", "--crosscheck-port", "its_port.py"]
    result = _run(argv, user_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "its: --crosscheck-port its_port.py" in result.stdout  # the header says where the port came from
    for test in ("test_forward_on_the_people[its-cpu-float64]", "test_my_own_modules_are_mine",
                 "test_the_plugin_is_loaded_and_imports_nothing_unless_asked",
                 "test_gradients_each_person[its-cpu-float64-Alice]",
                 "test_training_agrees_with_the_reference[its-cpu-float32]"):  # fmt: skip
        assert f"{test} PASSED" in result.stdout, result.stdout


@needs_install
@pytest.mark.parametrize("command", ["python -m nn_crosscheck", "crosscheck"])
def test_both_commands_check_the_users_port(user_project, command):
    launcher = [sys.executable, "-m", "nn_crosscheck"] if command.startswith("python") else [
        Path(sys.executable).with_name("crosscheck")
    ]  # fmt: skip
    argv = [*launcher, "compare", "--port", "its_port.py", "--frameworks", "numpy,its", "--quiet"]
    result = _run(argv, user_project)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split()[0] for line in result.stdout.splitlines() if line.startswith(("its-", "numpy-"))]
    assert rows == ["numpy-cpu-float32", "numpy-cpu-float64", "its-cpu-float32", "its-cpu-float64"]
