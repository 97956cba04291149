"""What a sweep keeps of N networks, chunk by chunk, in a size that does not grow with N: each
row's worst network and counts, histograms of the amplification and of the final losses; and
the same for several reports merged (independent jobs over disjoint seed ranges)."""

import itertools
import math
import sys

import numpy as np

from nn_crosscheck.reference.article import LOG_EVERY

from ..cases import Case
from ..judge import Check
from ..tolerances import TOLERANCES

QUANTITIES = ("loss_log", "final_params", "predictions")
FIELDS = {"loss_log": "losses", "final_params": "params", "predictions": "predictions"}
BINS_PER_DECADE = 100  # histogram bins: a value is known to within 10^(1/100), 2.3%
LOSS_BINS = (
    ("< 0.001", 0, 1e-3),
    ("0.001-0.01", 1e-3, 1e-2),
    ("0.01-0.1", 1e-2, 0.1),
    (">= 0.1", 0.1, np.inf),
)
PERCENTILES = (0, 10, 50, 90, 100)


def judge(quantity: str, got: np.ndarray, expected: np.ndarray, dtype: str, magnitude) -> tuple:
    """Network by network, with the judge `compare` uses: each network's elements against the
    budget of their magnitude. got, expected: (N, k). Returns each network's largest err/tol
    (N,), inf where NaN, and the absolute errors (N, k)."""
    if got.shape != expected.shape:
        got = np.full(expected.shape, np.nan)  # results of another shape: every network fails
    magnitude = np.broadcast_to(magnitude, expected.shape)
    budget = TOLERANCES[quantity].budget(magnitude, dtype)
    check = Check(quantity, "", (), got, expected, budget, magnitude)  # unlabelled: N may be millions
    return check.ratios.max(axis=-1), check.abs_err


def judged(case: Case, got: dict, ref: dict, magnitudes: dict) -> dict:
    """One chunk of one case against the reference: {quantity: (each network's largest err/tol,
    the absolute errors)}."""
    return {q: judge(q, got[q], ref[q], case.dtype, magnitudes[q]) for q in QUANTITIES}


