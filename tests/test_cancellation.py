"""Budgets that follow the computation: weights whose terms cancel, where a correct port's
rounding is far larger than eps x |result| (crosscheck/engine/magnitudes.py, crosscheck/engine/tolerances.py).

Weight files in tests/data/cancelling/ (scripts/make_cancelling_weights.py) cancel at each
person, Emily and Frank, in a hidden and in the output sum; every correct implementation must
pass them, and so must draws aimed at cancellation. The magnitudes must also be honest: the
float32 reference's own error against float64 stays within the float32 budget.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

from nn_crosscheck.engine import checks
from nn_crosscheck.engine.judge import assert_agree, compare
from nn_crosscheck.engine.magnitudes import forward_magnitude, gradient_magnitudes
from nn_crosscheck.engine.weights_file import load_weights
from nn_crosscheck.reference import EMILY, FRANK, PARAM_NAMES, OurNeuralNetwork, partials

from strategies import cancelling

FILES = sorted((Path(__file__).parent / "data" / "cancelling").glob("*.json"))
INPUTS = {who: x for who, (x, _) in checks.PEOPLE.items()} | {"Emily": EMILY, "Frank": FRANK}
X = np.array(list(INPUTS.values()), dtype=np.float64)
TRAINED = ("alice_h1", "emily_o1", "frank_h2")  # a training run costs seconds: three of them


def test_every_person_and_layer_has_a_file():
    assert len(FILES) == len(INPUTS) * 3


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_forward_and_partials(case, path):
    params = load_weights(path)
    found = [checks.forward_check(case, params, X, list(INPUTS))]
    for who, (x, y_true) in checks.PEOPLE.items():
        found += checks.gradient_checks(case, params, x, y_true, who)
        if case.dtype == "float64":
            found.append(checks.fd_check(case, params, x, y_true, who))
    assert_agree(*found)


@pytest.mark.parametrize("name", TRAINED)
def test_training(case, name):
    params = load_weights(Path(__file__).parent / "data" / "cancelling" / f"{name}.json")
    assert_agree(*checks.training_checks(case, params))


@given(drawn=cancelling(INPUTS))
def test_forward_when_terms_cancel(case, drawn):
    params, _ = drawn
    assert_agree(checks.forward_check(case, params, X, list(INPUTS)))


@given(drawn=cancelling({who: x for who, (x, _) in checks.PEOPLE.items()}))
def test_partials_when_terms_cancel(case, drawn):
    params, who = drawn
    x, y_true = checks.PEOPLE[who]
    found = checks.gradient_checks(case, params, x, y_true, who)
    if case.dtype == "float64":
        found.append(checks.fd_check(case, params, x, y_true, who))
    assert_agree(*found)


@given(drawn=cancelling({who: x for who, (x, _) in checks.PEOPLE.items()}))
def test_magnitudes_bound_the_float32_references_own_error(drawn):
    """The budget model is a bound of the reference's arithmetic, not a fit: float32 against
    float64 (the truth at float32's scale) stays within the float32 budgets."""
    params, who = drawn
    x, y_true = checks.PEOPLE[who]
    params32 = {p: float(np.float32(v)) for p, v in params.items()}  # the float32 run's exact inputs
    got, truth = (
        partials(OurNeuralNetwork(params32, dtype=dtype), np.asarray(x, dtype=dtype), y_true)
        for dtype in (np.float32, np.float64)
    )
    magnitudes = gradient_magnitudes(params32, x, y_true, "float32")
    out32, out64 = (OurNeuralNetwork(params32, dtype=d).feedforward(X.T) for d in (np.float32, np.float64))
    assert_agree(
        compare(
            "forward",
            out32,
            out64,
            dtype="float32",
            case="reference-float32",
            labels=list(INPUTS),
            magnitude=forward_magnitude(params32, X, "float32"),
        ),
        compare(
            "gradients",
            [got[1][p] for p in PARAM_NAMES],
            [truth[1][p] for p in PARAM_NAMES],
            dtype="float32",
            case="reference-float32",
            labels=[f"{who}/{p}" for p in PARAM_NAMES],
            magnitude=[magnitudes[p] for p in PARAM_NAMES],
        ),
    )
