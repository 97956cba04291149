"""Bugs far subtler than the self-test's catalogue still fail in float64: the budgets follow the
rounding, so one part in a million of a hyperparameter, or in 1e9 of a value, is far beyond them."""

import numpy as np
import pytest

from nn_crosscheck.engine import checks
from nn_crosscheck.engine.cases import Case
from nn_crosscheck.engine.mutants import derive
from nn_crosscheck.ports import numpy as numpy_port
from nn_crosscheck.reference import SHARED_WEIGHTS
from nn_crosscheck.reference.article import LEARN_RATE


def _train_lr(params, data, all_y_trues, **kw):
    return numpy_port.train(params, data, all_y_trues, **{**kw, "learn_rate": LEARN_RATE * (1 + 1e-6)})


def _forward_input(params, X, **kw):
    return numpy_port.forward(params, np.asarray(X) * (1 + 1e-9), **kw)


def _grads_w3(params, x, y_true, **kw):
    loss, grads = numpy_port.loss_and_grads(params, x, y_true, **kw)
    return loss, {**grads, "w3": grads["w3"] * (1 + 1e-9)}


def _forward_b3(params, X, **kw):
    return numpy_port.forward({**params, "b3": params["b3"] + 1e-12}, X, **kw)


SUBTLE = {
    "learning rate off by 1e-6 (relative)": ({"train": _train_lr}, "training"),
    "inputs scaled by 1 + 1e-9": ({"forward": _forward_input}, "forward"),
    "dL/dw3 off by 1e-9 (relative)": ({"loss_and_grads": _grads_w3}, "gradients"),
    "output bias moved by 1e-12": ({"forward": _forward_b3}, "forward"),
}


def _run(family: str, case: Case) -> list:
    people = np.array([x for x, _ in checks.PEOPLE.values()])
    if family == "forward":
        return [checks.forward_check(case, SHARED_WEIGHTS, people, list(checks.PEOPLE))]
    if family == "gradients":
        return [
            c
            for who, (x, y) in checks.PEOPLE.items()
            for c in checks.gradient_checks(case, SHARED_WEIGHTS, x, y, who)
        ]
    return checks.training_checks(case, SHARED_WEIGHTS)


@pytest.mark.parametrize("bug", list(SUBTLE))
def test_a_subtle_bug_fails_with_a_wide_margin(bug):
    overrides, family = SUBTLE[bug]
    port = derive(numpy_port, **overrides)
    case = Case("numpy", "cpu", "float64", "eager", variant=bug.replace(" ", "_"), port_override=port)
    worst = max(c.ratio for c in _run(family, case))
    assert worst > 10, f"{bug}: best err/tol {worst:.3g}, caught by too narrow a margin (or not at all)"
