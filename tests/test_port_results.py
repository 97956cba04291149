"""What a port's forward returns, judged alike by every way in: `crosscheck compare` (in worker
processes and with --jobs 1), `nn_crosscheck.check` and the pytest plugin. An (n, 1) column is
o1 for each row, the same numbers: it passes everywhere. Any other shape is a FAIL saying both
shapes, and something that is not numbers an ERROR saying so: no way in ends in a traceback.

And what a port leaves out: the verdict line says what was not checked; a name close to one of
the protocol's ('trian', 'loss_and_grad') is a warning naming it."""

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nn_crosscheck import check, ports
from nn_crosscheck.engine.workers import Timing
from nn_crosscheck.ports.protocol import PortError, PortWarning

ROOT = Path(__file__).resolve().parent.parent
HOMEWORK = ROOT / "examples" / "homework" / "homework.py"
FORWARD = (
    "import numpy as np\n\n"
    "from nn_crosscheck.ports.numpy import forward as _forward, loss_and_grads, train  # noqa: F401\n\n"
    'NAME = "{name}"\n\n\n'
    "def forward(params, X, *, dtype, device, mode):\n"
    "    y = _forward(params, X, dtype=dtype, device=device, mode=mode)\n"
    "    return {returns}\n"
)
# name: (what forward returns, the verdict, what the failing rows say)
SHAPES = {
    "column": ("y[:, None]", "PASS", ""),
    "wide": ("np.stack([y, y], axis=1)", "FAIL", "results of another shape: got (6, 2), expected (6,)"),
    "text": ("'not numbers'", "ERROR", "cannot be read as numbers"),
    "complex": ("y + 1e-3j", "ERROR", "gave complex values (complex128), not real numbers"),
    "nothing": ("None", "ERROR", "gave None, not numbers"),
}
WAYS = ("compare", "compare --jobs 1", "check()", "pytest plugin")
NO_TRAIN = "loss_log, final_params, predictions, trajectory (no train)"


@pytest.fixture(scope="module")
def shaped(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("shaped")
    paths = {}
    for name, (returns, _, _) in SHAPES.items():
        paths[name] = folder / f"{name}.py"
        paths[name].write_text(FORWARD.format(name=name, returns=returns))
    return paths


def _env() -> dict:
    return {**os.environ, ports.ENVIRONMENT: "", "PYTHONPATH": str(ROOT)}


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=_env(), timeout=600)


def _compare(path: Path, name: str, *extra: str) -> tuple[str, str]:
    """(verdict, output) of `crosscheck compare` of the port in float64."""
    report = path.with_name(f"{name}{len(extra)}.json")
    argv = [sys.executable, "-m", "nn_crosscheck", "compare", "--port", str(path), "--frameworks", name]
    proc = _run([*argv, "--dtypes", "float64", "--quiet", "--json", str(report), *extra], path.parent)
    out = proc.stdout + proc.stderr
    verdict = json.loads(report.read_text())["verdict"].upper()
    assert proc.returncode == (0 if verdict == "PASS" else 1), out
    assert "the busiest worker: )" not in out
    return verdict, out


CHECK = (
    "import sys\nimport nn_crosscheck\n"
    "result = nn_crosscheck.check(sys.argv[1], dtypes=['float64'])\nprint(result)\n"
    "print('verdicts:', *sorted({r.verdict for r in result.reports}))\n"
)


def _check(path: Path, name: str) -> tuple[str, str]:
    """(verdict, output) of nn_crosscheck.check on the port (float64), in a process of its own."""
    proc = _run([sys.executable, "-c", CHECK, str(path)], path.parent)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    (verdict,) = out.split("verdicts: ", 1)[1].split()
    return verdict, out


def _plugin() -> tuple[str, ...]:
    """What pytest needs to be told to load the plugin: nothing where its entry point is installed."""
    installed = any(
        ep.value == "nn_crosscheck.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11")
    )
    return () if installed else ("-p", "nn_crosscheck.pytest_plugin")


