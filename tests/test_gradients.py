"""Family b: the single-sample loss and its nine partials, against the hand derivation and an
independent float64 finite-difference oracle."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn_crosscheck.engine.checks import PEOPLE, fd_check, gradient_checks
from nn_crosscheck.engine.judge import assert_agree, compare
from nn_crosscheck.engine.magnitudes import gradient_magnitudes, loss_magnitude
from nn_crosscheck.reference import PARAM_NAMES, SHARED_WEIGHTS, article

from strategies import weights

ALL_ONES = article.BACKPROP_EXAMPLE  # §5: all weights 1, all biases 0, Alice


@pytest.mark.parametrize("person", list(PEOPLE))
def test_shared_weights_each_person(case, person):
    x, y_true = PEOPLE[person]
    assert_agree(*gradient_checks(case, SHARED_WEIGHTS, x, y_true, person))


def test_all_ones_example(case):
    """§5's worked case, against the reference and against the article's full-precision figures."""
    params, x, y_true = ALL_ONES["params"], ALL_ONES["x"], ALL_ONES["y_true"]
    loss, grads = case.loss_and_grads(params, x, y_true)
    full = article.BACKPROP_FULL
    grad_magnitudes = gradient_magnitudes(params, x, y_true, case.dtype)
    assert_agree(
        *gradient_checks(case, params, x, y_true, "Alice"),
        compare(
            "loss",
            [loss],
            [full["loss"]],
            dtype=case.dtype,
            case=case.id,
            labels=["Alice (article)"],
            magnitude=loss_magnitude(params, x, y_true, case.dtype).magnitude,
        ),
        compare(
            "gradients",
            [grads[p] for p in PARAM_NAMES],
            [full["grads"][p] for p in PARAM_NAMES],
            dtype=case.dtype,
            case=case.id,
            labels=[f"Alice (article)/{p}" for p in PARAM_NAMES],
            magnitude=[grad_magnitudes[p] for p in PARAM_NAMES],
        ),
    )


@given(params=weights(), person=st.sampled_from(list(PEOPLE)))
def test_random_weights(case, params, person):
    x, y_true = PEOPLE[person]
    assert_agree(*gradient_checks(case, params, x, y_true, person))


def _float64_only(case):
    if case.dtype != "float64":
        pytest.skip("the oracle judges the derivative in float64: see this implementation's float64 case")


@pytest.mark.parametrize("person", list(PEOPLE))
def test_finite_difference_oracle_shared_weights(case, person):
    _float64_only(case)
    x, y_true = PEOPLE[person]
    assert_agree(fd_check(case, SHARED_WEIGHTS, x, y_true, person))


def test_finite_difference_oracle_all_ones(case):
    _float64_only(case)
    assert_agree(fd_check(case, ALL_ONES["params"], ALL_ONES["x"], ALL_ONES["y_true"], "Alice"))
