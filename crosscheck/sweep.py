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
from reference import ALL_Y_TRUES, DATA, EMILY, FRANK, PARAM_NAMES, draw
from reference.article import LOG_EVERY

from .cases import Case
from .cli import write_json
from .errors import UsageError
from .precision import preflight
from .tolerances import TOLERANCES

QUANTITIES = ("loss_log", "final_params", "predictions")


def draws(n: int, first_seed: int = 0) -> dict[str, np.ndarray]:
    """{name: (n,) array}: network i is the article's draw under seed first_seed + i."""
    rows = np.array([[draw(first_seed + i)[p] for p in PARAM_NAMES] for i in range(n)]).reshape(
        n, len(PARAM_NAMES)
    )
    return {p: rows[:, j] for j, p in enumerate(PARAM_NAMES)}


def judge(quantity: str, got: np.ndarray, expected: np.ndarray, dtype: str) -> dict:
    """Network by network: each network's elements against a budget scaled by that network."""
    budget = TOLERANCES[quantity].budget(expected, dtype, axis=-1)
    err = np.abs(got - expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isnan(got) | np.isnan(expected), np.inf, err / budget)
    per_network = ratio.max(axis=-1)
    worst = int(np.argmax(per_network))
    return {
        "quantity": quantity,
        "max_abs_err": float(np.nanmax(err)) if np.isfinite(err).any() else None,
        "ratio": float(per_network[worst]) if np.isfinite(per_network[worst]) else None,
        "worst_network": worst,
        "failing_networks": int(np.sum(~(per_network <= 1.0))),
        "passed": bool(np.all(per_network <= 1.0)),
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_sweep(args) -> int:
    if args.seeds < 1:
        raise UsageError(f"--seeds must be at least 1, got {args.seeds}")
    if not 0 <= args.first_seed or args.first_seed + args.seeds > 2**32:
        raise UsageError("seeds must stay within [0, 2**32), as np.random.seed requires")
    frameworks = args.frameworks or tuple(PORTS)
    status = preflight(tuple(dict.fromkeys(("numpy", *frameworks))))
    for name in frameworks:
        if not status[name]["available"] and args.frameworks:
            raise UsageError(f"framework {name!r} was requested but is unavailable: {status[name]['error']}")
    cases = [
        Case(f, args.device, args.dtype, PORTS[f].modes[0]) for f in frameworks if status[f]["available"]
    ]
    for case in cases:
        if case.unavailable():
            raise UsageError(f"device {args.device!r} was requested but is not present: {case.unavailable()}")
    reference = Case("numpy", "cpu", args.dtype, "eager")
    if reference not in cases:
        cases.insert(0, reference)

    def progress(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    start = time.perf_counter()
    params = draws(args.seeds, args.first_seed)
    draw_seconds = time.perf_counter() - start
    progress(f"drew {args.seeds} initial weights in {draw_seconds:.2f} s")
    predict = np.array([EMILY, FRANK])
    results, seconds = {}, {}
    for i, case in enumerate(cases, 1):
        progress(f"[{i}/{len(cases)}] {case.id}: training {args.seeds} networks x 1000 epochs ...")
        t = time.perf_counter()
        results[case] = case.port.train_many(params, DATA, ALL_Y_TRUES, predict, **case.kwargs)
        seconds[case] = time.perf_counter() - t
        progress(f"[{i}/{len(cases)}] {case.id}: {seconds[case]:.2f} s")

    ref = results[reference]
    rows = []
    for case in cases:
        if case == reference:
            continue
        got = results[case]
        for quantity, g, e in zip(
            QUANTITIES, (got.losses, got.params, got.predictions), (ref.losses, ref.params, ref.predictions)
        ):
            row = {"framework": case.framework, "device": case.device, "dtype": case.dtype, "mode": case.mode}
            row |= judge(quantity, g, e, args.dtype)
            row["worst_seed"] = args.first_seed + row["worst_network"]
            row["rerun"] = (
                f"crosscheck compare --seed {row['worst_seed']} --frameworks numpy,{case.framework} "
                f"--devices {case.device} --dtypes {case.dtype}"
            )
            rows.append(row)

    final_loss = ref.losses[:, -1]
    emily_f = ref.predictions[:, 0] > 0.5
    frank_m = ref.predictions[:, 1] < 0.5
    teaching = {
        "final_loss_percentiles": {str(q): float(np.percentile(final_loss, q)) for q in (0, 10, 50, 90, 100)},
        "final_loss_bins": {
            label: int(np.sum((final_loss >= lo) & (final_loss < hi)))
            for label, lo, hi in (
                ("< 0.001", 0, 1e-3),
                ("0.001-0.01", 1e-3, 1e-2),
                ("0.01-0.1", 1e-2, 0.1),
                (">= 0.1", 0.1, np.inf),
            )
        },  # fmt: skip
        "emily_female": int(emily_f.sum()),
        "frank_male": int(frank_m.sum()),
        "both_correct": int((emily_f & frank_m).sum()),
    }
    total = time.perf_counter() - start
    verdict = "pass" if all(r["passed"] for r in rows) else "fail"

    print(f"nn-crosscheck sweep: {args.seeds} networks (seeds {args.first_seed}..{args.first_seed + args.seeds - 1}), "
          f"{args.dtype}, each framework against the NumPy reference network by network")  # fmt: skip
    print()
    print(f"{'implementation':<24}  {'quantity':<13}  {'max abs err':>11}  {'err/tol':>9}  {'failing':>7}  "
          f"{'worst seed':>10}  verdict")  # fmt: skip
    for r in rows:
        ratio = "inf" if r["ratio"] is None else f"{r['ratio']:.3f}"
        abs_err = "nan" if r["max_abs_err"] is None else f"{r['max_abs_err']:.2g}"
        impl = Case(r["framework"], r["device"], r["dtype"], r["mode"]).id
        print(f"{impl:<24}  {r['quantity']:<13}  {abs_err:>11}  {ratio:>9}  {r['failing_networks']:>7}  "
              f"{r['worst_seed']:>10}  {'PASS' if r['passed'] else 'FAIL'}")  # fmt: skip
    print()
    print("time: " + ", ".join(f"{c.id} {s:.2f} s" for c, s in seconds.items()) + f"; drawing {draw_seconds:.2f} s; "
          f"total {total:.2f} s; peak memory {peak_rss_mb():.0f} MB")  # fmt: skip
    worst = max(rows, key=lambda r: np.inf if r["ratio"] is None else r["ratio"], default=None)
    if worst is not None:
        print(f"rerun the worst network alone: {worst['rerun']}")
    print()
    print("What the networks learned (NumPy reference):")
    p = teaching["final_loss_percentiles"]
    print(f"  loss after epoch {(ref.losses.shape[1] - 1) * LOG_EVERY} (the last logged): min {p['0']:.2g}, "
          f"10% {p['10']:.2g}, median {p['50']:.2g}, 90% {p['90']:.2g}, max {p['100']:.2g}")  # fmt: skip
    print("  " + ", ".join(f"{k}: {v}" for k, v in teaching["final_loss_bins"].items()))
    n = args.seeds
    print(f"  Emily classified F by {teaching['emily_female']} of {n}, Frank M by {teaching['frank_male']}, "
          f"both right by {teaching['both_correct']} ({100 * teaching['both_correct'] / n:.1f}%)")  # fmt: skip
    print()
    failed = [r for r in rows if not r["passed"]]
    print("PASS: every framework agrees on every network" if not failed else
          f"FAIL: {len(failed)} quantity rows disagree on at least one network")  # fmt: skip

    if args.json:
        write_json(
            {
                "verdict": verdict,
                "seeds": {"first": args.first_seed, "count": args.seeds},
                "dtype": args.dtype,
                "checks": rows,
                "seconds": {c.id: s for c, s in seconds.items()} | {"draw": draw_seconds, "total": total},
                "peak_rss_mb": peak_rss_mb(),
                "teaching": teaching,
            },
            args.json,
        )
    return 0 if verdict == "pass" else 1
