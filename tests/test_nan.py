"""NaN never passes: on either side, in every family."""

import math

import numpy as np
import pytest

from nn_crosscheck.engine import checks
from nn_crosscheck.engine.cases import Case
from nn_crosscheck.engine.judge import assert_agree, compare
from nn_crosscheck.engine.mutants import derive
from nn_crosscheck.ports import numpy as numpy_port
from nn_crosscheck.reference import DATA, SHARED_WEIGHTS

NAN = math.nan


@pytest.mark.parametrize("quantity", ["forward", "gradients", "loss_log", "final_params", "trajectory"])
@pytest.mark.parametrize(
    ("got", "expected"),
    [([0.5, NAN], [0.5, 0.25]), ([0.5, 0.25], [0.5, NAN]), ([NAN, 0.25], [NAN, 0.25])],
    ids=["nan-got", "nan-expected", "nan-both"],
)
def test_nan_on_either_side_fails(quantity, got, expected):
    check = compare(
        quantity, got, expected, dtype="float64", case="t", labels=["a", "b"], magnitude=[1.0, 1.0]
    )
    assert not check.passed
    assert check.ratio == math.inf
    with pytest.raises(AssertionError, match=r"got nan|expected nan"):
        assert_agree(check)


def _nan_port(**overrides) -> Case:
    port = derive(numpy_port, **overrides)
    return Case("numpy", "cpu", "float64", "eager", variant="nan-" + "-".join(overrides), port_override=port)


def test_nan_forward_fails_the_forward_check():
    def forward(params, X, **kw):
        out = numpy_port.forward(params, X, **kw)
        out[1] = NAN
        return out

    check = checks.forward_check(_nan_port(forward=forward), SHARED_WEIGHTS, DATA, ["A", "B", "C", "D"])
    assert not check.passed
    assert check.labels[check.worst] == "B"


def test_nan_gradient_fails_the_gradient_and_oracle_checks():
    def loss_and_grads(params, x, y_true, **kw):
        loss, grads = numpy_port.loss_and_grads(params, x, y_true, **kw)
        return loss, {**grads, "b2": NAN}

    case = _nan_port(loss_and_grads=loss_and_grads)
    x, y = DATA[0], 1
    loss_check, grad_check = checks.gradient_checks(case, SHARED_WEIGHTS, x, y, "Alice")
    assert loss_check.passed
    assert not grad_check.passed and grad_check.labels[grad_check.worst] == "Alice/b2"
    assert not checks.fd_check(case, SHARED_WEIGHTS, x, y, "Alice").passed


def test_nan_training_fails_every_training_check():
    def train(params, data, all_y_trues, **kw):
        result = numpy_port.train(params, data, all_y_trues, **kw)
        steps = result.steps.copy()
        steps[2000:] = NAN  # diverged halfway
        losses = result.losses.copy()
        losses[50:] = NAN
        return type(result)(losses, {**result.params, "w1": NAN}, steps, result.device)

    failed = {
        c.quantity for c in checks.training_checks(_nan_port(train=train), SHARED_WEIGHTS) if not c.passed
    }
    assert failed == {"loss_log", "final_params", "predictions", "trajectory"}


def test_no_nan_in_a_correct_run():
    result = checks.train(Case("numpy", "cpu", "float32", "eager"), SHARED_WEIGHTS)
    assert np.all(np.isfinite(result.steps)) and np.all(np.isfinite(result.losses))
