"""The test matrix: framework x device x dtype (x jit mode for JAX), with readable ids.

`pytest -k "jax and float32"` selects exactly those cases. A framework that is not installed or
a device that is not present is a skip with its reason. Precision is pinned once, here, before
any test runs (nn_crosscheck.engine.precision), and the header says what is in force.
"""

import contextlib
import functools
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from nn_crosscheck import ports
from nn_crosscheck.engine import checks
from nn_crosscheck.engine.cases import all_cases
from nn_crosscheck.engine.precision import describe, preflight

# A test of a function a port does not provide (a port that only evaluates) is skipped, saying so.
from nn_crosscheck.families import pytest_pyfunc_call  # noqa: F401

# The commands the tests run (in this process or as subprocesses) run their implementations here,
# one after another, where they share this process's cached training runs, unless a test asks
# for workers (--jobs): under pytest-xdist every core already runs a test.
os.environ.setdefault("NN_CROSSCHECK_JOBS", "1")

# Ports from outside this repository join the whole matrix: NN_CROSSCHECK_PORTS (a .py file or a
# module name, comma-separated), before the matrix below is made. A clash or a file that is not
# a port stops the run with one line.
try:
    ports.check_clashes()
    ports.from_environment()
except ports.PortError as _error:
    raise pytest.UsageError(f"{ports.ENVIRONMENT}: {_error}") from None

# Hypothesis: "ci" keeps the suite fast and draws the same examples on every run (derandomize:
# the examples follow from each test's name, so CI cannot turn red by the luck of a draw, and
# nothing is read from or written to a failure database); "dev" draws afresh; "long" for a
# thorough run (--hypothesis-profile=long). No deadline: the first example of a case pays JAX's
# compilation.
_common = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.register_profile("ci", max_examples=25, derandomize=True, database=None, **_common)
settings.register_profile("dev", max_examples=50, **_common)
settings.register_profile("long", max_examples=2000, **_common)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

PREFLIGHT: dict = {}


def pytest_configure(config):
    PREFLIGHT.update(preflight())


def pytest_report_header(config):
    return [
        "nn-crosscheck ports: " + "; ".join(f"{name} ({source})" for name, source in ports.sources().items()),
        "nn-crosscheck precision preflight:",
        *(f"  {line}" for line in describe(PREFLIGHT)),
    ]


@pytest.fixture
def private_caches(monkeypatch):
    """The checks' caches of training runs and finite differences, empty for this test and set
    aside after it, for a test that swaps a port under a name others use or wants a real rerun:
    the worker's own caches stay as they were, for the tests after it (a TensorFlow eager
    training costs ~13 s to redo)."""
    for name in ("_timed_train", "_finite_differences"):
        cached = getattr(checks, name)
        fresh = functools.lru_cache(maxsize=cached.cache_parameters()["maxsize"])(cached.__wrapped__)
        monkeypatch.setattr(checks, name, fresh)


@contextlib.contextmanager
def registry_restored():
    """The port registry, after the block, as it was before it."""
    saved = dict(ports.PORTS)
    try:
        yield
    finally:
        if ports.PORTS != saved:
            ports.PORTS.clear()
            ports.PORTS.update(saved)


@pytest.fixture(autouse=True)
def registry_as_it_was():
    """A port a test registers (a command run in this process with --port, a fixture) is gone
    after it, so it never joins a later test's default selection in the same worker, such as the
    self-test's every-framework run. Session fixtures run before this one: what they register
    stays."""
    with registry_restored():
        yield


@pytest.fixture(params=[pytest.param(c, id=c.id) for c in all_cases()])
def case(request):
    """One implementation: skipped, with the reason, where it cannot run here."""
    reason = request.param.unavailable()
    if reason:
        pytest.skip(reason)
    return request.param


# The determinism test compares this process's compare run with one in a fresh process. That run
# takes as long as a whole compare, so it starts as soon as the test is collected, on the second
# core, and the test waits for it. Under pytest-xdist every worker collects every test, so there
# it starts when the test asks for it: the other workers keep the cores busy meanwhile.
_EARLY_RUN = pytest.StashKey[tuple]()
# float32 on the CPU: the dtype where a reordered sum would show first, at half the cost of both.
DETERMINISM_ARGS = ("--devices", "cpu", "--dtypes", "float32", "--quiet")
# The fresh run's workers: two, where pebble is installed (not in a plain checkout's bare venv).
FRESH_JOBS = 2 if importlib.util.find_spec("pebble") else 1


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(session, config, items):
    """Under pytest-xdist with --dist loadgroup, tests that share a cached result run on one
    worker, so that it is computed once: the tests reading one session-scoped command run, and
    the training tests of one implementation (one cached training run)."""
    for item in items:
        for shared in {"selftest_run", "article_run"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(shared))
        if item.path.name == "test_training.py" and hasattr(item, "callspec"):
            item.add_marker(pytest.mark.xdist_group(f"training-{item.callspec.id}"))


def pytest_collection_finish(session):  # after -k and -m have deselected what they will
    under_xdist = "PYTEST_XDIST_WORKER" in os.environ
    if not under_xdist and any(item.get_closest_marker("fresh_process_compare") for item in session.items):
        _start_fresh_compare(session.config)


