"""Bad input gives exit status 2 and one clear line naming what was wrong, never a traceback."""

import json

import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.ports import PortInfo
from nn_crosscheck.reference import PARAM_NAMES

GOOD = dict(zip(PARAM_NAMES, [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9]))


def _one_error_line(capsys, argv) -> str:
    try:
        code = main(argv)
    except SystemExit as exit_info:
        code = exit_info.code
    out, err = capsys.readouterr()
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps({k: v for k, v in GOOD.items() if k != "b2"}), "missing key 'b2'"),
        (json.dumps({**GOOD, "w7": 1.0}), "unknown key 'w7'"),
        (json.dumps({**GOOD, "w3": "0.3"}), "key 'w3': expected a number, got a string '0.3'"),
        (json.dumps({**GOOD, "w5": True}), "key 'w5': expected a number, got a boolean true"),
        (json.dumps({**GOOD, "b1": None}), "key 'b1': expected a number, got null"),
        (json.dumps({**GOOD, "w1": [0.1, 0.2]}), "key 'w1': expected a number, got a list of 2"),
        (json.dumps({**GOOD, "w1": {"value": 1}}), "key 'w1': expected a number, got an object"),
        (json.dumps({**GOOD, "w4": float("nan")}), "key 'w4': NaN is not a number JSON allows"),
        (json.dumps({**GOOD, "w6": float("inf")}), "key 'w6': Infinity is not a number JSON allows"),
        (
            json.dumps(GOOD).replace("0.1", "1e309", 1),
            "key 'w1': 1e309 is beyond the largest float64, 1.798e+308",
        ),
        (json.dumps(list(GOOD.values())), "expected an object with exactly the keys w1, w2"),
        ('{"w1": 0.1,', "not valid JSON: Expecting property name enclosed in double quotes (line 1, col"),
        ("", "not valid JSON: Expecting value (line 1, column 1)"),
    ],
    ids=[
        "missing-key", "unknown-key", "string", "boolean", "null", "list", "object", "nan", "inf",
        "float-overflow", "not-an-object", "truncated-json", "empty-file",
    ],
)  # fmt: skip
def test_bad_weights_file(capsys, tmp_path, content, message):
    path = tmp_path / "weights.json"
    path.write_text(content)
    line = _one_error_line(capsys, ["compare", "--frameworks", "numpy", "--weights", str(path)])
    assert line.startswith(f"crosscheck compare: error: {path}: ")
    assert message in line


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"w1": 1, "w1": 2}', "duplicate key 'w1'"),
        (b"\xff\xfe{}", "not valid JSON: not UTF-8 text"),
        (
            json.dumps({**GOOD, "b3": 0}).replace('"b3": 0', '"b3": 1' + "0" * 400).encode(),
            "key 'b3': an integer of 401 digits is beyond the largest float64",
        ),
    ],
    ids=["duplicate-key", "not-utf8", "huge-integer"],
)
def test_bad_weights_file_bytes(capsys, tmp_path, content, message):
    path = tmp_path / "weights.json"
    path.write_bytes(content)
    line = _one_error_line(capsys, ["compare", "--frameworks", "numpy", "--weights", str(path)])
    assert message in line


def test_weights_that_overflow_float32_are_a_usage_error(capsys, tmp_path):
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({**GOOD, "w2": 1e39}))
    line = _one_error_line(capsys, ["compare", "--frameworks", "numpy", "--weights", str(path)])
    assert "key 'w2': 1e+39 is beyond the largest float32, 3.403e+38" in line


@pytest.mark.parametrize("option", ["--json", "--plot", "--repro"])
def test_unwritable_output_path_fails_before_any_work(capsys, tmp_path, option):
    target = tmp_path / "absent" / ("out.png" if option == "--plot" else "out")
    line = _one_error_line(capsys, ["compare", "--frameworks", "numpy", option, str(target)])
    assert f"directory {target.parent} does not exist" in line


def test_empty_weights_path_is_not_the_shared_weights(capsys):
    line = _one_error_line(capsys, ["compare", "--frameworks", "numpy", "--weights", ""])
    assert "cannot read weights file" in line


