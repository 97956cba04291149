"""Compare and judge: one implementation, used by the tests and the command line alike."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .tolerances import TOLERANCES


@dataclass(frozen=True)
class Check:
    """One quantity of one implementation against the reference, element by element.

    labels name each element (a person, a parameter, "Alice/w1", "epoch 990"...).
    """

    quantity: str
    case: str
    labels: tuple[str, ...]
    got: np.ndarray
    expected: np.ndarray
    budget: np.ndarray

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
        """error / budget per element; NaN on either side counts as infinitely wrong."""
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
        return bool(np.all(self.ratios <= 1.0))

    def describe(self) -> str:
        """One line for a report: what, where, got vs expected, error and budget."""
        i = self.worst
        return (
            f"{self.quantity} [{self.labels[i]}] {self.case}: got {float(self.got[i])!r}, "
            f"expected {float(self.expected[i])!r}, |error| {self.abs_err[i]:.3g} "
            f"{'>' if not self.ratios[i] <= 1 else '<='} tolerance {self.budget[i]:.3g} "
            f"(ratio {self.ratios[i]:.3g})"
        )

    def failures(self, limit: int = 5) -> list[str]:
        """A line for each of the first `limit` elements out of budget, then how many more."""
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
    budget: np.ndarray | None = None,
    amplification: np.ndarray | float = 1.0,
    axis: int | None = None,
) -> Check:
    """Judge `got` against `expected` with the tolerance for `quantity` in `dtype`, times the
    training's `amplification` (see tolerances.py); with `axis`, the scale is taken along it
    (one scale per network when `expected` holds N networks' values, (N, k) with axis=-1).

    Structure first: both must have the shape of `labels` (once flattened). `budget` overrides
    the tolerance table (the finite-difference oracle has its own).
    """
    if budget is None:
        budget = tolerance_budget(quantity, expected, dtype, amplification=amplification, axis=axis)
    got = np.asarray(got, dtype=np.float64).reshape(-1)
    expected = np.asarray(expected, dtype=np.float64).reshape(-1)
    if not got.shape == expected.shape == (len(labels),):
        raise ValueError(
            f"{quantity} {case}: shapes differ: got {got.shape}, expected {expected.shape}, "
            f"labels {len(labels)}"
        )
    budget = np.broadcast_to(np.reshape(budget, -1) if np.ndim(budget) else budget, got.shape)
    return Check(quantity, case, tuple(labels), got, expected, budget)


def tolerance_budget(quantity: str, expected, dtype: str, *, amplification=1.0, axis: int | None = None):
    """The budget of every element: the tolerance table's, times the amplification."""
    return TOLERANCES[quantity].budget(np.asarray(expected), dtype, axis=axis) * amplification


def merge(checks: Sequence[Check]) -> Check:
    """Several checks of one quantity and one implementation (e.g. one per person) as one."""
    first = checks[0]
    if any((c.quantity, c.case) != (first.quantity, first.case) for c in checks):
        raise ValueError("merge: checks of different quantities or implementations")
    return Check(
        first.quantity,
        first.case,
        tuple(label for c in checks for label in c.labels),
        *(np.concatenate([getattr(c, f) for c in checks]) for f in ("got", "expected", "budget")),
    )


def assert_agree(*checks: Check) -> None:
    """Fail with every disagreeing check named, each element out of budget listed."""
    __tracebackhide__ = True
    failed = [c for c in checks if not c.passed]
    if failed:
        lines = []
        for c in failed:
            lines += [c.describe(), *c.failures()]
        raise AssertionError("\n".join(lines))
