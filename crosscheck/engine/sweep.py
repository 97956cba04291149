"""N networks from N initial draws, trained at once in every framework (vectorised, no loop
over networks), judged network by network (`crosscheck sweep`).

Network i starts from the article's draw under seed first_seed + i, so any one of them can be
rerun alone with `crosscheck compare --seed S`.
"""

import resource
import time

import numpy as np

from ports.protocol import BatchResult
from reference import ALL_Y_TRUES, DATA, EMILY, FRANK, PARAM_NAMES, draw_many
from reference.article import LOG_EVERY

from .amplification import NudgedRun
from .cases import Case
from .judge import Check
from .magnitudes import logged_loss_magnitude, prediction_magnitude
from .tolerances import NUDGE_DIRECTIONS, TOLERANCES, value_scale

QUANTITIES = ("loss_log", "final_params", "predictions")
PREDICT = np.array([EMILY, FRANK])


def judge(quantity: str, got: np.ndarray, expected: np.ndarray, dtype: str, magnitude: np.ndarray) -> dict:
    """Network by network, with the judge `compare` uses: each network's elements against the
    budget of their magnitude (`budget_magnitudes`, tolerances.py). got, expected: (N, k)."""
    if got.shape != expected.shape:
        got = np.full(expected.shape, np.nan)  # results of another shape: every network fails
    magnitude = np.broadcast_to(magnitude, expected.shape)
    budget = TOLERANCES[quantity].budget(magnitude, dtype)
    check = Check(quantity, "", (), got, expected, budget, magnitude)  # unlabelled: N may be millions
    per_network = check.ratios.max(axis=-1)
    worst = int(np.argmax(per_network))
    finite = np.isfinite(check.abs_err)
    return {
        "quantity": quantity,
        "max_abs_err": float(check.abs_err[finite].max()) if finite.any() else None,
        "ratio": float(per_network[worst]) if np.isfinite(per_network[worst]) else None,
        "worst_network": worst,
        "failing_networks": int(np.sum(~(per_network <= 1.0))),
        "passed": bool(np.all(per_network <= 1.0)),
    }


def reference_sweep(params: dict, dtype: str) -> tuple[BatchResult, np.ndarray, np.ndarray]:
    """The reference for N networks; each network's amplification (amplification.NudgedRun)
    sampled where the sweep compares: (N, 101), after each logged epoch and, last, after the
    final one; and each network's logged losses' own magnitude (N, 100), taken at the
    parameters of that moment."""
    run, logged, steps = NudgedRun(params, dtype), [], [0]

    def on_step(net):  # after each logged epoch (0, 10, ...): where the losses are compared
        steps[0] += 1
        if steps[0] % (len(DATA) * LOG_EVERY) == len(DATA):
            now = run.track()
            columns = {p: now[:, i] for i, p in enumerate(PARAM_NAMES)}
            logged.append(logged_loss_magnitude(columns, run.history[-1], dtype))

    losses = run.train(on_step)
    trained = run.track()  # and after the last epoch: where the parameters and predictions are compared
    n = len(trained)
    predictions = np.stack([run.net.feedforward(x) for x in PREDICT.astype(dtype)], -1)[:n]
    as64 = (a.astype(np.float64) for a in (losses, trained, predictions))
    return BatchResult(*as64), np.stack(run.history, -1), np.stack(logged, -1)


# NumPy's elementwise temporaries stay in the caches up to a few tens of thousands of networks
# (x 4 copies); past that the reference slows down faster than linearly (measured: 100,000
# networks in one batch took 24x the time of 10,000). So it runs in blocks of this many
# networks, each block one vectorised batch.
REFERENCE_BLOCK = 8192


def reference_in_blocks(params: dict, dtype: str) -> tuple[BatchResult, np.ndarray, np.ndarray]:
    n = len(params[PARAM_NAMES[0]])
    parts = [
        reference_sweep({p: v[i : i + REFERENCE_BLOCK] for p, v in params.items()}, dtype)
        for i in range(0, n, REFERENCE_BLOCK)
    ]
    results = [r for r, _, _ in parts]
    fields = [np.concatenate([getattr(r, f) for r in results]) for f in ("losses", "params", "predictions")]
    return BatchResult(*fields), *(np.concatenate([part[i] for part in parts]) for i in (1, 2))