def histogram(values: np.ndarray) -> dict[str, int]:
    """{bin: count}, bin k holding [10^(k/100), 10^((k+1)/100)); "0" and "nonfinite" apart."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values) & (values > 0)]
    keys, counts = np.unique(
        np.floor(np.log10(finite) * BINS_PER_DECADE).astype(np.int64), return_counts=True
    )
    out = {str(k): int(c) for k, c in zip(keys, counts)}
    for label, n in (("zero", np.sum(values == 0)), ("nonfinite", np.sum(~np.isfinite(values)))):
        if n:
            out[label] = int(n)
    return out


def add_histograms(a: dict, b: dict) -> dict:
    return {k: a.get(k, 0) + b.get(k, 0) for k in sorted({*a, *b}, key=_bin_order)}


def _bin_order(key: str) -> float:
    return {"zero": -math.inf, "nonfinite": math.inf}.get(key) or float(key)


def percentile(hist: dict, q: float, low: float, high: float) -> float:
    """The q-th percentile from the histogram: the centre of its bin; the exact minimum and
    maximum at 0 and 100."""
    if q <= 0 or q >= 100:
        return low if q <= 0 else high
    total, rank, seen = sum(hist.values()), None, 0
    rank = q / 100 * (total - 1)
    for key in sorted(hist, key=_bin_order):
        seen += hist[key]
        if seen > rank:
            if key in ("zero", "nonfinite"):
                return 0.0 if key == "zero" else math.inf
            return float(min(high, max(low, 10 ** ((int(key) + 0.5) / BINS_PER_DECADE))))
    return high


def flags(case: Case, *, with_reference: bool = True) -> str:
    """The selection flags that name this one implementation (and the reference, for compare)."""
    frameworks = f"numpy,{case.framework}" if with_reference else case.framework
    return f"--frameworks {frameworks} --devices {case.device} --dtypes {case.dtype} --modes {case.mode}"


class Row:
    """One implementation x quantity over every network so far: the worst (largest err/tol,
    the lowest seed among equals), the largest finite |error|, how many networks failed."""

    def __init__(self, case: Case, quantity: str):
        self.case, self.quantity = case, quantity
        self.ratio, self.worst_seed, self.failing, self.max_abs_err = -math.inf, None, 0, None
        self.devices: list[str] = []

    def add(self, ratios: np.ndarray, abs_err: np.ndarray, seed0: int, devices) -> None:
        i = int(np.argmax(ratios))
        if ratios[i] > self.ratio:
            self.ratio, self.worst_seed = float(ratios[i]), seed0 + i
        self.failing += int(np.sum(~(ratios <= 1.0)))
        finite = abs_err[np.isfinite(abs_err)]
        if finite.size:
            self.max_abs_err = max(self.max_abs_err or 0.0, float(finite.max()))
        self.devices = list(dict.fromkeys([*self.devices, *devices]))

    def entry(self, first_seed: int) -> dict:
        c, seed = self.case, self.worst_seed
        return {
            "id": c.id, "framework": c.framework, "device": c.device, "dtype": c.dtype, "mode": c.mode,
            "quantity": self.quantity,
            "max_abs_err": self.max_abs_err,
            "ratio": self.ratio if math.isfinite(self.ratio) else None,
            "worst_seed": self.worst_seed,
            "worst_network": self.worst_seed - first_seed,
            "failing_networks": self.failing,
            "passed": self.failing == 0,
            "devices": self.devices,
            "rerun": f"crosscheck compare --seed {seed} {flags(c)}",
            "rerun_batched": f"crosscheck sweep --first-seed {seed} --seeds 1 "
            + flags(c, with_reference=False),
        }  # fmt: skip


class Totals:
    """The running aggregates of a sweep: the rows, the amplification, the teaching view."""

    def __init__(self, cases: list[Case], dtype: str):
        self.dtype = dtype
        self.rows = {(c, q): Row(c, q) for c in cases for q in QUANTITIES}
        self.amp = {"measured": 0, "max": -math.inf, "max_seed": None, "networks_over_100": 0}
        self.amp["histogram"] = {}
        self.loss = {"min": math.inf, "max": -math.inf, "histogram": {}, "last_logged_epoch": None}
        self.counts = {"bins": dict.fromkeys((b[0] for b in LOSS_BINS), 0), "emily": 0, "frank": 0, "both": 0}

    def amplification(self, amp: np.ndarray, seeds: np.ndarray) -> None:
        """The measured networks' amplification (all of them, or those the verdict needed)."""
        self.amp["measured"] += len(amp)
        if not len(amp):
            return
        i = int(np.argmax(amp))
        if amp[i] > self.amp["max"]:
            self.amp["max"], self.amp["max_seed"] = float(amp[i]), int(seeds[i])
        self.amp["networks_over_100"] += int(np.sum(amp > 100))
        self.amp["histogram"] = add_histograms(self.amp["histogram"], histogram(amp))

    def reference(self, ref: dict) -> None:
        final = ref["loss_log"][:, -1]
        self.loss["last_logged_epoch"] = (ref["loss_log"].shape[1] - 1) * LOG_EVERY
        self.loss["min"], self.loss["max"] = (
            min(self.loss["min"], final.min()),
            max(self.loss["max"], final.max()),
        )
        self.loss["histogram"] = add_histograms(self.loss["histogram"], histogram(final))
        for label, lo, hi in LOSS_BINS:
            self.counts["bins"][label] += int(np.sum((final >= lo) & (final < hi)))
        emily, frank = ref["predictions"][:, 0] > 0.5, ref["predictions"][:, 1] < 0.5
        self.counts["emily"] += int(emily.sum())
        self.counts["frank"] += int(frank.sum())
        self.counts["both"] += int((emily & frank).sum())

    def add(self, case: Case, by_quantity: dict, seed0: int, devices) -> np.ndarray:
        """One chunk of one case, judged (`judged`), into its rows; returns each network's
        largest err/tol over the quantities."""
        for q, (ratios, abs_err) in by_quantity.items():
            self.rows[case, q].add(ratios, abs_err, seed0, devices)
        return np.max([ratios for ratios, _ in by_quantity.values()], axis=0)

    def result(self, first_seed: int, count: int) -> dict:
        amp = dict(self.amp)
        amp["max"] = amp["max"] if amp["measured"] else None
        amp["median"] = percentile(amp["histogram"], 50, 1.0, amp["max"]) if amp["measured"] else None
        return {
            "command": "sweep",
            "seeds": {"first": first_seed, "count": count, "ranges": [[first_seed, count]]},
            "dtype": self.dtype,
            "checks": [row.entry(first_seed) for row in self.rows.values()],
            "amplification": amp,
            "teaching": teaching(self.loss, self.counts),
        }


def teaching(loss: dict, counts: dict) -> dict:
    """How the networks learned, by the reference: final losses and the two predictions."""
    hist = loss["histogram"]
    return {
        "last_logged_epoch": loss["last_logged_epoch"],
        "final_loss_percentiles": {
            str(q): percentile(hist, q, loss["min"], loss["max"]) for q in PERCENTILES
        },
        "final_loss_histogram": hist,
        "final_loss_bins": counts["bins"],
        "emily_female": counts["emily"],
        "frank_male": counts["frank"],
        "both_correct": counts["both"],
    }


def with_verdict(result: dict) -> dict:
    rechecked = result.get("recheck", {}).get("entries", [])
    passed = all(r["passed"] for r in result["checks"]) and all(e["passed"] for e in rechecked)
    verdict = "error" if result.get("errors") else "pass" if passed else "fail"
    return {"verdict": verdict, **result}


# Merging reports of separate jobs.


class MergeError(ValueError):
    """Reports that cannot be one sweep: another dtype, other implementations, overlapping seeds."""


def _ranges(reports: list[dict]) -> list[list[int]]:
    ranges = sorted(r for report in reports for r in report["seeds"]["ranges"])
    for (a, n), (b, _) in itertools.pairwise(ranges):
        if b < a + n:
            raise MergeError(f"seed ranges overlap: {a}..{a + n - 1} and one from {b}")
    joined: list[list[int]] = []
    for a, n in ranges:
        if joined and joined[-1][0] + joined[-1][1] == a:
            joined[-1][1] += n
        else:
            joined.append([a, n])
    return joined


