"""nn_crosscheck.check, the Python API: a port by name, by file or as an object, checked in this
process as `crosscheck compare` checks it."""

import importlib.util
import types
from pathlib import Path

import pytest

import nn_crosscheck
from nn_crosscheck import check, ports
from nn_crosscheck.errors import UsageError

HOMEWORK = Path(__file__).resolve().parent.parent / "examples" / "homework" / "homework.py"
SLIP = ("d_hidden1 * x[1]", "d_hidden1 * x[0]")  # dL/dw2 taking x1 where the chain rule has x2


def _homework(slipped: bool = False) -> types.SimpleNamespace:
    """The homework port as an object, with README's chain-rule slip (dL/dw2 takes x1) or not."""
    source = HOMEWORK.read_text()
    module = types.ModuleType("homework_for_api")
    exec(compile(source.replace(*SLIP) if slipped else source, str(HOMEWORK), "exec"), module.__dict__)
    names = ("NAME", "forward", "loss_and_grads", "train")
    return types.SimpleNamespace(**{name: getattr(module, name) for name in names})


def test_the_reference_by_name_agrees_with_itself():
    result = check("numpy")
    assert result.passed and result.failures() == []
    assert [r.case.id for r in result.reports] == ["numpy-cpu-float64"]
    assert str(result).splitlines()[-1] == "PASS: numpy-cpu-float64 agrees with the reference"


def test_a_port_by_file_in_both_dtypes(own_registry):
    result = check(str(HOMEWORK), dtypes=["float32", "float64"])
    assert result.passed
    assert [r.case.id for r in result.reports] == ["homework-cpu-float32", "homework-cpu-float64"]


def test_an_object_with_a_chain_rule_slip_fails_naming_the_partial_and_the_step(own_registry):
    result = check(_homework(slipped=True))
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