def budget_magnitudes(ref: BatchResult, amp: np.ndarray, logged: np.ndarray, dtype: str) -> dict:
    """Each quantity's magnitude (tolerances.py), network by network: the parameters' scale
    times the amplification at the end; the logged losses' and the predictions' own rounding
    plus what the parameters' budgets carry to them (magnitudes.py)."""
    trained = {p: ref.params[:, i : i + 1] for i, p in enumerate(PARAM_NAMES)}
    return {
        "loss_log": logged,
        "final_params": value_scale(ref.params, axis=-1) * amp[:, -1:],
        "predictions": prediction_magnitude(trained, PREDICT, amp[:, -1:], dtype),
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


MAX_SEEDS = 10_000_000  # ~7 GB of reference arrays past that, on any machine this runs on


def lessons(ref) -> dict:
    """How the networks learned, by the reference: final losses and the two predictions."""
    final_loss = ref.losses[:, -1]
    emily_f, frank_m = ref.predictions[:, 0] > 0.5, ref.predictions[:, 1] < 0.5
    bins = (
        ("< 0.001", 0, 1e-3),
        ("0.001-0.01", 1e-3, 1e-2),
        ("0.01-0.1", 1e-2, 0.1),
        (">= 0.1", 0.1, np.inf),
    )
    return {
        "last_logged_epoch": (ref.losses.shape[1] - 1) * LOG_EVERY,
        "final_loss_percentiles": {str(q): float(np.percentile(final_loss, q)) for q in (0, 10, 50, 90, 100)},
        "final_loss_bins": {
            label: int(np.sum((final_loss >= lo) & (final_loss < hi))) for label, lo, hi in bins
        },
        "emily_female": int(emily_f.sum()),
        "frank_male": int(frank_m.sum()),
        "both_correct": int((emily_f & frank_m).sum()),
    }


FIELDS = {"loss_log": "losses", "final_params": "params", "predictions": "predictions"}


def sweep(cases: list[Case], first_seed: int, count: int, dtype: str, progress=lambda text: None) -> dict:
    """Train `count` networks from seeds first_seed.. in the reference and in each case; judge
    each quantity network by network. The result, as the JSON report holds it (less the
    environment)."""
    start = time.perf_counter()
    params = draw_many(first_seed, count)
    seconds = {"drawing": time.perf_counter() - start}
    progress(f"the reference: {count} networks and {len(NUDGE_DIRECTIONS)} nudged copies of each ...")
    t = time.perf_counter()
    ref, amp, logged_magnitude = reference_in_blocks(params, dtype)
    magnitudes = budget_magnitudes(ref, amp, logged_magnitude, dtype)
    seconds["numpy reference and amplification"] = time.perf_counter() - t
    results = {}
    for i, case in enumerate(cases, 1):
        progress(f"[{i}/{len(cases)}] {case.id}: training {count} networks x 1000 epochs ...")
        t = time.perf_counter()
        results[case] = case.port.train_many(params, DATA, ALL_Y_TRUES, PREDICT, **case.kwargs)
        seconds[case.id] = time.perf_counter() - t
    rows = [
        _row(case, q, results[case], ref, magnitudes[q], first_seed) for case in cases for q in QUANTITIES
    ]
    seconds["total"] = time.perf_counter() - start
    return {
        "verdict": "pass" if all(r["passed"] for r in rows) else "fail",
        "seeds": {"first": first_seed, "count": count},
        "dtype": dtype,
        "checks": rows,
        "amplification": {
            "median": float(np.median(amp[:, -1])),
            "max": float(amp[:, -1].max()),
            "max_seed": first_seed + int(np.argmax(amp[:, -1])),
            "networks_over_100": int(np.sum(amp[:, -1] > 100)),
        },
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "teaching": lessons(ref),
    }


def _row(case: Case, quantity: str, got: BatchResult, ref: BatchResult, magnitude, first_seed: int) -> dict:
    row = {"id": case.id, "framework": case.framework, "device": case.device, "dtype": case.dtype}
    row["mode"] = case.mode
    field = FIELDS[quantity]
    row |= judge(quantity, getattr(got, field), getattr(ref, field), case.dtype, magnitude)
    row["worst_seed"] = first_seed + row["worst_network"]
    row["rerun"] = (
        f"crosscheck compare --seed {row['worst_seed']} --frameworks numpy,{case.framework} "
        f"--devices {case.device} --dtypes {case.dtype}"
    )
    return row
