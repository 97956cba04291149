"""The sweep's tie to the ports people read: a sample of the swept networks (the worst by
err/tol, and random ones) trained again, one at a time, by each port's own `train` (the function
`compare` and the tests check), judged as `compare --seed S` judges it, and the batched result
required to equal it within the same budget. A port whose idiomatic code differs from its
batched code fails the sweep here, with the seed and the command that reruns it."""

import math

import numpy as np

from nn_crosscheck.reference import draw

from ..amplification import prefetch
from ..cases import Case
from ..checks import training_checks
from ..judge import Check
from .stats import flags

QUANTITIES = ("loss_log", "final_params", "predictions")


def recheck_seeds(first_seed: int, count: int, k: int) -> tuple[int, list[int]]:
    """How many of the worst networks to recheck, and which seeds at random (reproducibly, from
    the range): the worst half of `k`, rounded up, and the rest at random."""
    worst = min(count, -(-k // 2))
    rng = np.random.default_rng([first_seed, count])
    random = rng.choice(count, size=min(count, k - worst), replace=False) + first_seed
    return worst, sorted(int(s) for s in random)


class Candidates:
    """A case's worst networks so far and its random ones, with their batched results."""

    def __init__(self, worst: int, random: list[int]):
        self.keep, self.random = worst, set(random)
        self.worst: list[tuple[float, int]] = []  # (err/tol, seed), worst first
        self.rows: dict[int, dict] = {}

    def offer(self, per_network: np.ndarray, got: dict, seed0: int) -> None:
        n = len(per_network)
        order = np.argsort(-per_network, kind="stable")[: self.keep]  # NaN results are inf: first
        merged = self.worst + [(float(per_network[i]), seed0 + int(i)) for i in order]
        self.worst = sorted(merged, key=lambda rs: (-rs[0], rs[1]))[: self.keep]
        wanted = {s for _, s in self.worst} | {s for s in self.random if seed0 <= s < seed0 + n}
        for seed in wanted - set(self.rows):
            self.rows[seed] = {q: got[q][seed - seed0] for q in QUANTITIES}
        self.rows = {s: r for s, r in self.rows.items() if s in {w for _, w in self.worst} | self.random}

    def picks(self) -> list[tuple[int, str]]:
        worst = [(s, "worst") for _, s in self.worst]
        return worst + [(s, "random") for s in sorted(self.random) if s not in dict(worst)]


def _ratio(check: Check) -> float | None:
    return check.ratio if math.isfinite(check.ratio) else None


def _entry(case: Case, seed: int, picked: str, batched: dict) -> dict:
    """One network: its own train against the reference (compare's checks), the batched result
    against the reference and against its own train, all with compare's budget."""
    flags_ = flags(case)
    try:
        own = training_checks(case, draw(seed))
    except Exception as error:  # a port whose own train crashes fails here, not the whole sweep
        failure = f"{case.id}: its own train raised {type(error).__name__}: {error}"
        return {
            "id": case.id, "framework": case.framework, "seed": seed, "picked": picked,
            "own_train": {}, "batched": {}, "batched_vs_own": {}, "passed": False,
            "failures": [failure], "rerun": f"crosscheck compare --seed {seed} {flags_}",
        }  # fmt: skip
    by_quantity = {c.quantity: c for c in own}
    lines, batched_ratios, ties = [], {}, {}
    for q in QUANTITIES:
        c = by_quantity.get(q)
        if c is None:  # a device or shape failure: compare's own check says so
            continue
        got = np.asarray(batched[q], dtype=np.float64)
        got = got.reshape(c.got.shape) if got.size == c.got.size else np.full(c.got.shape, np.nan)
        against_ref = Check(q, case.id, c.labels, got, c.expected, c.budget, c.magnitude)
        tie = Check(q, f"{case.id} train_many vs train", c.labels, got, c.got, c.budget, c.magnitude)
        batched_ratios[q], ties[q] = _ratio(against_ref), _ratio(tie)
        if not tie.passed:
            lines.append(tie.describe())
    lines += [c.describe() for c in own if not c.passed]
    return {
        "id": case.id,
        "framework": case.framework,
        "seed": seed,
        "picked": picked,
        "own_train": {c.quantity: _ratio(c) for c in own},
        "batched": batched_ratios,
        "batched_vs_own": ties,
        "passed": not lines,
        "failures": lines,
        "rerun": f"crosscheck compare --seed {seed} {flags_}",
    }


def recheck(cases: list[Case], candidates: dict, dtype: str) -> list[dict]:
    """Each case's picked networks through its own train; the amplification of all of them
    measured first in one batch (the same numbers as one at a time)."""
    seeds = sorted({s for c in cases for s, _ in candidates[c].picks()})
    prefetch(dtype, [draw(s) for s in seeds])
    return [
        _entry(case, seed, picked, candidates[case].rows[seed])
        for case in cases
        for seed, picked in candidates[case].picks()
    ]