def _pytest(path: Path, *extra: str) -> subprocess.CompletedProcess:
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        *_plugin(),
        "--crosscheck-port",
        path.name,
    ]
    return _run([*argv, *extra], path.parent)


def _plugin_verdict(path: Path, name: str) -> tuple[str, str]:
    """(PASS, or the verdict the failing tests' messages show, and the output) of the plugin."""
    proc = _pytest(path, "-q", "-k", "float64")
    out = proc.stdout + proc.stderr
    assert "INTERNALERROR" not in out and proc.returncode in (0, 1), out
    if proc.returncode == 0:
        return "PASS", out
    # A result that is no numbers fails on one line, "ERROR: ..." (families.pytest_pyfunc_call).
    raised = re.search(r"^ERROR: \w+\.forward: ", out, re.M)
    return ("ERROR" if raised else "FAIL"), out


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("name", SHAPES)
def test_one_verdict_for_a_forward_of_any_shape_in_every_way_in(shaped, name, way):
    expected, says = SHAPES[name][1:]
    run = {
        "compare": lambda: _compare(shaped[name], name),
        "compare --jobs 1": lambda: _compare(shaped[name], name, "--jobs", "1"),
        "check()": lambda: _check(shaped[name], name),
        "pytest plugin": lambda: _plugin_verdict(shaped[name], name),
    }[way]
    verdict, out = run()
    assert verdict == expected, out
    assert says in out, out
    if way != "pytest plugin" or expected == "ERROR":  # pytest shows a failing assertion's code
        assert "Traceback" not in out and "ports/adapter.py" not in out, out
    if way.startswith("compare") and expected != "PASS":
        assert "Emily and Frank: predictions unavailable (nan)" in out and "(M)" not in out, out


def test_a_column_is_read_as_o1_for_each_row(shaped):
    """The adapter gives (n,) for an (n, 1) column, and keeps every other shape as it is."""
    from nn_crosscheck.reference import SHARED_WEIGHTS

    X = [[-2.0, -1.0], [25.0, 6.0], [17.0, 4.0]]
    column = ports.registry.adapted(_module(shaped["column"])).forward(SHARED_WEIGHTS, X)
    assert column.shape == (3,)
    assert column.tolist() == ports.load("numpy").forward(SHARED_WEIGHTS, X).tolist()
    assert ports.registry.adapted(_module(shaped["wide"])).forward(SHARED_WEIGHTS, X).shape == (3, 2)


