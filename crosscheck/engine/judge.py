"""Compare and judge: one implementation, used by the tests and the command line alike."""

import traceback
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .tolerances import TOLERANCES, value_scale

# The quantities of a training run: their magnitude defaults to the value's scale.
TRAINING = ("loss_log", "final_params", "predictions", "trajectory")


@dataclass(frozen=True)
class Check:
    """One quantity of one implementation against the reference, element by element.

    labels name each element (a person, a parameter, "Alice/w1", "epoch 990"...). A check that
    could not compare numbers says why in `note`: results of another shape (a FAIL, `unjudged`),
    a port that raised (`outcome` "error", with its traceback), or a family the port does not
    take part in (`outcome` "skip").
    """

    quantity: str
    case: str
    labels: tuple[str, ...]
    got: np.ndarray
    expected: np.ndarray
    budget: np.ndarray
    magnitude: np.ndarray  # what the budget was made of (tolerances.py): the rounded terms' size
    note: str = ""
    outcome: str = ""  # "" (judged by its numbers), "error" or "skip"
    traceback: str = ""

    @property
    def abs_err(self) -> np.ndarray:
        return np.abs(self.got - self.expected)

    @property
    def max_abs_err(self) -> float:
        return float(np.max(self.abs_err, initial=0.0))

    @property
    def max_rel_err(self) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(self.expected != 0, self.abs_err / np.abs(self.expected), self.abs_err)
        return float(np.max(rel, initial=0.0))

    @property
    def ratios(self) -> np.ndarray:
        """error / budget per element; NaN on either side counts as infinitely wrong (a check that
        could not compare numbers, too, unless it is a skip)."""
        if self.outcome == "skip":
            return np.zeros(self.got.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = self.abs_err / self.budget
        return np.where(np.isnan(self.got) | np.isnan(self.expected) | np.isnan(ratios), np.inf, ratios)

    @property
    def worst(self) -> int:
        return int(np.argmax(self.ratios))

    @property
    def ratio(self) -> float:
        return float(self.ratios[self.worst]) if self.got.size else 0.0

    @property
    def passed(self) -> bool:
        return self.outcome == "skip" or (not self.outcome and bool(np.all(self.ratios <= 1.0)))

    @property
    def verdict(self) -> str:
        return {"error": "ERROR", "skip": "SKIP"}.get(self.outcome) or ("PASS" if self.passed else "FAIL")

    @property
    def conditioning(self) -> float:
        """magnitude / |expected| at the worst element: 1 where nothing cancels, large where the
        rounded terms were much larger than the result (or the training amplified them)."""
        i = self.worst
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(self.magnitude[i] / abs(self.expected[i])) if self.got.size else 0.0

    def describe(self) -> str:
        """One line for a report: what, where, got vs expected, error and budget."""
        if self.note:
            return f"{self.quantity} {self.case}: {self.note}"
        i = self.worst
        return (
            f"{self.quantity} [{self.labels[i]}] {self.case}: got {float(self.got[i])!r}, "
            f"expected {float(self.expected[i])!r}, |error| {self.abs_err[i]:.3g} "
            f"{'>' if not self.ratios[i] <= 1 else '<='} tolerance {self.budget[i]:.3g} "
            f"(ratio {self.ratios[i]:.3g})"
        )

    def failures(self, limit: int = 5) -> list[str]:
        """A line for each of the first `limit` elements out of budget, then how many more."""
        if self.note:
            return []
        bad = np.flatnonzero(~(self.ratios <= 1.0))
        lines = [
            f"  {self.labels[i]}: got {float(self.got[i])!r}, expected {float(self.expected[i])!r}, "
            f"|error| {self.abs_err[i]:.3g}, tolerance {self.budget[i]:.3g}"
            for i in bad[:limit]
        ]
        if len(bad) > limit:
            lines.append(f"  ... and {len(bad) - limit} more of {len(self.labels)}")
        return lines


def compare(
    quantity: str,
    got,
    expected,
    *,
    dtype: str,
    case: str,
    labels: Sequence[str],
    magnitude=None,
    budget: np.ndarray | None = None,
) -> Check:
    """Judge `got` against `expected` with the tolerance for `quantity` in `dtype`: each element's
    budget is c eps `magnitude` (tolerances.py). A training quantity may omit `magnitude`: it is
    then the value's own scale (tolerances.value_scale). `budget` overrides the tolerance table
    (the finite-difference oracle has its own arithmetic); `magnitude` is then only reported.

    Structure first: `got` must have the shape of `expected` (the same number of values is not
    enough: a (3, 2) is not six outputs in a row), and `expected` one value for each of `labels`.
    """
    shapes = np.shape(got), np.shape(expected)
    got = np.asarray(got, dtype=np.float64).reshape(-1)
    expected = np.asarray(expected, dtype=np.float64).reshape(-1)
    if not expected.shape == (len(labels),):
        raise ValueError(f"{quantity} {case}: {expected.shape[0]} expected values for {len(labels)} labels")
    if shapes[0] != shapes[1]:
        return unjudged(quantity, case, f"results of another shape: got {shapes[0]}, expected {shapes[1]}")
    if magnitude is None:
        if quantity not in TRAINING:
            raise ValueError(f"{quantity} {case}: a magnitude is needed (crosscheck/engine/magnitudes.py)")
        magnitude = value_scale(expected)
    magnitude = np.broadcast_to(np.asarray(magnitude, dtype=np.float64).reshape(-1), got.shape)
    if budget is None:
        budget = TOLERANCES[quantity].budget(magnitude, dtype)
    budget = np.broadcast_to(np.asarray(budget, dtype=np.float64).reshape(-1), got.shape)
    return Check(quantity, case, tuple(labels), got, expected, budget, magnitude)


def unjudged(quantity: str, case: str, note: str, outcome: str = "", trace: str = "") -> Check:
    """A check with no numbers to compare: NaN against 0 within a zero budget (an "inf" ratio),
    `note` saying why."""
    nan, zero = np.array([np.nan]), np.array([0.0])
    return Check(quantity, case, ("-",), nan, zero, zero, zero, note, outcome, trace)


def raised(quantities: Sequence[str], case: str, call: str, error: BaseException) -> list[Check]:
    """The checks of a family whose protocol call raised: ERROR, the exception on one line."""
    message = f"{call} raised {type(error).__name__}: {' '.join(str(error).split()) or '(no message)'}"
    trace = "".join(traceback.format_exception(error))
    return [unjudged(q, case, message, "error", trace) for q in quantities]


def skipped(quantity: str, case: str, reason: str) -> Check:
    return unjudged(quantity, case, reason, "skip")


def merge(checks: Sequence[Check]) -> Check:
    """Several checks of one quantity and one implementation (e.g. one per person) as one; where
    one could not be judged, that one (an error first, then a failure, then a skip)."""
    first = checks[0]
    if any((c.quantity, c.case) != (first.quantity, first.case) for c in checks):
        raise ValueError("merge: checks of different quantities or implementations")
    unjudged = sorted((c for c in checks if c.note), key=lambda c: ("error", "", "skip").index(c.outcome))
    if unjudged:
        return unjudged[0]
    return Check(
        first.quantity,
        first.case,
        tuple(label for c in checks for label in c.labels),
        *(
            np.concatenate([getattr(c, f) for c in checks])
            for f in ("got", "expected", "budget", "magnitude")
        ),
    )


def assert_agree(*checks: Check, why: Sequence[str] = ()) -> None:
    """Fail with every disagreeing check named, each element out of budget listed, then `why`
    (the first-divergence locator's sentence, for a training run). Under pytest, checks that
    are all skips (a family the port does not take part in) skip the test, saying why."""
    __tracebackhide__ = True
    if checks and all(c.outcome == "skip" for c in checks):
        import pytest

        pytest.skip("; ".join(dict.fromkeys(c.describe() for c in checks)))
    failed = [c for c in checks if not c.passed]
    if failed:
        lines = []
        for c in failed:
            lines += [c.describe(), *c.failures()]
        raise AssertionError("\n".join([*lines, *why]))
