"""The agreement families, run by pytest on the ports nn_crosscheck.pytest_plugin was asked for.

The same checks, ids and messages as nn-crosscheck's own tests: each test judges one
implementation (framework x device x dtype x mode) against the NumPy reference with the
harness's budgets (nn_crosscheck.engine.checks), and fails with assert_agree's message naming the
quantity, the person or parameter, got, expected, the error and the tolerance.
"""

import numpy as np
import pytest

from nn_crosscheck import ports
from nn_crosscheck.engine import checks
from nn_crosscheck.engine.cases import all_cases
from nn_crosscheck.engine.judge import assert_agree
from nn_crosscheck.pytest_plugin import CHOSEN
from nn_crosscheck.reference import DATA, PARAM_NAMES, SHARED_WEIGHTS, article
from nn_crosscheck.reference.article import EPOCHS, N_LOGGED


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    """A test of a function the port does not provide (loss_and_grads or train, of a port that
    only evaluates) is skipped, saying so: a family it takes no part in, not a failure. In these
    tests, a port's result that is no numbers (ports.PortError: None, text, complex values) fails
    on one line, "ERROR: ...", as compare's row says it, not with the harness's frames."""
    try:
        return (yield)
    except ports.NotProvided as error:
        pytest.skip(str(error))
    except ports.PortError as error:
        if pyfuncitem.module.__name__ != __name__:  # another suite's test: its traceback helps
            raise
        said = f"ERROR: {error}"
    pytest.fail(said, pytrace=False)  # outside the except: no "during handling" chain


ALL_ONES = article.BACKPROP_EXAMPLE  # §5: all weights 1, all biases 0, Alice
ASYMMETRIC = dict(w1=0.5, w2=-1.25, w3=2.0, w4=-0.75, w5=1.5, w6=-2.5, b1=0.25, b2=-0.125, b3=3.0)


@pytest.fixture(params=[pytest.param(c, id=c.id) for c in all_cases(CHOSEN or None)])
def case(request):
    """One implementation of a port under check: skipped, with the reason, where it cannot run."""
    reason = request.param.unavailable()
    if reason:
        pytest.skip(reason)
    return request.param


def test_forward_on_the_people(case):
    """o1 for the shared initial weights on Alice, Bob, Charlie, Diana, Emily and Frank."""
    people = {name: x for name, (x, _) in checks.PEOPLE.items()} | checks.PREDICTION_CASES
    assert_agree(checks.forward_check(case, SHARED_WEIGHTS, np.array(list(people.values())), list(people)))


def test_forward_worked_example(case):
    """§2: the network with weights 0, 1 and biases 0 on x = [2, 3]."""
    x = np.array([article.NETWORK_EXAMPLE["x"]])
    assert_agree(checks.forward_check(case, article.NETWORK_EXAMPLE["params"], x, ["network o1"]))


@pytest.mark.parametrize("person", list(checks.PEOPLE))
def test_gradients_each_person(case, person):
    x, y_true = checks.PEOPLE[person]
    assert_agree(*checks.gradient_checks(case, SHARED_WEIGHTS, x, y_true, person))


def test_gradients_all_ones_example(case):
    assert_agree(
        *checks.gradient_checks(case, ALL_ONES["params"], ALL_ONES["x"], ALL_ONES["y_true"], "Alice")
    )


@pytest.mark.parametrize("person", list(checks.PEOPLE))
def test_finite_difference_oracle(case, person):
    if case.dtype != "float64":
        pytest.skip("the oracle judges the derivative in float64: see this implementation's float64 case")
    x, y_true = checks.PEOPLE[person]
    assert_agree(checks.fd_check(case, SHARED_WEIGHTS, x, y_true, person))


def test_training_agrees_with_the_reference(case):
    """The 100 logged losses, the final parameters, Emily and Frank, and all 4000 steps."""
    checks.assert_training_agrees(case, SHARED_WEIGHTS)


def test_forward_on_the_trained_network(case):
    """A port that only evaluates (no train): o1 on the six people from the parameters the
    reference trained from the shared weights."""
    if ports.provides(case.port, "train"):
        pytest.skip(f"{case.framework} trains: its own trained network is checked by the training family")
    people = {name: x for name, (x, _) in checks.PEOPLE.items()} | checks.PREDICTION_CASES
    X = np.array(list(people.values()))
    assert_agree(checks.trained_forward_check(case, SHARED_WEIGHTS, X, list(people)))


def test_training_returns_the_protocol_shapes(case):
    result = checks.train(case, SHARED_WEIGHTS)
    assert result.losses.shape == (N_LOGGED,), f"{case.id}: losses of shape {result.losses.shape}"
    steps = (len(DATA) * EPOCHS, len(PARAM_NAMES))
    assert result.steps.shape == steps, f"{case.id}: steps of shape {result.steps.shape}, expected {steps}"


def test_mapping_round_trip(case):
    """The article's names onto the port's own layout and back (to_native / from_native)."""
    if not (hasattr(case.port, "to_native") and hasattr(case.port, "from_native")):
        pytest.skip(f"{case.framework} defines no to_native / from_native")
    native = case.port.to_native(ASYMMETRIC, dtype=case.dtype, device=case.device)
    expected = {p: float(np.array(v, dtype=case.dtype)) for p, v in ASYMMETRIC.items()}
    assert case.port.from_native(native) == expected, f"{case.id}: the parameters did not come back"