def _module(path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"shaped_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_same_number_of_values_in_another_shape_is_a_fail():
    """Six outputs as (3, 2) are not o1 for six rows: both shapes are said."""
    from nn_crosscheck.engine.judge import compare

    check_ = compare("forward", [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], [0.5] * 6, dtype="float64", case="c",
                     labels=list("abcdef"), magnitude=1.0)  # fmt: skip
    assert check_.verdict == "FAIL"
    assert check_.note == "results of another shape: got (3, 2), expected (6,)"


# A port without train, its train misspelt: it passes, saying what was not checked, and warns.
MISSPELT = {
    "trian": ("def train(", "def trian("),
    "loss_and_grad": ("def loss_and_grads(", "def loss_and_grad("),
}


@pytest.fixture
def misspelt(tmp_path) -> dict[str, Path]:
    paths = {}
    for name, (right, wrong) in MISSPELT.items():
        source = HOMEWORK.read_text().replace('NAME = "homework"', f'NAME = "{name}"')
        if name == "loss_and_grad":  # without loss_and_grads it cannot train (validate): no train either
            source = source.replace("def train(", "def _train(")
        paths[name] = tmp_path / "port.py" if name == "trian" else tmp_path / f"{name}.py"
        paths[name].write_text(source.replace(right, wrong))
    return paths


def test_check_warns_of_a_misspelt_protocol_name_and_says_what_was_not_checked(misspelt):
    with pytest.warns(PortWarning, match=r"^port\.py defines 'trian': did you mean 'train'\?$"):
        result = check(str(misspelt["trian"]), dtypes=["float64"])
    assert result.passed
    assert str(result).splitlines()[-1] == (
        f"PASS: trian-cpu-float64 agrees with the reference; not checked: {NO_TRAIN}"
    )
    with pytest.warns(PortWarning, match="defines 'loss_and_grad': did you mean 'loss_and_grads'"):
        result = check(str(misspelt["loss_and_grad"]), dtypes=["float64"])
    assert str(result).splitlines()[-1] == (
        "PASS: loss_and_grad-cpu-float64 agrees with the reference; not checked: loss, gradients, "
        f"fd_oracle (no loss_and_grads); {NO_TRAIN}"
    )


def test_compare_and_the_plugin_warn_of_a_misspelt_protocol_name(misspelt):
    path = misspelt["trian"]
    argv = [sys.executable, "-m", "nn_crosscheck", "compare", "--port", str(path), "--frameworks", "trian"]
    proc = _run([*argv, "--quiet"], path.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.count("port.py defines 'trian': did you mean 'train'?") == 1, (
        proc.stderr
    )  # not per worker
    last = proc.stdout.splitlines()[-1]
    assert last == (
        "PASS: all 2 implementations agree with the reference on every quantity they compute; "
        f"not checked in 2 of them (SKIP rows): {NO_TRAIN}"
    )
    plugin = _pytest(path, "-q")
    assert plugin.returncode == 0, plugin.stdout + plugin.stderr
    assert "port.py defines 'trian': did you mean 'train'?" in plugin.stdout + plugin.stderr


def test_under_w_error_a_misspelt_name_is_one_line_and_exit_2(misspelt):
    path = misspelt["trian"]
    argv = [sys.executable, "-W", "error", "-m", "nn_crosscheck", "compare", "--port", str(path)]
    proc = _run([*argv, "--frameworks", "trian"], path.parent)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().endswith("port.py defines 'trian': did you mean 'train'?")


def test_a_missing_forward_names_the_near_miss(tmp_path):
    path = tmp_path / "foward.py"
    path.write_text(
        HOMEWORK.read_text().replace("def forward(", "def foward(").replace("forward(p,", "foward(p,")
    )
    with pytest.raises(PortError, match=r"missing forward .*; it defines 'foward': did you mean 'forward'\?"):
        ports.load_spec(str(path))


@pytest.mark.parametrize("misspelt", ["NAMe", "name"])
def test_a_missing_name_names_the_closest_near_miss_in_any_case(tmp_path, misspelt):
    """homework.py also defines NAMES: the hint names the closest, 'NAMe' or 'name', alone."""
    path = tmp_path / "misnamed.py"
    path.write_text(HOMEWORK.read_text().replace('NAME = "homework"', f'{misspelt} = "homework"'))
    with pytest.raises(PortError) as raised:
        ports.load_spec(str(path))
    assert str(raised.value).endswith(f"; it defines {misspelt!r}: did you mean 'NAME'?"), str(raised.value)


def test_no_port_of_this_project_is_taken_for_a_near_miss():
    """The names the built-in ports, the example and the test fixtures define are no misspelling."""
    import importlib.util

    from nn_crosscheck.ports.adapter import near_misses

    files = [
        HOMEWORK,
        *sorted((ROOT / "tests" / "outside").glob("*.py")),
        *sorted(ROOT.glob("tests/*_port.py")),
    ]
    for path in files:
        spec = importlib.util.spec_from_file_location(f"near_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except BaseException:  # a fixture that fails to import on purpose, or needs a framework
            continue
        assert near_misses(module) == [], path
    assert near_misses(ports.load("numpy").module) == []


def test_the_time_line_says_what_it_covers_and_names_no_empty_worker():
    timing = Timing(2, wall=4.6, cpu=3.0)
    assert timing.line() == (
        "time: 4.6 s wall, 3.0 s CPU for the checks (start-up and reports not counted), 2 workers; "
        "no task finished in a worker"
    )
    timing.slowest, timing.critical_path = ["numpy-cpu-float64"], 0.5
    assert timing.line().endswith("critical path 0.5 s (the busiest worker: numpy-cpu-float64)")
