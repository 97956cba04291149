"""Ports that misbehave: one that raises in a protocol function, returns results of another shape,
returns strings, or hangs a while and then raises. compare judges each (ERROR, or FAIL for a
shape), runs every other implementation, writes the table, JSON and JUnit, exits 1 and prints
no traceback."""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
HOMEWORK = ROOT / "examples" / "homework" / "homework.py"
OUTSIDE = Path(__file__).parent / "outside"
FORWARD = "def forward(params, X, *, dtype, device, mode):\n"
GRADS = "def loss_and_grads(params, x, y_true, *, dtype, device, mode):\n"
TRAIN = "def train(params, data, all_y_trues, *, dtype, device, mode, learn_rate, epochs, record_steps):\n"
TRAINED = (
    "    result = _train(params, data, all_y_trues, dtype=dtype, device=device, mode=mode,\n"
    "                    learn_rate=learn_rate, epochs=epochs, record_steps=record_steps)\n"
)
LONGER = "    return {**result, 'losses': [*result['losses'], 0.1]}"

# name: (what the homework port gets redefined, what its row says); its verdict is FAIL where
# all it did wrong is a shape, else ERROR (wideforward's own train breaks on its forward).
MISBEHAVIOURS = {
    "raisesforward": (FORWARD + "    raise RuntimeError('forward is broken')", "forward raised RuntimeError"),
    "raisesgrads": (GRADS + "    raise ValueError('no grads today')", "loss_and_grads raised ValueError"),
    "raisestrain": (TRAIN + "    raise KeyError('w7')", "train raised KeyError"),
    "wideforward": (FORWARD + "    return np.ones((3, 3))", "results of another shape"),
    "longlosses": (
        "_train = train\n" + TRAIN + TRAINED + LONGER,
        "results of another shape: got (101,), expected (100,)",
    ),
    "stringgrads": (GRADS + "    return 'loss', 'grads'", "cannot be read as numbers"),
    "slowraise": (
        TRAIN + "    import time\n    time.sleep(2)\n    raise TimeoutError('gave up')",
        "train raised TimeoutError: gave up",
    ),
}


@pytest.fixture(scope="module")
def misbehaving(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ports")
    source = HOMEWORK.read_text()
    assert source.count('NAME = "homework"') == 1
    paths = {}
    for name, (redefined, _) in MISBEHAVIOURS.items():
        paths[name] = folder / f"{name}.py"
        paths[name].write_text(source.replace('NAME = "homework"', f'NAME = "{name}"') + f"\n\n{redefined}\n")
    return paths


@pytest.fixture(scope="module")
def compared(misbehaving, tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict, ET.Element]:
    """One compare of every misbehaving port beside the reference and the good homework port."""
    out = tmp_path_factory.mktemp("out")
    argv = [sys.executable, "-m", "nn_crosscheck", "compare", "--dtypes", "float64", "--port", str(HOMEWORK),
            "--frameworks", ",".join(["numpy", "homework", *misbehaving]),
            *(a for path in misbehaving.values() for a in ("--port", str(path))),
            "--json", str(out / "report.json"), "--junit", str(out / "report.xml")]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "NN_CROSSCHECK_PORTS"}
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    report = json.loads((out / "report.json").read_text())
    return proc, report, ET.parse(out / "report.xml").getroot()


def test_compare_exits_1_with_no_traceback(compared):
    proc, _, _ = compared
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("name", MISBEHAVIOURS)
def test_each_misbehaving_port_is_a_row_that_says_what_happened(compared, name):
    proc, report, _ = compared
    _, says = MISBEHAVIOURS[name]
    (entry,) = [i for i in report["implementations"] if i["framework"] == name]
    expected = "fail" if name == "longlosses" else "error"
    assert entry["verdict"] == expected
    block = proc.stdout.split(f"{name}-cpu-float64", 1)[1].split("\n\n")[0]
    assert says in block, block
    checks = [c for c in report["checks"] if c["framework"] == name and c["verdict"] != "pass"]
    assert any(says in (c.get("note") or "") for c in checks), checks
    if expected == "error":
        assert all("Traceback" in c["traceback"] for c in checks if c["verdict"] == "error")


