"""The sweep report as text and as JSON."""

import numpy as np

from .json import SCHEMA_VERSION, environment
from .table import Column, table

COLUMNS = (
    Column("implementation", 24),
    Column("quantity", 13),
    Column("max abs err", 11, ">"),
    Column("err/tol", 9, ">"),
    Column("failing", 7, ">"),
    Column("worst seed", 10, ">"),
    Column("verdict"),
)


def to_json(result: dict, status: dict, skipped=()) -> dict:
    """`skipped`: a line for each selected implementation the sweep could not run, and why."""
    data = {"schema_version": SCHEMA_VERSION, **result, "skipped": list(skipped)}
    return data | {"environment": environment(status)}


def _rows(report: dict):
    for r in report["checks"]:
        ratio = "inf" if r["ratio"] is None else f"{r['ratio']:.3f}"
        abs_err = "nan" if r["max_abs_err"] is None else f"{r['max_abs_err']:.2g}"
        verdict = "PASS" if r["passed"] else "FAIL"
        failing, worst = str(r["failing_networks"]), str(r["worst_seed"])
        yield (r["id"], r["quantity"], abs_err, ratio, failing, worst, verdict)


def _measures(report: dict) -> list[str]:
    a = report["amplification"]
    lines = [
        f"amplification of a one-ulp nudge by the reference (budget multiplier): median {a['median']:.2g}, "
        f"max {a['max']:.3g} (seed {a['max_seed']}); {a['networks_over_100']} networks over 100, "
        "verified only that loosely",
        "time: " + ", ".join(f"{k} {v:.2f} s" for k, v in report["seconds"].items()),
        f"peak memory (resident): {report['peak_rss_mb']:.0f} MB",
    ]
    worst = max(report["checks"], key=lambda r: np.inf if r["ratio"] is None else r["ratio"], default=None)
    if worst is not None:
        lines.append(f"rerun the closest call alone: {worst['rerun']}")
    return lines


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


def render(report: dict) -> str:
    """The sweep report as text."""
    seeds, n = report["seeds"], report["seeds"]["count"]
    last = seeds["first"] + n - 1
    failed = [r for r in report["checks"] if not r["passed"]]
    if failed:
        verdict = f"FAIL: {len(failed)} rows disagree on at least one network"
    else:
        verdict = f"PASS: every framework agrees with the reference on all {n} networks"
    lines = [
        f"nn-crosscheck sweep: {n} networks (seeds {seeds['first']}..{last}), {report['dtype']}, each",
        "framework against the NumPy reference, network by network",
        *report.get("skipped", []),
        "",
        *table(COLUMNS, _rows(report)),
        "",
        *_measures(report),
        "",
        *_lesson(report),
        "",
        verdict,
    ]
    return "\n".join(lines)
