"""`crosscheck sweep --seeds N`: N networks from N initial draws, trained at once in every
framework (vectorised, no loop over networks), checked network by network.

Network i starts from the article's draw under seed first_seed + i, so any one of them can be
rerun alone with `crosscheck compare --seed S`.
"""

import resource
import sys
import time

import numpy as np

from ports import PORTS
from ports.protocol import BatchResult
from reference import ALL_Y_TRUES, DATA, EMILY, FRANK, PARAM_NAMES, OurNeuralNetwork, draw_many
from reference.article import LOG_EVERY

from .cases import Case
from .checks import nudged
from .errors import UsageError
from .options import writable, write_json
from .precision import preflight
from .report import environment
from .tolerances import NUDGE_DIRECTIONS, TOLERANCES, amplification_ratio

QUANTITIES = ("loss_log", "final_params", "predictions")
PREDICT = np.array([EMILY, FRANK])


def judge(quantity: str, got: np.ndarray, expected: np.ndarray, dtype: str, amp: np.ndarray) -> dict:
    """Network by network: each network's elements against a budget scaled by that network and
    multiplied by its amplification where that element is taken (see tolerances.py).
    got, expected: (N, k); amp: (N, k) or (N, 1)."""
    if got.shape != expected.shape:
        got = np.full(expected.shape, np.nan)  # results of another shape: every network fails
    budget = TOLERANCES[quantity].budget(expected, dtype, axis=-1) * amp
    err = np.abs(got - expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isnan(got) | np.isnan(expected), np.inf, err / budget)
    per_network = ratio.max(axis=-1)
    worst = int(np.argmax(per_network))
    finite = np.isfinite(err)
    return {
        "quantity": quantity,
        "max_abs_err": float(err[finite].max()) if finite.any() else None,
        "ratio": float(per_network[worst]) if np.isfinite(per_network[worst]) else None,
        "worst_network": worst,
        "failing_networks": int(np.sum(~(per_network <= 1.0))),
        "passed": bool(np.all(per_network <= 1.0)),
    }


def reference_sweep(params: dict, dtype: str) -> tuple[BatchResult, np.ndarray]:
    """The reference for N networks, and each network's amplification: the largest growth so far
    of a one-ulp nudge of its initial weights over NUDGE_DIRECTIONS, in units of the training
    tolerance's eps (|p| + scale), at least 1, sampled where the sweep compares: (N, 101), after
    each logged epoch and, last, after the final one. (checks.amplification follows one network
    at every step, as its trajectory check needs, so it can only be as large or larger.)
    The N networks and their k nudged copies train as one batch of (1 + k) N."""
    n, k = len(params[PARAM_NAMES[0]]), len(NUDGE_DIRECTIONS)
    copies = [params, *(nudged(params, dtype, signs) for signs in NUDGE_DIRECTIONS)]
    batch = {p: np.concatenate([np.asarray(c[p], dtype=dtype) for c in copies]) for p in PARAM_NAMES}
    net = OurNeuralNetwork(batch, dtype=dtype)
    worst, history, steps = np.ones(n), [], [0]

    def track(net):
        values = np.stack([getattr(net, p) for p in PARAM_NAMES], -1).reshape(k + 1, n, -1)
        for other in values[1:]:
            np.maximum(worst, amplification_ratio(values[0], other, dtype), out=worst)
        history.append(worst.copy())

    def on_step(net):  # after each logged epoch (0, 10, ...): where the losses are compared
        steps[0] += 1
        if steps[0] % (len(DATA) * LOG_EVERY) == len(DATA):
            track(net)

    losses = np.stack(net.train(DATA, ALL_Y_TRUES, on_step=on_step), -1)[:n]
    track(net)  # and after the last epoch: where the parameters and predictions are compared
    trained = np.stack([getattr(net, p) for p in PARAM_NAMES], -1)[:n]
    predictions = np.stack([net.feedforward(x) for x in PREDICT.astype(dtype)], -1)[:n]
    as64 = (a.astype(np.float64) for a in (losses, trained, predictions))
    return BatchResult(*as64), np.stack(history, -1)


