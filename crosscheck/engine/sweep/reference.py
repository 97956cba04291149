"""The sweep's reference side: N networks trained by the reference's arithmetic (NudgedRun), the
budget of each of their quantities, and the amplification measured where the verdict needs it.

Measuring the amplification takes six nudged copies of every network (amplification.py): seven
trainings where the results need one. But it only ever widens a budget (the stretch is at
least 1, and every magnitude grows with it: magnitudes.carried), so a network whose every
quantity passes with the stretch at 1, the tightest budget there is, passes with its own.
(The per-step rounding summed over the steps, NudgedRun.accumulate, needs no copy: it is
measured on the network's own run, so the first pass already has it, and "multiplier 1" below
is the stretch at 1 times that.) The sweep therefore trains the networks alone first, judges
them at multiplier 1, and measures the amplification (`settle`) only of those that need it:

- every network over budget there: it fails only if it still does with its own multiplier,
  so the count of failing networks is exact;
- every network that could be a row's worst (the largest err/tol of an implementation and
  quantity), or one of the worst a recheck picks: its err/tol at multiplier 1 is above the
  worst measured so far. err/tol at 1 bounds the true one from above, so a network left out
  cannot beat the one reported, and each reported worst is a measured network, which
  `compare --seed S` judges with the same budget.

The verdict, every row and the recheck's picks are then those of measuring every network
(`--amplification all`; tests/test_sweep_scale.py runs both). Which networks get measured
depends on the order they are judged in (a row's worst so far), so the amplification summary
covers the measured networks only, and chunks or separate jobs may measure different ones.

This rests on the measured amplification being a number. Were a nudged copy to end in NaN while
its network stays finite (never seen: the overflow check refuses weights whose arithmetic could
overflow, engine/overflow.py), `--amplification all` would fail that network where this might
pass it.
"""

import numpy as np

from nn_crosscheck.reference import EMILY, FRANK, PARAM_NAMES

from ..amplification import NudgedRun, feedforward
from ..magnitudes import logged_loss_magnitude, prediction_magnitude
from ..tolerances import value_scale
from .stats import QUANTITIES, judge

PREDICT = np.array([EMILY, FRANK])
# The reference's batch (x7 with the nudged copies). With its buffers reused, the size matters
# little past a few thousand networks (measured with three copies a network, 10,000 networks on
# a loaded 2-core machine: 6.5 s in one batch, 6.8 s in blocks of 4,096, 7.0 s of 2,048, 11.6 s
# of 1,024, Python's per-operation overhead then dominating); a block keeps memory bounded.
REFERENCE_BLOCK = 8192


def reference_block(params: dict, dtype: str, nudge: bool = True):
    """The reference for N networks, with (nudge) or without each network's amplification
    measured after every step: returns (losses (N, 100), trained (N, 9), predictions (N, 2)) as
    float64, the amplification at the end (N,; 1 without nudge), and each logged loss's own
    magnitude (N, 100), taken at the parameters and the amplification of that moment (as
    `compare` takes them)."""
    run, logged = NudgedRun(params, dtype, nudge=nudge), []

    def on_logged(r):
        columns = {p: row.astype(np.float64) for p, row in zip(PARAM_NAMES, r.networks)}
        logged.append(logged_loss_magnitude(columns, r.multiplier(), dtype))

    losses = run.train(on_logged=on_logged)
    predictions = np.stack([feedforward(run.networks, x, dtype) for x in PREDICT.astype(dtype)], -1)
    as64 = [a.astype(np.float64) for a in (losses[: run.n], run.networks.T, predictions)]
    return as64, run.multiplier(), np.stack(logged, -1)


def reference_chunk(params: dict, dtype: str, nudge: bool = True):
    """reference_block over a chunk, in blocks of REFERENCE_BLOCK networks: (results by quantity,
    amplification at the end, logged losses' magnitudes)."""
    n = len(params[PARAM_NAMES[0]])
    parts = [
        reference_block({p: v[i : i + REFERENCE_BLOCK] for p, v in params.items()}, dtype, nudge)
        for i in range(0, n, REFERENCE_BLOCK)
    ]
    fields = [np.concatenate([part[0][j] for part in parts]) for j in range(3)]
    return dict(zip(QUANTITIES, fields)), *(np.concatenate([part[i] for part in parts]) for i in (1, 2))


