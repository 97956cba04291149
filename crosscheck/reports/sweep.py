"""The sweep report as text and as JSON."""

import numpy as np

from .json import SCHEMA_VERSION, environment
from .table import Column, table


def _columns(rows: list[dict]) -> tuple[Column, ...]:
    width = max([24, *(len(r["id"]) for r in rows)])  # the implementation column fits the longest id
    return (
        Column("implementation", width),
        Column("quantity", 13),
        Column("max abs err", 11, ">"),
        Column("err/tol", 9, ">"),
        Column("failing", 7, ">"),
        Column("worst seed", 10, ">"),
        Column("verdict"),
    )


def _recheck_columns(entries: list[dict]) -> tuple[Column, ...]:
    width = max([24, *(len(e["id"]) for e in entries)])
    return (
        Column("implementation", width),
        Column("seed", 10, ">"),
        Column("picked", 6),
        Column("own train", 9, ">"),
        Column("batched", 9, ">"),
        Column("batched vs own", 14, ">"),
        Column("verdict"),
    )


def plural(n: int, word: str, words: str | None = None) -> str:
    """ "1 network", "2 networks"."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def to_json(result: dict, status: dict, skipped=()) -> dict:
    """`skipped`: a line for each selected implementation the sweep could not run, and why."""
    data = {"schema_version": SCHEMA_VERSION, **result, "skipped": list(skipped)}
    return data | {"environment": environment(status)}


def _ratio(value) -> str:
    return "inf" if value is None else f"{value:.3f}"


def _rows(report: dict):
    for r in report["checks"]:
        abs_err = "nan" if r["max_abs_err"] is None else f"{r['max_abs_err']:.2g}"
        verdict = "PASS" if r["passed"] else "FAIL"
        failing, worst = str(r["failing_networks"]), str(r["worst_seed"])
        yield (r["id"], r["quantity"], abs_err, _ratio(r["ratio"]), failing, worst, verdict)


def _largest(ratios: dict) -> str:
    """The largest err/tol of a recheck's quantities (inf when one is)."""
    if not ratios:
        return "-"
    return _ratio(None if None in ratios.values() else max(ratios.values()))


def _each(entries: list[dict]) -> str:
    """ "3 networks", or "1 to 3 networks" where ranges of few seeds gave some fewer to pick."""
    counts = [sum(e["id"] == i for e in entries) for i in dict.fromkeys(e["id"] for e in entries)]
    low, high = min(counts), max(counts)
    return plural(high, "network") if low == high else f"{low} to {high} networks"


def _recheck(report: dict) -> list[str]:
    recheck = report.get("recheck", {})
    entries = recheck.get("entries", [])
    if not entries:
        return ["recheck: none (--recheck 0)", ""] if "recheck" in report else []
    rows = [
        (e["id"], str(e["seed"]), e["picked"], _largest(e["own_train"]), _largest(e["batched"]),
         _largest(e["batched_vs_own"]), "PASS" if e["passed"] else "FAIL")
        for e in entries
    ]  # fmt: skip
    lines = [
        f"recheck: {_each(entries)} of each implementation (the worst by "
        "err/tol, and at random) trained again by the port's own train, judged as "
        "`crosscheck compare --seed S` judges it (own train); the batched result against the reference "
        "(batched) and against the own train (batched vs own), with the same budget; each the largest "
        "err/tol of the quantities (the own train's with compare's trajectory):",
        *table(_recheck_columns(entries), rows),
    ]
    for e in entries:
        if not e["passed"]:
            lines += [f"  seed {e['seed']}, {e['id']}:", *(f"    {line}" for line in e["failures"])]
            lines.append(f"    rerun it: {e['rerun']}")
    return [*lines, ""]


def _closest(report: dict) -> list[str]:
    worst = max(report["checks"], key=lambda r: np.inf if r["ratio"] is None else r["ratio"], default=None)
    if worst is None:
        return []
    own = next(
        (e for e in report.get("recheck", {}).get("entries", [])
         if e["seed"] == worst["worst_seed"] and e["id"] == worst["id"]),
        None,
    )  # fmt: skip
    q = worst["quantity"]
    shown = "" if own is None else f" (its recheck row's {q}: {_ratio(own['own_train'].get(q))})"
    return [
        f"rerun the closest call ({worst['id']}, {worst['quantity']}, seed {worst['worst_seed']}, "
        f"{_ratio(worst['ratio'])} of budget) alone:",
        f"  {worst['rerun']}",
        "    judges it with the same budget (the amplification after every step, as here) but trains it "
        f"with the port's own train, not train_many: it shows the own train's err/tol{shown}",
        f"  {worst['rerun_batched']}",
        f"    the batched figure itself, {_ratio(worst['ratio'])}",
    ]