def test_the_others_still_pass(compared):
    proc, report, _ = compared
    verdicts = {i["framework"]: i["verdict"] for i in report["implementations"]}
    assert verdicts["numpy"] == verdicts["homework"] == "pass", proc.stdout
    assert report["verdict"] == "error"
    raised = [f"{n}-cpu-float64" for n in MISBEHAVIOURS if n != "longlosses"]
    assert proc.stdout.splitlines()[-1] == (
        f"ERROR: 6 of 9 implementations raised: {', '.join(raised)}; 1 disagrees: longlosses-cpu-float64"
    )


def test_the_junit_report_has_errors_and_failures(compared):
    _, report, root = compared
    suite = root.find("testsuite")
    errors = [c for c in report["checks"] if c["verdict"] == "error"]
    failures = [c for c in report["checks"] if c["verdict"] == "fail"]
    assert int(suite.get("errors")) == len(errors) > 0
    assert int(suite.get("failures")) == len(failures) > 0
    assert len(suite.findall("testcase/error")) == len(errors)


def test_verbose_prints_the_tracebacks(misbehaving):
    argv = [sys.executable, "-m", "nn_crosscheck", "compare", "--dtypes", "float64", "--quiet", "--verbose",
            "--port", str(misbehaving["raisesforward"]), "--frameworks", "raisesforward"]  # fmt: skip
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "RuntimeError: forward is broken" in proc.stderr


def _compare(*argv: str, timeout: int = 600) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "nn_crosscheck", *argv]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_a_float32_only_port_is_never_called_in_float64():
    """DTYPES = ("float32",) and a port that raises on float64: it passes, the float64 case
    skipped with the reason, the oracle (which differentiates in float64) a SKIP saying why."""
    path = OUTSIDE / "float32_only.py"
    proc = _compare("compare", "--port", str(path), "--frameworks", "single", "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (
        "skipped: single: no float64: the port computes in float32 only [single-cpu-float64]" in proc.stdout
    )
    assert "fd_oracle single-cpu-float32: single computes in float32 only" in proc.stdout
    row = next(line for line in proc.stdout.splitlines() if line.split()[:1] == ["fd_oracle"])
    assert row.split()[-1] == "SKIP"