def budget_magnitudes(ref: dict, amp: np.ndarray, logged: np.ndarray, dtype: str) -> dict:
    """Each quantity's magnitude (tolerances.py), network by network, as `compare` makes it for
    one: the parameters' scale times the amplification at the end; the logged losses' and the
    predictions' own rounding plus what the parameters' budgets carry to them (magnitudes.py)."""
    trained = {p: ref["final_params"][:, i : i + 1] for i, p in enumerate(PARAM_NAMES)}
    return {
        "loss_log": logged,
        "final_params": value_scale(ref["final_params"], axis=-1) * amp[:, None],
        "predictions": prediction_magnitude(trained, PREDICT, amp[:, None], dtype),
    }


def _above(values: np.ndarray, exact: np.ndarray, known: list[float], keep: int, limit: int):
    """The networks whose value is not exact yet and could still be among the `keep` largest: at
    or above the keep-th largest value known exactly (`known`: earlier chunks'; and the `exact`
    ones here), ties included, as the lowest seed wins a tie; any while fewer are known. At most
    `limit` of them, the largest first: err/tol at multiplier 1 can be far above the true one (a
    multiplier of 10 is common), so a few a round keep a better bound from ruling them out."""
    sure = sorted([*known, *values[exact]], reverse=True)
    bound = sure[keep - 1] if len(sure) >= keep else -np.inf
    open_ = np.flatnonzero(~exact & (values >= bound))
    chosen = np.zeros(len(values), bool)
    chosen[open_[np.argsort(-values[open_], kind="stable")[:limit]]] = True
    return chosen


def unsettled(judged: dict, measured: np.ndarray, rows: dict, candidates: dict, limit: int) -> np.ndarray:
    """Indices of the networks whose amplification the verdict, a row's worst or a recheck's
    pick could depend on and that are not measured yet: every network over budget; of those
    that could be a row's worst or a pick, at most `limit` a row. judged: {case: {quantity:
    (err/tol (N,), ...)}}, err/tol with the multiplier each network has so far (1 where
    unmeasured). An err/tol is exact without measuring where it is 0 (no error: none with any
    budget) or inf (a NaN or infinite result: over any budget)."""
    need = np.zeros(len(measured), bool)
    for case, by_quantity in judged.items():
        for q, (ratios, _) in by_quantity.items():
            exact = measured | (ratios == 0) | ~np.isfinite(ratios)
            need |= ~exact & (ratios > 1.0)  # over budget at 1: fails only if still over with its own
            row = rows[case, q]
            need |= _above(ratios, exact, [row.ratio] if row.worst_seed is not None else [], 1, limit)
        keep = candidates[case].keep
        if keep:
            worst = np.max([r for r, _ in by_quantity.values()], axis=0)
            exact = measured | (worst == 0) | ~np.isfinite(worst)
            need |= _above(worst, exact, [r for r, _ in candidates[case].worst], keep, limit)
    return np.flatnonzero(need)


# Networks a row (and a recheck's picks) in the first round of measuring; doubled every round. A
# round costs ~0.3 s however few networks it trains (4000 steps of Python), so fewer, larger
# rounds win up to a point: 10,000 networks on this 2-core machine, 8 a row: 1.50 s (160
# networks measured); 32: 1.19 s (258); 64: 0.87 s (318); 128: 1.28 s (711); 256: 2.02 s (1,435).
FIRST_ROUND = 64


def settle(params: dict, ref: dict, got: dict, judged: dict, dtype: str, rows: dict, candidates: dict, first):
    """Measure the amplification of the networks that need it (module docstring), round by round
    until none is left, and judge them again with it, in place in `judged`. got: {case: its
    results by quantity}; first: the multiplier each network was judged with alone (its per-step
    rounding, a stretch of 1). Returns the multiplier of every network (`first` where unmeasured)
    and which were measured."""
    n = len(ref["final_params"])
    amp, measured, limit = np.array(first, dtype=np.float64), np.zeros(n, bool), FIRST_ROUND
    while (todo := unsettled(judged, measured, rows, candidates, limit)).size:
        limit *= 2
        again, amp[todo], logged = reference_chunk({p: v[todo] for p, v in params.items()}, dtype)
        mine = {q: ref[q][todo] for q in QUANTITIES}
        for q in QUANTITIES:
            if not np.array_equal(again[q], mine[q], equal_nan=True):  # the same arithmetic: never
                raise RuntimeError(f"the reference's {q} changed when trained with nudged copies")
        magnitudes = budget_magnitudes(mine, amp[todo], logged, dtype)
        for case, by_quantity in judged.items():
            for q, (ratios, _) in by_quantity.items():
                if got[case][q].shape == ref[q].shape:  # else every network failed already (judge)
                    ratios[todo] = judge(q, got[case][q][todo], mine[q], case.dtype, magnitudes[q])[0]
        measured[todo] = True
    return amp, measured