# NumPy's elementwise temporaries stay in the caches up to a few tens of thousands of networks
# (x 4 copies); past that the reference slows down faster than linearly (measured: 100,000
# networks in one batch took 24x the time of 10,000). So it runs in blocks of this many
# networks, each block one vectorised batch.
REFERENCE_BLOCK = 8192


def reference_in_blocks(params: dict, dtype: str) -> tuple[BatchResult, np.ndarray]:
    n = len(params[PARAM_NAMES[0]])
    parts = [
        reference_sweep({p: v[i : i + REFERENCE_BLOCK] for p, v in params.items()}, dtype)
        for i in range(0, n, REFERENCE_BLOCK)
    ]
    results = [r for r, _ in parts]
    fields = [np.concatenate([getattr(r, f) for r in results]) for f in ("losses", "params", "predictions")]
    return BatchResult(*fields), np.concatenate([a for _, a in parts])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


MAX_SEEDS = 10_000_000  # ~7 GB of reference arrays past that, on any machine this runs on


def select(args) -> tuple[list[Case], dict]:
    """The frameworks to compare with the reference, and the preflight status."""
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise UsageError(f"--seeds must be between 1 and {MAX_SEEDS:,}, got {args.seeds}")
    if args.first_seed < 0 or args.first_seed + args.seeds > 2**32:
        raise UsageError("seeds must stay within [0, 2**32), as np.random.seed requires")
    frameworks = [f for f in args.frameworks or tuple(PORTS) if f != "numpy"]  # numpy is the reference
    status = preflight(tuple(dict.fromkeys(("numpy", *frameworks))))
    cases = []
    for name in frameworks:
        case = Case(name, args.device, args.dtype, PORTS[name].modes[0])
        reason = case.unavailable()
        if not reason and not hasattr(case.port, "train_many"):  # the scalar port: one network at a time
            reason = f"{name} has no train_many (it trains one network at a time)"
        if reason and args.frameworks:  # asked for by name: it must run
            raise UsageError(f"{name} cannot run on {args.device}: {reason}")
        if not reason:
            cases.append(case)
    if not cases:
        raise UsageError(
            f"nothing to compare with the reference: no framework besides numpy runs on {args.device}"
        )
    return cases, status