def test_a_loss_rounded_like_float32_is_blamed_on_the_loss_not_the_gradient():
    """A float64 loss rounded to float32 (Keras 3's stock MSE on JAX takes its mean in float32):
    the loss fails; the oracle says the loss is rounded too coarsely to differentiate, rather
    than finding a zero slope in its flat steps and blaming the correct partials."""
    path = OUTSIDE / "coarse_loss.py"
    proc = _compare(
        "compare", "--port", str(path), "--frameworks", "coarse", "--dtypes", "float64", "--quiet"
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    verdicts = ("PASS", "FAIL", "SKIP", "ERROR")
    cells = [line.split() for line in proc.stdout.splitlines()]
    rows = {c[-7]: c[-1] for c in cells if len(c) >= 7 and c[-1] in verdicts}  # quantity: verdict
    assert rows.get("loss") == "FAIL" and rows.get("gradients") == "PASS", proc.stdout
    assert rows.get("fd_oracle") == "SKIP", proc.stdout
    assert "the port's float64 loss is" in proc.stdout and "the loss check judges it" in proc.stdout
    assert "loss [" in proc.stdout  # the failing loss named with its worst element


def test_a_syntax_error_is_one_line_naming_the_file_and_line(tmp_path):
    path = tmp_path / "homework.py"
    path.write_text('NAME = "homework"\n\ndef forward(:\n    pass\n')
    proc = _compare("compare", "--port", str(path), "--frameworks", "homework")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"crosscheck compare: error: --port {path}:3: SyntaxError: invalid syntax"


def test_selftest_refuses_a_port_that_already_disagrees():
    path = OUTSIDE / "accumulates.py"
    proc = _compare("selftest", "--port", str(path), "--frameworks", "accumulates", "--dtypes", "float64")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    first = "the port itself disagrees with the reference: fix that first (no mutant was run)"
    assert proc.stdout.startswith(first)
    assert "mutant" not in proc.stderr.replace("no mutant was run", "")
    assert "likely cause: gradients accumulated across steps" in proc.stdout


def test_selftest_checks_its_json_path_before_any_work(tmp_path):
    proc = _compare("selftest", "--json", str(tmp_path / "missing" / "x.json"), timeout=60)
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "[1/" not in proc.stderr


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_ctrl_c_is_one_line_and_exit_130(tmp_path, command):
    """SIGINT once the work has begun: no traceback, no report half-written (nor a partial file
    left beside it), no process left behind."""
    report = tmp_path / "report.json"
    extra = ("--frameworks", "numpy")
    if command == "sweep":
        batched = [f for f in ("torch", "jax") if importlib.util.find_spec(f)]
        if not batched:
            pytest.skip("a sweep needs a framework besides numpy: torch or jax")
        extra = ("--frameworks", f"numpy,{batched[0]}", "--seeds", "200000")
    argv = [sys.executable, "-m", "nn_crosscheck", command, *extra, "--json", str(report)]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The work is under way: compare's first progress line; the sweep's first chunk (its progress
    # bar starts before the frameworks are imported, and a Ctrl-C in those first seconds was seen
    # to be lost, about one run in four, the sweep then running on: docs/commands.md says so).
    while True:
        started = proc.stderr.readline()
        assert started, proc.communicate()
        if command != "sweep" or "seeds" in started:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert err.strip().splitlines()[-1].endswith("crosscheck: interrupted") and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == []


def test_only_tensorflows_retracing_notice_is_silenced():
    """The one notice the TensorFlow port drops (it would bury compare's progress lines); an error
    logged by TensorFlow, or any other warning, still surfaces."""
    pytest.importorskip("tensorflow")
    code = (
        "import logging; from nn_crosscheck.ports import tensorflow;"
        "log = logging.getLogger('tensorflow');"
        "log.warning('5 out of the last 7 calls to <f> triggered tf.function retracing. Tracing is costly');"
        "log.warning('a warning of another kind'); log.error('a real error')"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "retracing" not in proc.stderr
    assert "a warning of another kind" in proc.stderr and "a real error" in proc.stderr


def test_article_leaves_out_a_port_that_raises(misbehaving):
    argv = ["article", "--frameworks", "numpy,raisesforward,raisestrain"]
    proc = _compare(
        *argv, "--port", str(misbehaving["raisesforward"]), "--port", str(misbehaving["raisestrain"])
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "(ERROR: raisesforward left out: RuntimeError: forward is broken)" in proc.stdout
    assert "ERROR: raisestrain: train raised KeyError: 'w7'" in proc.stdout


def test_sweep_names_the_port_whose_train_many_raised(tmp_path):
    """An ERROR line for the port whose batched run raised; the others are judged and shown, the
    JSON written with verdict "error", exit 1."""
    path = tmp_path / "badmany.py"
    path.write_text(
        "from nn_crosscheck.ports.numpy import forward, loss_and_grads, train  # noqa: F401\n"
        'NAME = "badmany"\n\n\ndef train_many(*args, **kwargs):\n    raise MemoryError("no room")\n'
    )
    batched = [f for f in ("torch", "jax") if importlib.util.find_spec(f)]
    frameworks = ",".join(["badmany", *batched[:1]])
    report = tmp_path / "sweep.json"
    argv = ("--port", str(path), "--frameworks", frameworks, "--seeds", "10", "--json", str(report))
    proc = _compare("sweep", *argv, "--quiet")
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    error = (
        "ERROR: badmany-cpu-float64: train_many raised MemoryError: no room (seeds 0..); left out of the rows"
    )
    assert error in proc.stdout
    data = json.loads(report.read_text())
    assert data["verdict"] == "error" and [e["id"] for e in data["errors"]] == ["badmany-cpu-float64"]
    assert {c["framework"] for c in data["checks"]} == set(batched[:1])  # the other one's rows, judged