def _amplification(report: dict) -> str:
    """What the amplification (the budget multiplier) was measured for, and what it came to."""
    a, n = report["amplification"], report["seeds"]["count"]
    measured, measure = a.get("measured", n), a.get("measure", "all")
    head = (
        "amplification by the reference, the stretch of a one-ulp nudge times each step's rounding "
        "summed (budget multiplier)"
    )
    if measure == "needed" and not measured:  # only a sweep of no implementation measures none
        return (
            f"{head}: measured for none of the {plural(n, 'network')}: all pass with a stretch of 1, "
            "the tightest"
        )
    if measure == "needed":
        head += (
            f", measured for the {measured} of {plural(n, 'network')} whose verdict, worst row or recheck "
            "pick it could bear on (the others pass with a stretch of 1, the tightest budget); of those"
        )
    elif measure == "mixed":  # merged from jobs run with and without --amplification all
        head += (
            f", measured for {measured} of {plural(n, 'network')} (every network in some jobs; in the "
            "others those whose verdict, worst row or recheck pick it could bear on); of those"
        )
    over = plural(a["networks_over_100"], "network")
    return (
        f"{head}: median {a['median']:.2g}, max {a['max']:.3g} (seed {a['max_seed']}); {over} over 100, "
        "verified only that loosely"
    )


def _measures(report: dict) -> list[str]:
    lines = [
        _amplification(report),
        "devices: "
        + "; ".join(dict.fromkeys(f"{r['id']} {', '.join(r.get('devices', []))}" for r in report["checks"])),
        "time: " + ", ".join(f"{k} {v:.2f} s" for k, v in report["seconds"].items()),
        f"peak memory (resident): {report['peak_rss_mb']:.0f} MB",
    ]
    if report.get("jobs"):
        lines[-2] += f" (summed over {plural(report['jobs'], 'job')})"
        lines[-1] += " (the largest of the jobs)"
    return [*lines, *_closest(report)]


def _lesson(report: dict) -> list[str]:
    t, n = report["teaching"], report["seeds"]["count"]
    p = t["final_loss_percentiles"]
    quantiles = (("min", "0"), ("10%", "10"), ("median", "50"), ("90%", "90"), ("max", "100"))
    spread = ", ".join(f"{label} {p[q]:.2g}" for label, q in quantiles)
    return [
        "What the networks learned (NumPy reference):",
        f"  loss after epoch {t['last_logged_epoch']} (the last logged): {spread}",
        "  networks by that loss: " + ", ".join(f"{k}: {v}" for k, v in t["final_loss_bins"].items()),
        f"  Emily classified F by {t['emily_female']} of {n}, Frank M by {t['frank_male']}, "
        f"both right by {t['both_correct']} ({100 * t['both_correct'] / n:.2f}%)",
    ]


def _verdict(report: dict) -> str:
    if report.get("errors"):
        return f"ERROR: {plural(len(report['errors']), 'implementation')} raised; the others are above"
    n = report["seeds"]["count"]
    failed = [r for r in report["checks"] if not r["passed"]]
    mismatched = [e for e in report.get("recheck", {}).get("entries", []) if not e["passed"]]
    if failed or mismatched:
        parts = (
            [f"{plural(len(failed), 'row disagrees', 'rows disagree')} on at least one network"]
            if failed
            else []
        )
        if mismatched:
            seeds = ", ".join(f"{e['id']} seed {e['seed']}" for e in mismatched)
            parts.append(
                f"the port's own train disagrees on {plural(len(mismatched), 'rechecked network')} ({seeds})"
            )
        return "FAIL: " + "; ".join(parts)
    everyone = f"all {n} networks" if n != 1 else "the 1 network"
    return f"PASS: every framework agrees with the reference on {everyone}"


def render(report: dict) -> str:
    """The sweep report as text."""
    seeds, n = report["seeds"], report["seeds"]["count"]
    ranges = ", ".join(f"{a}..{a + k - 1}" for a, k in seeds.get("ranges", [[seeds["first"], n]]))
    merged = f", merged from {plural(report['jobs'], 'job')}" if report.get("jobs") else ""
    lines = [
        f"nn-crosscheck sweep: {plural(n, 'network')} (seeds {ranges}{merged}), {report['dtype']}, each",
        "framework against the NumPy reference, network by network",
        *report.get("skipped", []),
        "",
        *table(_columns(report["checks"]), _rows(report)),
        "",
        *_recheck(report),
        *_measures(report),
        "",
        *_lesson(report),
        "",
        *(f"ERROR: {e['id']}: {e['error']}; left out of the rows" for e in report.get("errors", [])),
        _verdict(report),
    ]
    return "\n".join(lines)
