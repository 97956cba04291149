"""One implementation through every check family: what `crosscheck compare` reports per row."""

from dataclasses import dataclass, field

import numpy as np

from reference import PARAM_NAMES, Params

from . import checks
from .cases import Case, reference_case
from .judge import Check, merge
from .locator import first_divergence

QUANTITIES = (
    "forward",
    "loss",
    "gradients",
    "fd_oracle",
    "loss_log",
    "final_params",
    "predictions",
    "trajectory",
)


@dataclass
class CaseReport:
    case: Case
    checks: list[Check]
    train_seconds: float
    emily: float
    frank: float
    accuracy: dict = field(default_factory=dict)  # float32 runs: max abs error vs float64
    divergence: dict | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


def run_case(case: Case, params: Params) -> CaseReport:
    """Forward, gradients, the finite-difference oracle and the full training run of `case`."""
    people = checks.PEOPLE
    X = np.array([x for x, _ in people.values()] + list(checks.PREDICTION_CASES.values()))
    forward = checks.forward_check(case, params, X, [*people, *checks.PREDICTION_CASES])
    per_person = [checks.gradient_checks(case, params, x, y, who) for who, (x, y) in people.items()]
    fd = [checks.fd_check(case, params, x, y, who) for who, (x, y) in people.items()]

    result = checks.train(case, params)
    training = checks.training_checks(case, params)
    emily, frank = checks.predictions(case, result.params)

    report = CaseReport(
        case=case,
        checks=[
            forward,
            merge([loss for loss, _ in per_person]),
            merge([grads for _, grads in per_person]),
            merge(fd),
            *training,
        ],
        train_seconds=checks.train_seconds(case, params),
        emily=float(emily),
        frank=float(frank),
    )
    if case.dtype != "float64":
        report.accuracy = accuracy_vs_float64(result.params, params)
    trajectory = next((c for c in training if c.quantity == "trajectory"), None)
    if trajectory is not None and not trajectory.passed:
        report.divergence = first_divergence(trajectory, params, case.dtype)
    return report


def accuracy_vs_float64(trained: Params, initial: Params) -> dict:
    """How far a lower-precision run's final parameters are from the float64 truth."""
    truth = checks.train(reference_case("float64"), initial).params
    err = [abs(trained[p] - truth[p]) for p in PARAM_NAMES]
    return {"final_params_max_abs_err": max(err)}