def _merge_rows(reports: list[dict], first: int) -> list[dict]:
    keys = [(r["id"], r["quantity"]) for r in reports[0]["checks"]]
    for report in reports[1:]:
        if [(r["id"], r["quantity"]) for r in report["checks"]] != keys:
            raise MergeError("the reports check different implementations or quantities")
    rows = []
    for i, _ in enumerate(keys):
        parts = [report["checks"][i] for report in reports]
        worst = max(parts, key=lambda r: (math.inf if r["ratio"] is None else r["ratio"], -r["worst_seed"]))
        errors = [r["max_abs_err"] for r in parts if r["max_abs_err"] is not None]
        failing = sum(r["failing_networks"] for r in parts)
        rows.append(
            dict(worst)
            | {
                "max_abs_err": max(errors) if errors else None,
                "worst_network": worst["worst_seed"] - first,
                "failing_networks": failing,
                "passed": failing == 0,
                "devices": list(dict.fromkeys(d for r in parts for d in r.get("devices", []))),
            }
        )
    return rows


def _merge_teaching(reports: list[dict]) -> dict:
    parts = [r["teaching"] for r in reports]
    hist = {}
    for t in parts:
        hist = add_histograms(hist, t["final_loss_histogram"])
    loss = {
        "histogram": hist,
        "min": min(t["final_loss_percentiles"]["0"] for t in parts),
        "max": max(t["final_loss_percentiles"]["100"] for t in parts),
        "last_logged_epoch": parts[0]["last_logged_epoch"],
    }
    counts = {
        "bins": {k: sum(t["final_loss_bins"][k] for t in parts) for k in parts[0]["final_loss_bins"]},
        "emily": sum(t["emily_female"] for t in parts),
        "frank": sum(t["frank_male"] for t in parts),
        "both": sum(t["both_correct"] for t in parts),
    }
    return teaching(loss, counts)


def _merge_amplification(reports: list[dict]) -> dict:
    # A report without "measured" measured every network (written before the choice existed).
    parts = [{"measured": r["seeds"]["count"], "measure": "all"} | r["amplification"] for r in reports]
    measured = [a for a in parts if a["measured"] and a["max"] is not None]
    worst = max(measured, key=lambda a: (a["max"], -a["max_seed"]), default=None)
    hist = {}
    for a in parts:
        hist = add_histograms(hist, a["histogram"])
    top = None if worst is None else worst["max"]
    return {
        "measured": sum(a["measured"] for a in parts),
        "max": top,
        "max_seed": None if worst is None else worst["max_seed"],
        "networks_over_100": sum(a["networks_over_100"] for a in parts),
        "histogram": hist,
        "median": None if worst is None else percentile(hist, 50, 1.0, top),
        "measure": parts[0]["measure"] if len({a["measure"] for a in parts}) == 1 else "mixed",
    }


def merge(reports: list[dict]) -> dict:
    """Sweep reports of disjoint seed ranges as one report (less the environment)."""
    if any(r.get("command") != "sweep" for r in reports):
        raise MergeError("not a sweep report (written by crosscheck sweep --json)")
    if len({r["dtype"] for r in reports}) > 1:
        raise MergeError(
            f"the reports are of different dtypes: {', '.join(sorted({r['dtype'] for r in reports}))}"
        )
    ranges = _ranges(reports)
    reports = sorted(reports, key=lambda r: r["seeds"]["ranges"][0][0])  # in seed order, as given or not
    first, count = ranges[0][0], sum(n for _, n in ranges)
    seconds: dict[str, float] = {}
    for r in reports:
        for k, v in r["seconds"].items():
            seconds[k] = seconds.get(k, 0.0) + v
    return {
        "command": "sweep",
        "seeds": {"first": first, "count": count, "ranges": ranges},
        "dtype": reports[0]["dtype"],
        "checks": _merge_rows(reports, first),
        "amplification": _merge_amplification(reports),
        "teaching": _merge_teaching(reports),
        "recheck": {
            "networks_each": reports[0]["recheck"]["networks_each"],
            "entries": [e for r in reports for e in r["recheck"]["entries"]],
        },
        "seconds": seconds,
        "peak_rss_mb": max(r["peak_rss_mb"] for r in reports),
        "skipped": list(dict.fromkeys(s for r in reports for s in r.get("skipped", []))),
        "errors": [e for r in reports for e in r.get("errors", [])],  # each job's, so none is lost
        "jobs": len(reports),
    }


class Progress:
    """A progress bar on stderr over `total` network-trainings (tqdm where installed, else a
    line a stage); nothing with quiet."""

    def __init__(self, total: int, *, quiet: bool):
        self.quiet, self.bar = quiet, None
        if quiet:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, unit="net", unit_scale=True, file=sys.stderr, dynamic_ncols=True)

    def stage(self, text: str) -> None:
        if self.bar is not None:
            self.bar.set_description_str(text, refresh=True)
        elif not self.quiet:
            print(text + " ...", file=sys.stderr, flush=True)

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
