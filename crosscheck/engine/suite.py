"""One implementation through every check family: what `crosscheck compare` reports per row."""

import math
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from nn_crosscheck import ports
from nn_crosscheck.reference import PARAM_NAMES, Params

from . import checks
from .cases import Case, reference_case
from .judge import TRAINING, Check, merge, raised, skipped, unjudged
from .locator import first_divergence

QUANTITIES = (  # a full port's; one without train has trained_forward in place of the training rows
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
    exact: dict = field(default_factory=dict)  # --exact: distances from the exact value, in ulps
    warnings: dict = field(default_factory=dict)  # "Category: message": how often the port warned
    ended: str = ""  # what ended the run before it gave a result (its worker died, a timeout)
    seconds: float = math.nan  # how long run_case took, the framework's import included if first
    worked: object = None  # its framework's part in the article's worked examples (lesson.Worked), if asked

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def trained(self) -> bool:
        """False where the port's train raised (there is no run to show)."""
        return not math.isnan(self.train_seconds)

    @property
    def verdict(self) -> str:
        """ERROR where the port raised, else FAIL where a check disagrees, else PASS."""
        if any(c.outcome == "error" for c in self.checks):
            return "ERROR"
        return "PASS" if self.passed else "FAIL"


def run_case(case: Case, params: Params, *, exact: bool = False) -> CaseReport:
    """Forward, gradients, the finite-difference oracle and the full training run of `case`.

    A protocol call that raises makes its family's checks ERROR (judge.raised), and the other
    families still run: a port's exception never ends the run. The families of a function the
    port does not provide (a port that only evaluates) are skipped, saying so; a port without
    train is checked instead on the network the reference trained (checks.trained_forward_check)."""
    people = checks.PEOPLE
    X = np.array([x for x, _ in people.values()] + list(checks.PREDICTION_CASES.values()))
    labels = [*people, *checks.PREDICTION_CASES]
    found = _family(("forward",), case, "forward", lambda: [checks.forward_check(case, params, X, labels)])
    if ports.provides(case.port, "loss_and_grads"):
        found += _family(("loss", "gradients"), case, "loss_and_grads", lambda: _per_person(case, params))
        found += _family(("fd_oracle",), case, "loss_and_grads", lambda: [_oracle(case, params)])
    else:
        found += _not_provided(("loss", "gradients", "fd_oracle"), case, "loss_and_grads")
    nan = math.nan
    if not ports.provides(case.port, "train"):
        trained = _family(
            ("trained_forward",),
            case,
            "forward",
            lambda: [checks.trained_forward_check(case, params, X, labels)],
        )
        found += [*trained, *_not_provided(TRAINING, case, "train")]
        report = CaseReport(case, found, train_seconds=nan, emily=nan, frank=nan, warnings=warned(case))
        if exact:
            report.exact = distances_from_exact(found, params, X, case.dtype)
        return report
    try:
        result = checks.train(case, params)
    except Exception as error:
        found += raised(TRAINING, case.id, "train", error)
        return CaseReport(case, found, train_seconds=nan, emily=nan, frank=nan, warnings=warned(case))
    training = _family(TRAINING, case, "forward", lambda: checks.training_checks(case, params))
    emily, frank = _attempt(lambda: _predictions(case, result.params), (math.nan, math.nan))
    report = CaseReport(
        case=case,
        checks=[*found, *training],
        train_seconds=checks.train_seconds(case, params),
        emily=emily,
        frank=frank,
    )
    report.warnings = warned(case)
    if case.dtype != "float64":
        report.accuracy = accuracy_vs_float64(result.params, params)
    if exact:
        report.exact = distances_from_exact(report.checks, params, X, case.dtype)
    trajectory = next((c for c in training if c.quantity == "trajectory"), None)
    if trajectory is not None and not trajectory.passed and trajectory.outcome != "error":
        report.divergence = first_divergence(trajectory, params, case.dtype)
    return report


@dataclass(frozen=True)
class CaseTask:
    """run_case for some cases, one after another, in this process or in a worker
    (engine/workers.py), which gets the task by pickling: each case held without its port."""

    cases: tuple[Case, ...]
    exact: bool = False
    worked: tuple[Case, ...] = ()  # the cases whose report also carries the worked examples

    @classmethod
    def of(cls, cases, exact: bool = False, worked=()) -> "CaseTask":
        if any(case.port_override is not None for case in cases):
            raise ValueError("a CaseTask is rebuilt from names: a case with port_override has none")
        cases = tuple(replace(case) for case in cases)
        return cls(cases, exact, tuple(replace(case) for case in worked if case in cases))

    framework = property(lambda self: self.cases[0].framework)
    mode = property(lambda self: self.cases[0].mode)
    size = property(lambda self: len(self.cases))
    id = property(lambda self: ", ".join(case.id for case in self.cases))

    def perform(self, params: Params) -> list[CaseReport]:
        reports = []
        for case in map(replace, self.cases):  # each port loaded here, not carried back
            start = time.perf_counter()
            reports.append(run_case(case, params, exact=self.exact))
            reports[-1].case, reports[-1].seconds = replace(case), time.perf_counter() - start
            if case in self.worked:  # after the timing: compare's own work alone is timed
                from .lesson import work

                reports[-1].worked = work(case, code=True)
        return reports


def ended_early(case: Case, note: str, trace: str = "") -> CaseReport:
    """The report of a case whose run gave no result (its worker died or ran out of time):
    every quantity ERROR, `note` saying what happened."""
    nan = math.nan
    found = [unjudged(q, case.id, note, "error", trace) for q in QUANTITIES]
    return CaseReport(case, found, train_seconds=nan, emily=nan, frank=nan, ended=note)


def warned(case: Case) -> dict[str, int]:
    """What the port warned while it ran this case (ports.adapter records it, never raises it)."""
    return dict(getattr(case.port, "warned", {}).get((case.dtype, case.device, case.mode), {}))


def _family(quantities, case: Case, call: str, run) -> list[Check]:
    """The checks `run` makes, or, where it raises, an ERROR check for each of `quantities`."""
    try:
        return run()
    except Exception as error:
        return raised(quantities, case.id, call, error)


def _not_provided(quantities, case: Case, function: str) -> list[Check]:
    return [skipped(q, case.id, f"{ports.NOT_PROVIDED} (no {function})") for q in quantities]


def _attempt(run, otherwise):
    try:
        return run()
    except Exception:  # reported by the family that makes the same call
        return otherwise


def _predictions(case: Case, trained: Params) -> tuple[float, float]:
    """Emily's and Frank's predictions from the trained network, as floats; NaN for both where
    forward gave no two numbers (it raised, or gave another shape: the forward and predictions
    checks say which)."""
    found = np.asarray(checks.predictions(case, trained), dtype=np.float64)
    if found.shape != (len(checks.PREDICTION_CASES),):
        return math.nan, math.nan
    return float(found[0]), float(found[1])


def _per_person(case: Case, params: Params) -> list[Check]:
    """The loss and the gradients of each person, each merged into one check."""
    per_person = [checks.gradient_checks(case, params, x, y, who) for who, (x, y) in checks.PEOPLE.items()]
    return [merge([loss for loss, _ in per_person]), merge([grads for _, grads in per_person])]


def _oracle(case: Case, params: Params) -> Check:
    return merge([checks.fd_check(case, params, x, y, who) for who, (x, y) in checks.PEOPLE.items()])


def accuracy_vs_float64(trained: Params, initial: Params) -> dict:
    """How far a lower-precision run's final parameters are from the float64 truth."""
    truth = checks.train(reference_case("float64"), initial).params
    err = [abs(trained[p] - truth[p]) for p in PARAM_NAMES]
    return {"final_params_max_abs_err": max(err)}


EXACT_QUANTITIES = ("forward", "loss", "gradients")


def exact_values(params: Params, X, dtype: str) -> dict[str, list]:
    """The exact forward at X, loss and partials at each person, in the order of the checks'
    elements (mpmath, engine/exact.py): cached, as every implementation of a dtype asks."""
    return _exact_values(tuple(params.items()), tuple(map(tuple, np.asarray(X).tolist())), dtype)


@lru_cache(maxsize=16)
def _exact_values(params: tuple, X: tuple, dtype: str) -> dict[str, list]:
    from . import exact

    params = dict(params)
    per_person = [exact.at_sample(params, x, y, dtype) for x, y in checks.PEOPLE.values()]
    return {
        "forward": exact.at_inputs(params, np.array(X), dtype),
        "loss": [loss for loss, _ in per_person],
        "gradients": [grads[p] for _, grads in per_person for p in PARAM_NAMES],
    }


NEAR_ZERO = 2.0**-10  # an exact value this far below its magnitude is near 0: its own ulp is no scale


def distances_from_exact(found: list[Check], params: Params, X, dtype: str) -> dict:
    """For forward, loss and gradients: the implementation's largest distance from the exact
    value in ulps of its dtype at the exact value, where, and the reference's own (the checks'
    expected side). Where that element's exact value is near 0 against its magnitude (the size
    of the terms rounded on the way to it, NEAR_ZERO), its ulp is tiny and the count huge for
    any rounding of those terms: `near_zero` then says so, with the exact value, the magnitude,
    and both distances again in ulps at each element's magnitude (exact.ulps' `scales`)."""
    truth = exact_values(params, X, dtype)
    return {
        c.quantity: _distance(c, truth[c.quantity], dtype)
        for c in found
        if c.quantity in EXACT_QUANTITIES and not c.note  # judged by its numbers (not skipped)
    }


def _distance(c: Check, exact: list, dtype: str) -> dict:
    """distances_from_exact's entry for one check against the exact values of its elements."""
    from .exact import ulps

    got, ref = ulps(c.got, exact, dtype), ulps(c.expected, exact, dtype)
    i = int(np.argmax(got))
    distance = {"ulps": float(got[i]), "worst": c.labels[i], "reference_ulps": float(np.max(ref))}
    value, magnitude = float(exact[i]), float(c.magnitude[i])
    if abs(value) < NEAR_ZERO * magnitude:
        distance["near_zero"] = {
            "exact": value,
            "magnitude": magnitude,
            "ulps": float(np.max(ulps(c.got, exact, dtype, c.magnitude))),
            "reference_ulps": float(np.max(ulps(c.expected, exact, dtype, c.magnitude))),
        }
    return distance