def test_missing_weights_file(capsys, tmp_path):
    path = tmp_path / "absent.json"
    line = _one_error_line(capsys, ["compare", "--weights", str(path)])
    assert f"{path}: cannot read weights file: No such file or directory" in line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["compare", "--frameworks", "mxnet"],
            f"unknown framework 'mxnet'; valid: {', '.join(ports.names())}",
        ),
        (
            ["compare", "--frameworks", "numpy,mxnet"],
            f"unknown framework 'mxnet'; valid: {', '.join(ports.names())}",
        ),
        (["compare", "--devices", "tpu"], "unknown device 'tpu'; valid: cpu, cuda"),
        (["compare", "--dtypes", "bfloat16"], "unknown dtype 'bfloat16'; valid: float32, float64"),
        (["compare", "--modes", "pmap"], "unknown mode 'pmap'; valid: eager, compile, jit, nojit, function"),
        (["compare", "--seed", "x"], "argument --seed: must be an integer; got 'x'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_unknown_names(capsys, argv, message):
    assert message in _one_error_line(capsys, argv)


@pytest.fixture
def torch_broken(monkeypatch):
    monkeypatch.setitem(ports.PORTS, "torch", PortInfo("torch", module="broken_port"))


@pytest.fixture
def only_numpy_and_torch():
    """The registry holds numpy and torch alone for the test, then all ports again, in their
    order (the order is what error messages list)."""
    every = dict(ports.PORTS)
    for name in set(every) - {"numpy", "torch"}:
        del ports.PORTS[name]
    yield
    ports.PORTS.clear()
    ports.PORTS.update(every)


def test_failing_framework_import_is_reported_and_the_others_still_run(
    capsys, torch_broken, only_numpy_and_torch
):
    # The others: the reference's port alone (each framework's own run is tested elsewhere).
    code = main(["compare", "--dtypes", "float64", "--quiet"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "torch: unavailable (torch: cannot be imported (ImportError: simulated: libtorch_cpu.so" in out
    assert "skipped: torch: cannot be imported" in out
    assert "numpy-cpu-float64" in out and "torch-cpu" not in out
    assert ports.availability()["torch"].startswith("torch: cannot be imported (ImportError: simulated")


def test_explicitly_requested_broken_framework_is_a_usage_error(capsys, torch_broken):
    line = _one_error_line(capsys, ["compare", "--frameworks", "torch"])
    assert (
        "framework 'torch' was requested but is unavailable: torch: cannot be imported (ImportError" in line
    )


def test_a_large_finite_weight_is_read_and_judged_by_the_run(capsys, tmp_path):
    """1e308 is a finite float64: the file is fine; what is wrong is that the reference's
    arithmetic overflows from it, and the message says so, with the bound."""
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({**GOOD, "w1": 1e308}))
    line = _one_error_line(
        capsys, ["compare", "--frameworks", "numpy", "--dtypes", "float64", "--weights", str(path)]
    )
    assert "finite number" not in line
    assert "the reference's arithmetic overflows float64 in the forward pass at Alice (h1)" in line
    assert "below 1.8e+308" in line


def test_weights_whose_sum_overflows_are_refused_before_any_work(capsys, tmp_path):
    """Each weight times each input is finite, their sum is not: no NaN table, no bundle."""
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({**GOOD, "w1": 1e307, "w2": -5e307}))
    bundle = tmp_path / "bundle"
    argv = ["compare", "--frameworks", "numpy", "--dtypes", "float64", "--weights", str(path)]
    line = _one_error_line(capsys, [*argv, "--repro", str(bundle)])
    assert "overflows float64 in the forward pass at Bob (h1)" in line
    assert not bundle.exists()


def test_a_rounding_bound_that_overflows_is_refused(capsys, tmp_path):
    """Values finite, but the bound on their rounding is not: an infinite budget would pass
    anything, so such weights are refused too."""
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({**GOOD, "w5": 1e307, "w6": 1e307, "b3": -1.5e307}))
    line = _one_error_line(
        capsys, ["compare", "--frameworks", "numpy", "--dtypes", "float64", "--weights", str(path)]
    )
    assert "the reference's arithmetic overflows float64" in line