def _start_fresh_compare(config) -> None:
    path = Path(tempfile.mkdtemp(prefix="nn-crosscheck-")) / "fresh.json"
    command = [sys.executable, "-m", "nn_crosscheck", "compare", *DETERMINISM_ARGS]
    argv = [*command, "--jobs", str(FRESH_JOBS), "--json", str(path)]
    proc = subprocess.Popen(
        argv, cwd=Path(__file__).parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    config.stash[_EARLY_RUN] = (proc, path)


def pytest_unconfigure(config):
    proc, path = config.stash.get(_EARLY_RUN, (None, None))
    if proc is not None:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(path.parent, ignore_errors=True)


@pytest.fixture
def fresh_process_compare(request) -> tuple[Path, tuple[str, ...]]:
    """The JSON report of `crosscheck compare` run in a fresh process with two workers, and its
    arguments (but --jobs)."""
    if _EARLY_RUN not in request.config.stash:
        _start_fresh_compare(request.config)
    proc, path = request.config.stash[_EARLY_RUN]
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    return path, DETERMINISM_ARGS


ZOOS = {"zoo": "zoo_port.py", "zoograd": "zoo_autograd_port.py"}  # tests/: the sigmoid zoos


def _zoo_members() -> list[str]:
    """"name-dtype-mode" for every member of the sigmoid zoos (tests/zoo_port.py, hand-derived
    slopes; tests/zoo_autograd_port.py, torch.autograd), their MODES read without importing them."""
    import ast

    members = []
    for name, file in ZOOS.items():
        tree = ast.parse((Path(__file__).parent / "tests" / file).read_text())
        (modes,) = (
            ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MODES"
        )
        members += [f"{name}-{dtype}-{mode}" for dtype in ("float32", "float64") for mode in modes]
    return members


@pytest.fixture
def own_registry(monkeypatch):
    """The port registry as the test leaves it is undone after it, and the ports of
    NN_CROSSCHECK_PORTS (and the variable itself, which a command run in this process reads) are
    set aside meanwhile: a test that registers a port of its own (which may share a name with the
    environment's) neither clashes with them nor loses them for the tests after it."""
    monkeypatch.delenv(ports.ENVIRONMENT, raising=False)
    saved = dict(ports.PORTS)
    for name, info in saved.items():
        if info.source.startswith(ports.ENVIRONMENT):
            ports.unregister(name)
    yield
    ports.PORTS.clear()
    ports.PORTS.update(saved)


@pytest.fixture(params=_zoo_members())
def zoo_case(request, private_caches):
    """One member of a sigmoid zoo in one dtype, its port registered the way a user's port is
    (--port FILE), for the duration of a test; skipped where its framework is absent. Its runs
    are cached aside (private_caches): some 1,500 of them would push the others' out."""
    name, dtype, mode = request.param.split("-", 2)
    info = ports.load_spec(str(Path(__file__).parent / "tests" / ZOOS[name]))
    if info.name != name:  # the file's import failed (no torch): registered as unavailable
        ports.unregister(info.name)
        pytest.skip(f"tests/{ZOOS[name]} cannot be imported here: {info.error}")
    yield checks.Case(name, "cpu", dtype, mode)
    ports.unregister(name)


@pytest.fixture(params=["float32", "float64"])
def exact_case(request, private_caches):
    """The exact-arithmetic port (tests/exact_port.py) in one dtype, registered as framework
    "exact" for the duration of a test; skipped without mpmath."""
    pytest.importorskip("mpmath", reason="the exact port computes with mpmath (the test extra)")
    ports.load_spec(str(Path(__file__).parent / "tests" / "exact_port.py"))
    yield checks.Case("exact", "cpu", request.param, "eager")
    ports.unregister("exact")


@pytest.fixture
def drifted():
    """The test fixture port tests/drifted_port.py, registered as framework "drifted" the way a
    user's port is (--port FILE), for the duration of a test."""
    ports.load_spec(str(Path(__file__).parent / "tests" / "drifted_port.py"))
    yield
    ports.unregister("drifted")


def _command_output(argv: list[str]) -> tuple[int, str]:
    """A crosscheck command run in this process: its exit status and stdout."""
    from nn_crosscheck.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(argv)
    return code, out.getvalue()


@pytest.fixture(scope="session")
def selftest_run(tmp_path_factory) -> tuple[int, str, dict]:
    """`crosscheck selftest --json`, run once for every test that reads it (minutes): its exit
    status, its table and its JSON report."""
    from nn_crosscheck.engine.mutants import MUTANTS

    status = ports.availability()
    unavailable = sorted({m.framework for m in MUTANTS if status.get(m.framework)})
    if unavailable:
        pytest.skip(f"the self-test's mutants need {', '.join(unavailable)}")
    path = tmp_path_factory.mktemp("selftest") / "selftest.json"
    code, out = _command_output(["selftest", "--quiet", "--json", str(path)])
    return code, out, json.loads(path.read_text())


BUILTINS = ("numpy", "torch", "jax", "tensorflow", "scalar")


@pytest.fixture(scope="session")
def article_run() -> tuple[int, str, tuple[str, ...]]:
    """`crosscheck article` on the built-in ports importable here (docs/commands.md shows it with all
    five), run once for every test that reads it: exit status, output, the frameworks."""
    status = ports.availability()
    frameworks = tuple(f for f in BUILTINS if not status.get(f, "absent"))
    return (*_command_output(["article", "--frameworks", ",".join(frameworks)]), frameworks)
