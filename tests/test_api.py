"""nn_crosscheck.check, the Python API: a port by name, by file or as an object, checked in this
process as `crosscheck compare` checks it."""

import importlib.util
import os
import sys
import types
from pathlib import Path

import pytest

import nn_crosscheck
from nn_crosscheck import check, ports
from nn_crosscheck.errors import UsageError
from nn_crosscheck.ports import DTYPES
from nn_crosscheck.reference import SHARED_WEIGHTS

HOMEWORK = Path(__file__).resolve().parent.parent / "examples" / "homework" / "homework.py"
SLIP = ("d_hidden1 * x[1]", "d_hidden1 * x[0]")  # dL/dw2 taking x1 where the chain rule has x2
HALVED_RATE = ("np.asarray(learn_rate, dtype=dtype)", "np.asarray(learn_rate / 2, dtype=dtype)")


def _homework(slipped: bool = False) -> types.SimpleNamespace:
    """The homework port as an object, with README's chain-rule slip (dL/dw2 takes x1) or not."""
    source = HOMEWORK.read_text()
    module = types.ModuleType("homework_for_api")
    exec(compile(source.replace(*SLIP) if slipped else source, str(HOMEWORK), "exec"), module.__dict__)
    names = ("NAME", "forward", "loss_and_grads", "train")
    return types.SimpleNamespace(**{name: getattr(module, name) for name in names})


def test_the_reference_by_name_agrees_with_itself_in_both_dtypes_as_compare_runs_it():
    result = check("numpy")
    assert result.passed and result.failures() == []
    assert [r.case.id for r in result.reports] == [f"numpy-cpu-{dtype}" for dtype in DTYPES]
    assert str(result).splitlines()[-1] == (
        f"PASS: all {len(DTYPES)} implementations agree with the reference on every quantity"
    )


def test_a_port_by_file_in_both_dtypes(own_registry):
    result = check(str(HOMEWORK), dtypes=["float32", "float64"])
    assert result.passed
    assert [r.case.id for r in result.reports] == ["homework-cpu-float32", "homework-cpu-float64"]


def test_an_object_with_a_chain_rule_slip_fails_naming_the_partial_and_the_step(own_registry):
    result = check(_homework(slipped=True), dtypes=["float64"])
    assert not result.passed
    (report,) = result.reports
    assert report.verdict == "FAIL"
    assert any(
        line.startswith("gradients [Alice/w2] homework-cpu-float64: got") for line in result.failures()
    )
    assert (report.divergence["step"], report.divergence["parameter"]) == (0, "w2")
    assert "first divergence at step 0 (epoch 0, sample Alice), parameter w2" in str(result)
    assert ports.PORTS["homework"].source == "check()"  # its reports' ids need it


def test_the_corrected_object_of_the_same_name_is_checked_afresh(own_registry):
    assert not check(_homework(slipped=True)).passed
    assert check(_homework()).passed  # not the slipped one's cached training run


def test_what_is_not_a_port_is_said(own_registry):
    with pytest.raises(ports.PortError, match="missing forward"):
        check(types.SimpleNamespace(NAME="half", train=lambda *a, **k: None))
    with pytest.raises(ports.PortError, match="defines train but not loss_and_grads"):
        check(types.SimpleNamespace(NAME="half", forward=lambda *a, **k: None, train=lambda *a, **k: None))
    with pytest.raises(UsageError, match="unknown framework 'nope' \\(valid: numpy, "):
        check("nope")


def test_the_api_is_imported_only_when_used():
    assert nn_crosscheck.__version__
    assert "check" in nn_crosscheck.__all__ and importlib.util.find_spec("nn_crosscheck.api")
    with pytest.raises(AttributeError, match="no attribute 'chek'"):
        nn_crosscheck.chek  # noqa: B018


