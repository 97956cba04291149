"""`crosscheck compare` and `crosscheck article`: exit codes, bad arguments, the table, the JSON
schema, the first-divergence locator and the plot."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.reference import PARAM_NAMES

import drifted_port

ROOT = Path(__file__).parent.parent
QUANTITIES = {
    "forward",
    "loss",
    "gradients",
    "fd_oracle",
    "loss_log",
    "final_params",
    "predictions",
    "trajectory",
}
EVALUATES_ONLY = "trained_forward"  # in place of the training rows, for a port without train


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def validate_report(report: dict) -> None:
    """The JSON schema docs/json.md documents."""
    assert set(report) >= {"verdict", "environment", "weights", "checks", "implementations", "divergence"}
    assert report["verdict"] in ("pass", "fail")
    assert set(report["environment"]) >= {"versions", "frameworks"}
    assert {"python", "numpy"} <= set(report["environment"]["versions"])
    assert list(report["weights"]["params"]) == list(PARAM_NAMES)
    for check in report["checks"]:
        assert set(check) >= {
            "framework", "device", "dtype", "mode", "quantity",
            "max_abs_err", "max_rel_err", "tolerance", "ratio", "worst", "passed",
        }  # fmt: skip
        assert check["quantity"] in QUANTITIES | {EVALUATES_ONLY}
        assert isinstance(check["passed"], bool)
        assert all(isinstance(check[k], float | None) for k in ("max_abs_err", "max_rel_err", "ratio"))
    for impl in report["implementations"]:
        assert set(impl) >= {
            "id",
            "framework",
            "device",
            "dtype",
            "mode",
            "passed",
            "train_seconds",
            "emily",
            "frank",
        }
    assert (report["divergence"] is None) == (report["verdict"] == "pass")
    assert report["verdict"] == ("pass" if all(c["passed"] for c in report["checks"]) else "fail")


def test_compare_passes_and_writes_the_json_report(capsys, tmp_path):
    path = tmp_path / "r.json"
    code, out, err = run(capsys, "compare", "--json", str(path))
    assert code == 0, out
    report = json.loads(path.read_text())
    validate_report(report)
    assert report["verdict"] == "pass"
    seen = {(c["framework"], c["dtype"]) for c in report["checks"]}
    available = [f for f in ports.PORTS if report["environment"]["frameworks"][f]["available"]]
    assert seen == {(f, d) for f in available for d in ports.info(f).dtypes}
    trains = {f: ports.info(f).provides("train") for f in available}
    for framework, quantities in (
        (f, {c["quantity"] for c in report["checks"] if c["framework"] == f}) for f in available
    ):
        assert quantities == (QUANTITIES if trains[framework] else QUANTITIES | {EVALUATES_ONLY}), framework
    assert "[1/" in err  # progress


def test_compare_table_has_a_row_per_implementation_and_quantity(capsys):
    if ports.availability()["torch"]:
        pytest.skip(ports.availability()["torch"])
    code, out, _ = run(
        capsys, "compare", "--frameworks", "numpy,torch", "--dtypes", "float64", "--modes", "eager", "--quiet"
    )
    assert code == 0
    lines = out.splitlines()
    for header in ("versions: python", "matmul canary", "initial weights: shared"):
        assert any(header in line for line in lines), header
    for impl in ("numpy-cpu-float64", "torch-cpu-float64-eager"):
        start = next(i for i, line in enumerate(lines) if line.startswith(impl))
        block = lines[start : start + len(QUANTITIES)]
        assert [line.split()[-1] for line in block] == ["PASS"] * len(QUANTITIES)
        assert {line.split()[-7] for line in block} == QUANTITIES
        assert "Emily 0.946160 (F), Frank 0.039850 (M)" in lines[start + len(QUANTITIES)]
    assert lines[-1].startswith("PASS: all 2 implementations agree")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--frameworks", "mxnet"],
            f"unknown framework 'mxnet'; valid: {', '.join(ports.names())}",
        ),
        (["--devices", "tpu"], "unknown device 'tpu'; valid: cpu, cuda"),
        (["--dtypes", "float16"], "unknown dtype 'float16'; valid: float32, float64"),
        (["--seed", "-3"], "must be in [0, 2**32)"),
        (["--seed", "1", "--weights", "w.json"], "not allowed with argument"),
    ],
)
def test_bad_arguments_exit_2_naming_the_valid_ones(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_absent_device_exits_2_with_a_clear_line(capsys):
    status = ports.availability()
    if any(status[f] is None and "cuda" in ports.load(f).devices() for f in ("torch", "jax")):
        pytest.skip("a CUDA device is present")
    code, _, err = run(capsys, "compare", "--devices", "cuda", "--quiet")
    assert code == 2
    assert err.strip().count("\n") == 0, err
    assert "device 'cuda' was requested but is not present" in err


def test_console_entry_point_exit_code():
    proc = subprocess.run(
        [sys.executable, "-m", "nn_crosscheck", "compare", "--frameworks", "mxnet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "valid: numpy, torch, jax" in proc.stderr  # and any installed outside port


def test_drifted_port_fails_and_the_locator_names_step_and_parameter(capsys, tmp_path, drifted):
    path = tmp_path / "r.json"
    code, out, _ = run(
        capsys, "compare", "--frameworks", "numpy,drifted", "--dtypes", "float64", "--json", str(path)
    )
    assert code == 1
    report = json.loads(path.read_text())
    validate_report(report)
    failed = {c["quantity"] for c in report["checks"] if not c["passed"]}
    assert {"trajectory", "final_params"} <= failed
    assert all(c["passed"] for c in report["checks"] if c["framework"] == "numpy")
    divergence = report["divergence"]
    step = drifted_port.DRIFT_STEP
    assert divergence["id"] == "drifted-cpu-float64"
    assert (divergence["step"], divergence["epoch"], divergence["parameter"]) == (step, step // 4, "w4")
    assert divergence["sample"] == ("Alice", "Bob", "Charlie", "Diana")[step % 4]
    assert f"first divergence at step {step} (epoch {step // 4}, sample Charlie), parameter w4" in out
    row = next(line for line in out.splitlines() if "trajectory" in line and "FAIL" in line)
    assert row.split()[-1] == "FAIL"
    assert out.splitlines()[-1].startswith("FAIL: 1 of 2 implementations disagrees: drifted-cpu-float64")


def test_compare_from_a_seed_and_from_a_weights_file(capsys, tmp_path):
    code, out, _ = run(capsys, "compare", "--frameworks", "numpy", "--seed", "3", "--quiet")
    assert code == 0
    assert "initial weights: the article's draw under seed 3" in out
    path = tmp_path / "w.json"
    path.write_text(json.dumps(dict(zip(PARAM_NAMES, [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9]))))
    code, out, _ = run(capsys, "compare", "--frameworks", "numpy", "--weights", str(path), "--quiet")
    assert code == 0
    assert f"initial weights: file {path}" in out


def test_bad_weights_file_exits_2_naming_file_and_key(capsys, tmp_path):
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"w1": 1.0}))
    code, _, err = run(capsys, "compare", "--frameworks", "numpy", "--weights", str(path), "--quiet")
    assert code == 2
    assert (
        err.strip() == f"crosscheck compare: error: {path}: missing key 'w2' (expected an object with "
        "exactly the keys w1, w2, w3, w4, w5, w6, b1, b2, b3)"
    )


def test_plot_is_written(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "losses.png"
    code, _, _ = run(capsys, "compare", "--frameworks", "numpy", "--quiet", "--plot", str(path))
    assert code == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 20_000


def test_article_walkthrough_prints_the_articles_values_beside_each_framework(article_run):
    code, out, frameworks = article_run
    assert code == 0
    header = next(line for line in out.splitlines() if line.strip().startswith("article"))
    assert header.split()[1:] == list(frameworks)
    for printed in (
        "0.999",
        "0.7216",
        "0.5",
        "0.524",
        "-0.952",
        "0.249",
        "-0.0904",
        "0.0214",
        "0.951",
        "0.039",
    ):
        assert f" {printed} " in out, printed
    for heading in ("1. One neuron", "4. Backpropagation by hand", "5. All nine partials", "6. Training"):
        assert heading in out
    partials = [
        line for line in out.splitlines() if line.strip().startswith("dL/d") and "(autograd)" not in line
    ]
    assert len(partials) == 10  # dL/dw1 in section 4, then the nine of section 5
    assert "0.946160229" in out and "0.0398503715" in out  # Emily and Frank in every column


def test_one_implementation_is_named_not_counted(capsys):
    """No "all 1 implementations": a lone implementation's verdict names it."""
    assert main(["compare", "--frameworks", "numpy", "--dtypes", "float64", "--quiet"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[-1] == "PASS: numpy-cpu-float64 agrees with the reference"


# main(argv) in a fresh interpreter, then its exit status and what it imported of the frameworks,
# of the ports' own modules and of the commands (any of them: work began).
FRESH = """
import sys
from nn_crosscheck import ports
from nn_crosscheck.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit_info:
    status = exit_info.code
begun = ("torch", "jax", "tensorflow", "onnxruntime", *(ports.info(n).module_name for n in ports.names()))
print(status, sorted(m for m in sys.modules if m in begun or m.startswith("nn_crosscheck.commands.")))
"""


def _in_a_fresh_process(*argv: str) -> tuple[str, str]:
    proc = subprocess.run([sys.executable, "-c", FRESH, *argv], capture_output=True, text=True, cwd=ROOT)
    return proc.stdout.strip(), proc.stderr


def test_an_unknown_mode_is_a_usage_error_before_any_framework_is_imported():
    out, err = _in_a_fresh_process("compare", "--modes", "turbo")
    assert out == "2 []", out + err
    assert "argument --modes: unknown mode 'turbo'; valid: eager, compile, jit, nojit" in err


@pytest.mark.parametrize(
    ("frameworks", "modes", "message"),
    [
        ("numpy", "jit", "--modes jit: no selected framework runs it (numpy runs eager only)"),
        (
            "numpy,torch",
            "jit,xla",
            "--modes jit,xla: no selected framework runs them (numpy runs eager only; torch runs eager "
            "and compile only)",
        ),
    ],
)
def test_a_mode_no_selected_framework_has_names_each_ones_modes_at_once(frameworks, modes, message):
    out, err = _in_a_fresh_process("compare", "--frameworks", frameworks, "--modes", modes)
    assert out == "2 []", out + err
    assert err.strip() == f"crosscheck compare: error: {message}"


@pytest.mark.parametrize(
    ("flag", "text", "kind"),
    [
        ("--frameworks", "numpy,,", "framework"),
        ("--modes", "eager,", "mode"),
        ("--dtypes", ",float64", "dtype"),
    ],
)
def test_an_empty_name_in_a_list_is_a_usage_error(capsys, flag, text, kind):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", flag, text])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: an empty {kind} name in {text!r}" in err
    assert len(err.splitlines()) == 1