def run_sweep(args) -> int:
    writable(args.json, "the JSON report")
    cases, status = select(args)

    def progress(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    start = time.perf_counter()
    params = draw_many(args.first_seed, args.seeds)
    seconds = {"drawing": time.perf_counter() - start}
    progress(f"the reference: {args.seeds} networks and {len(NUDGE_DIRECTIONS)} nudged copies of each ...")
    t = time.perf_counter()
    ref, amp = reference_in_blocks(params, args.dtype)
    seconds["numpy reference and amplification"] = time.perf_counter() - t
    results = {}
    for i, case in enumerate(cases, 1):
        progress(f"[{i}/{len(cases)}] {case.id}: training {args.seeds} networks x 1000 epochs ...")
        t = time.perf_counter()
        results[case] = case.port.train_many(params, DATA, ALL_Y_TRUES, PREDICT, **case.kwargs)
        seconds[case.id] = time.perf_counter() - t
    rows = []
    for case in cases:
        got = results[case]
        for quantity in QUANTITIES:
            field = {"loss_log": "losses", "final_params": "params", "predictions": "predictions"}[quantity]
            row = {"id": case.id, "framework": case.framework, "device": case.device, "dtype": case.dtype}
            where = amp[:, :-1] if quantity == "loss_log" else amp[:, -1:]  # logged epochs, or the end
            row["mode"] = case.mode
            row |= judge(quantity, getattr(got, field), getattr(ref, field), args.dtype, where)
            row["worst_seed"] = args.first_seed + row["worst_network"]
            row["rerun"] = (
                f"crosscheck compare --seed {row['worst_seed']} --frameworks numpy,{case.framework} "
                f"--devices {case.device} --dtypes {case.dtype}"
            )
            rows.append(row)
    seconds["total"] = time.perf_counter() - start
    teaching = lessons(ref)
    report = {
        "schema_version": 1,
        "verdict": "pass" if all(r["passed"] for r in rows) else "fail",
        "seeds": {"first": args.first_seed, "count": args.seeds},
        "dtype": args.dtype,
        "checks": rows,
        "amplification": {
            "median": float(np.median(amp[:, -1])),
            "max": float(amp[:, -1].max()),
            "max_seed": args.first_seed + int(np.argmax(amp[:, -1])),
            "networks_over_100": int(np.sum(amp[:, -1] > 100)),
        },
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "teaching": teaching,
        "environment": environment(status),
    }
    print_report(report)
    if args.json:
        write_json(report, args.json)
    return 0 if report["verdict"] == "pass" else 1


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


def print_report(report: dict) -> None:
    seeds, n = report["seeds"], report["seeds"]["count"]
    last = seeds["first"] + n - 1
    print(f"nn-crosscheck sweep: {n} networks (seeds {seeds['first']}..{last}), {report['dtype']}, each")
    print("framework against the NumPy reference, network by network")
    print()
    head = ("implementation", "quantity", "max abs err", "err/tol", "failing", "worst seed", "verdict")
    line = "{:<24}  {:<13}  {:>11}  {:>9}  {:>7}  {:>10}  {}"
    print(line.format(*head))
    for r in report["checks"]:
        ratio = "inf" if r["ratio"] is None else f"{r['ratio']:.3f}"
        abs_err = "nan" if r["max_abs_err"] is None else f"{r['max_abs_err']:.2g}"
        verdict = "PASS" if r["passed"] else "FAIL"
        print(
            line.format(
                r["id"], r["quantity"], abs_err, ratio, r["failing_networks"], r["worst_seed"], verdict
            )
        )
    print()
    a = report["amplification"]
    print(f"amplification of a one-ulp nudge by the reference (budget multiplier): median {a['median']:.2g}, "
          f"max {a['max']:.3g} (seed {a['max_seed']}); {a['networks_over_100']} networks over 100, "
          "verified only that loosely")  # fmt: skip
    print("time: " + ", ".join(f"{k} {v:.2f} s" for k, v in report["seconds"].items()))
    print(f"peak memory (resident): {report['peak_rss_mb']:.0f} MB")
    worst = max(report["checks"], key=lambda r: np.inf if r["ratio"] is None else r["ratio"], default=None)
    if worst is not None:
        print(f"rerun the closest call alone: {worst['rerun']}")
    print()
    t = report["teaching"]
    p = t["final_loss_percentiles"]
    print("What the networks learned (NumPy reference):")
    spread = ", ".join(f"{label} {p[q]:.2g}" for label, q in (("min", "0"), ("10%", "10"), ("median", "50"),
                                                               ("90%", "90"), ("max", "100")))  # fmt: skip
    print(f"  loss after epoch {t['last_logged_epoch']} (the last logged): {spread}")
    print("  networks by that loss: " + ", ".join(f"{k}: {v}" for k, v in t["final_loss_bins"].items()))
    print(f"  Emily classified F by {t['emily_female']} of {n}, Frank M by {t['frank_male']}, "
          f"both right by {t['both_correct']} ({100 * t['both_correct'] / n:.2f}%)")  # fmt: skip
    print()
    failed = [r for r in report["checks"] if not r["passed"]]
    if failed:
        print(f"FAIL: {len(failed)} rows disagree on at least one network")
    else:
        print(f"PASS: every framework agrees with the reference on all {n} networks")