def _import(path: Path, name: str) -> types.ModuleType:
    """The port file imported as a user imports it, under a module name of the user's."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dtype", DTYPES)
def test_an_edited_file_is_checked_as_it_is_on_disk_at_each_call(own_registry, tmp_path, dtype):
    port = tmp_path / "edited.py"
    port.write_text(HOMEWORK.read_text())
    assert check(str(port), dtypes=[dtype]).passed
    assert HALVED_RATE[0] in port.read_text()
    port.write_text(port.read_text().replace(*HALVED_RATE))
    result = check(str(port), dtypes=[dtype])
    assert not result.passed
    quantities = {line.split(" [")[0] for line in result.failures() if f"homework-cpu-{dtype}" in line}
    assert "final_params" in quantities and not quantities & {"forward", "loss", "gradients"}


def test_the_same_port_by_file_and_as_its_module_is_one_port_not_a_clash(own_registry):
    assert check(str(HOMEWORK), dtypes=["float64"]).passed
    module = _import(HOMEWORK, "homework_as_imported")
    assert check(module, dtypes=["float64"]).passed
    assert ports.PORTS["homework"].module_name == "homework_as_imported"
    assert check(str(HOMEWORK), dtypes=["float64"]).passed  # and back
    assert ports.PORTS["homework"].spec == str(HOMEWORK)


def test_a_port_checked_by_file_stays_registered_beside_another_checked_after_it(own_registry):
    first = check(str(HOMEWORK), dtypes=["float64"])
    check(types.SimpleNamespace(NAME="other", forward=_homework().forward), dtypes=["float64"])
    assert [r.case.id for r in first.reports] == ["homework-cpu-float64"]
    assert {"homework", "other"} <= set(ports.names())


NAN_WEIGHTS = {**SHARED_WEIGHTS, "w3": float("nan")}


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ({"dtypes": ["float16"]}, "argument dtypes: unknown dtype 'float16'; valid: float32, float64"),
        ({"dtypes": "float16"}, "argument dtypes: unknown dtype 'float16'; valid: float32, float64"),
        ({"dtypes": []}, "argument dtypes: unknown dtype (none given); valid: float32, float64"),
        ({"devices": ["gpu"]}, "argument devices: unknown device 'gpu'; valid: cpu, cuda"),
        ({"modes": ["jit"]}, "argument modes of numpy: unknown mode 'jit'; valid: eager"),
        ({"weights": {"w1": 1}}, "argument weights: missing key 'w2' (expected an object with exactly"),
        ({"weights": {**SHARED_WEIGHTS, "w7": 0.0}}, "argument weights: unknown key 'w7'"),
        ({"weights": NAN_WEIGHTS}, "argument weights: key 'w3': nan is not a finite number"),
        ({"weights": {**SHARED_WEIGHTS, "b1": "1"}}, "argument weights: key 'b1': expected a number, got a"),
        (
            {"weights": {**SHARED_WEIGHTS, "w1": 1e39}},
            "initial weights (argument weights): key 'w1': 1e+39 is beyond the largest float32, "
            '3.403e+38 (dtypes="float64" runs float64 alone)',
        ),
    ],
)
def test_a_bad_argument_is_one_usage_error_naming_it(arguments, said):
    with pytest.raises(UsageError) as raised:
        check("numpy", **arguments)
    assert str(raised.value).startswith(said), str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_plain_string_is_one_name():
    result = check("numpy", dtypes="float32", devices="cpu", modes="eager")
    assert [r.case.id for r in result.reports] == ["numpy-cpu-float32"]


def test_weights_given_as_numpy_numbers_are_numbers():
    import numpy as np

    weights = {name: np.float64(value) for name, value in SHARED_WEIGHTS.items()}
    assert check("numpy", dtypes=["float64"], weights=weights).passed


def test_a_dtype_the_port_does_not_compute_in_says_so(own_registry):
    only32 = types.SimpleNamespace(NAME="only32", DTYPES=("float32",), forward=_homework().forward)
    with pytest.raises(UsageError, match=r"^nothing to run: only32: no float64: the port computes in"):
        check(only32, dtypes=["float64"])
    assert [r.case.id for r in check(only32).reports] == ["only32-cpu-float32"]


def test_an_edit_of_the_same_size_in_the_same_second_is_seen(own_registry, tmp_path, monkeypatch):
    """Python's bytecode cache trusts a file whose size and mtime (to the second) are unchanged:
    the edit check() must still see (with bytecode written, as it is by default)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    port = tmp_path / "same_size.py"
    port.write_text(HOMEWORK.read_text())
    stat = port.stat()
    assert check(str(port), dtypes=["float64"]).passed
    text = port.read_text()
    assert text.count(SLIP[0]) == 1
    port.write_text(text.replace(*SLIP))
    os.utime(port, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert port.stat().st_size == stat.st_size
    failures = check(str(port), dtypes=["float64"]).failures()
    assert any(line.startswith("gradients [") and "/w2]" in line for line in failures), failures
