"""N networks from N initial draws, trained at once in every framework (vectorised, no loop
over networks), judged network by network (`crosscheck sweep`); a sample of them then rerun
through each port's own `train`; and the reports of separate seed ranges merged into one.

Network i starts from the article's draw under seed first_seed + i, so any one of them can be
rerun alone with `crosscheck compare --seed S`, which judges it with the same budget: the
amplification is measured after every step in both (amplification.py). The sweep measures it
only for the networks whose verdict, worst row or recheck pick depends on it, the others passing
with the tightest budget (sweep/reference.py), unless asked for every network.

Memory stays flat in N: the networks go through in chunks of at most CHUNK, each chunk through
every framework here and through the reference in a process of its own (ReferenceProcess), and
only running aggregates are kept (the worst network of each row, counts, histograms). Every
chunk is padded to the same length, a multiple
of PAD, with copies of its first network: compiled frameworks then compile once, and each
network's numbers do not depend on where it sits in the batch (vectorised kernels round the
ragged end of an array with their scalar code; measured with torch), so two halves of a range
run as separate jobs give the whole range's numbers exactly.
"""

import resource
import sys
import time
import traceback
import warnings

import numpy as np

from nn_crosscheck.reference import ALL_Y_TRUES, DATA, PARAM_NAMES, draw_many

from ..cases import Case
from ..tolerances import NUDGE_DIRECTIONS
from . import stats
from .recheck import Candidates, recheck, recheck_seeds
from .reference import PREDICT, budget_magnitudes, reference_chunk, settle

QUANTITIES = stats.QUANTITIES
# Networks at once in every framework: 10,000 in one chunk (torch pays ~0.5 s of per-step
# overhead a chunk); small enough that the arrays of a chunk (~100 MB) do not show beside the
# frameworks' own ~1.2 GB, so memory is flat in N.
CHUNK = 16_384
PAD = 64  # every chunk a multiple of this many networks (see above)
MAX_SEEDS = 10_000_000  # memory stays flat (chunks); the limit is time, ~20 minutes a million here


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def chunks(first_seed: int, count: int):
    """(first seed, number of networks) of each chunk, and the one padded length of all: up to
    CHUNK networks in one chunk; past that, chunks of CHUNK, the last padded to it, so that a
    chunk's memory is the same whatever N."""
    size = CHUNK if count > CHUNK else count
    padded = -(-size // PAD) * PAD
    return [(first_seed + i, min(size, count - i)) for i in range(0, count, size)], padded


def padded(params: dict, length: int) -> dict:
    n = len(params[PARAM_NAMES[0]])
    return {p: np.concatenate([v, np.repeat(v[:1], length - n)]) for p, v in params.items()}


def batched(case: Case, params: dict, length: int, n: int) -> tuple[dict, list[str]]:
    """The case's train_many on the chunk padded to `length`; its first n networks' results and
    the devices it used."""
    got = case.port.train_many(padded(params, length), DATA, ALL_Y_TRUES, PREDICT, **case.kwargs)
    devices = list(getattr(got, "devices", None) or [f"{case.device}:0"])
    return {key: np.asarray(getattr(got, f))[:n] for key, f in stats.FIELDS.items()}, devices


class _Clock:
    def __init__(self):
        self.seconds: dict[str, float] = {}

    def add(self, label: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[label] = self.seconds.get(label, 0.0) + now - since
        return now


REFERENCE = "numpy reference"
SETTLE = "amplification where needed"


def reference_results(first_seed: int, count: int, dtype: str, nudge: bool):
    """Each chunk's reference in order: (results, amplification at the end, magnitudes, nudge,
    seconds); without nudge, the networks alone (amplification 1)."""
    for seed0, n in chunks(first_seed, count)[0]:
        start = time.perf_counter()
        ref, amp, logged = reference_chunk(draw_many(seed0, n), dtype, nudge)
        magnitudes = budget_magnitudes(ref, amp, logged, dtype)
        yield ref, amp, magnitudes, nudge, time.perf_counter() - start


def _produce(first_seed: int, count: int, dtype: str, nudge: bool, out) -> None:
    try:
        for item in reference_results(first_seed, count, dtype, nudge):
            out.put(item)
        out.put(("done", peak_rss_mb()))
    except BaseException:  # everything goes back to the parent, which raises it
        out.put(("error", traceback.format_exc()))


class ReferenceProcess:
    """The reference's chunks computed in a child process, forked before any framework is
    imported, a chunk ahead of the frameworks: the NumPy reference (the largest single
    part of a sweep) and the frameworks' imports and runs then use two cores at once. Where
    fork is unavailable (Windows), or a framework is already imported (their thread pools do
    not survive a fork: a sweep called from a test), the chunks are computed in this process
    when asked for; the numbers are the same either way."""

    def __init__(self, first_seed: int, count: int, dtype: str, amplification: str = "needed"):
        import multiprocessing

        self.amplification = amplification
        self.args = (first_seed, count, dtype, amplification == "all")
        self.peak_rss_mb, self.process = 0.0, None
        loaded = any(name in sys.modules for name in ("torch", "jax", "tensorflow"))
        if "fork" in multiprocessing.get_all_start_methods() and not loaded:
            context = multiprocessing.get_context("fork")
            self.queue = context.Queue(maxsize=1)
            self.process = context.Process(target=_produce, args=(*self.args, self.queue), daemon=True)
            with warnings.catch_warnings():
                # Python 3.12+ warns of a fork in any process with a second thread, and NumPy's
                # OpenBLAS starts an idle pool at import. The child runs NumPy ufuncs only
                # (no BLAS, no lock another thread could hold), so the warning does not apply.
                warnings.filterwarnings("ignore", r"This process .*is multi-threaded", DeprecationWarning)
                self.process.start()

    def __iter__(self):
        if self.process is None:
            yield from reference_results(*self.args)
            return
        while True:
            item = self._get()
            if item[0] == "done":
                self.peak_rss_mb = item[1]
                self.process.join()
                return
            yield item

    def _get(self):
        import queue

        while True:
            try:
                item = self.queue.get(timeout=1)
            except queue.Empty:
                if not self.process.is_alive():
                    raise RuntimeError(
                        f"the reference process ended (exit {self.process.exitcode})"
                    ) from None
                continue
            if item[0] == "error":
                raise RuntimeError(f"the reference process failed:\n{item[1]}")
            return item

    def close(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()


def _judge_chunk(results: dict, params: dict, reference_item, total, candidates, seed0: int, clock) -> None:
    """Judge one chunk of every case against its reference; where the reference came without the
    amplification, measure it for the networks that need it first (reference.settle)."""
    ref, amp, magnitudes, nudged, _ = reference_item
    got = {case: r[0] for case, r in results.items()}
    judged = {case: stats.judged(case, got[case], ref, magnitudes) for case in results}
    measured = np.ones(len(amp), bool)
    if not nudged:
        t = time.perf_counter()
        amp, measured = settle(params, ref, got, judged, total.dtype, total.rows, candidates, amp)
        clock.add(SETTLE, t)
    total.reference(ref)
    total.amplification(amp[measured], seed0 + np.flatnonzero(measured))
    for case, (got_case, devices) in results.items():
        candidates[case].offer(total.add(case, judged[case], seed0, devices), got_case, seed0)


def _train_chunk(cases, errors: dict, params: dict, chunk: tuple, progress, clock) -> dict:
    """One chunk's batched run of every case; a case whose train_many raises goes into `errors`
    and is left out of the chunks after it."""
    seed0, n, length = chunk
    results = {}
    for case in cases:
        progress.stage(f"{case.id}, seeds {seed0}..{seed0 + n - 1}")
        t = time.perf_counter()
        if case not in errors:
            try:
                results[case] = batched(case, params, length, n)
            except Exception as error:
                errors[case] = f"train_many raised {type(error).__name__}: {error} (seeds {seed0}..)"
        clock.add(case.id, t)
        progress.advance(n)
    return results


def sweep(
    cases: list[Case],
    first_seed: int,
    count: int,
    dtype: str,
    *,
    recheck_k: int = 3,
    amplification: str = "needed",
    progress=None,
    reference: ReferenceProcess | None = None,
) -> dict:
    """Train `count` networks from seeds first_seed.. in the reference and in each case, chunk
    by chunk; judge each quantity network by network, with the amplification of every network
    measured (amplification "all") or of those whose verdict needs it ("needed",
    sweep/reference.py); then rerun `recheck_k` networks of each case (the worst by err/tol, and
    random ones) through the port's own train. `reference`: where the reference's chunks come
    from (started early by the command, with the same `amplification`; default: started here).
    The result, as the JSON report holds it (less the environment)."""
    progress = progress or stats.Progress(0, quiet=True)
    clock, start = _Clock(), time.perf_counter()
    total = stats.Totals(cases, dtype)
    pieces, length = chunks(first_seed, count)
    candidates = {c: Candidates(*recheck_seeds(first_seed, count, recheck_k)) for c in cases}
    reference = reference or ReferenceProcess(first_seed, count, dtype, amplification)
    if reference.amplification != amplification:
        raise ValueError(f"the reference process measures {reference.amplification}, not {amplification}")
    copies = (
        f"{2 * len(NUDGE_DIRECTIONS)} nudged copies"
        if amplification == "all"
        else "the networks alone, then the amplification where needed"
    )
    errors: dict[Case, str] = {}  # a case whose train_many raised: left out from then on, an ERROR
    try:
        references = iter(reference)
        for seed0, n in pieces:
            params = draw_many(seed0, n)
            results = _train_chunk(cases, errors, params, (seed0, n, length), progress, clock)
            progress.stage(f"reference, seeds {seed0}..{seed0 + n - 1}, {copies}")
            t = time.perf_counter()
            item = next(references)
            clock.add("waiting for the reference", t)
            clock.seconds[REFERENCE] = clock.seconds.get(REFERENCE, 0.0) + item[-1]
            _judge_chunk(results, params, item, total, candidates, seed0, clock)
            progress.advance(n)
        next(references, None)  # the process's last word: its peak memory
    finally:
        reference.close()
    t = time.perf_counter()
    progress.stage(f"recheck: {recheck_k} networks of each implementation through its own train")
    ran = [c for c in cases if c not in errors]
    entries = recheck(ran, candidates, dtype) if recheck_k and ran else []
    clock.add("recheck through each port's train", t)
    clock.seconds["total"] = time.perf_counter() - start
    total.rows = {key: row for key, row in total.rows.items() if key[0] not in errors}
    result = total.result(first_seed, count)
    result["errors"] = [{"id": c.id, "error": message} for c, message in errors.items()]
    result["amplification"]["measure"] = amplification
    result["recheck"] = {"networks_each": recheck_k, "entries": entries}
    result["seconds"] = clock.seconds
    result["peak_rss_mb"] = peak_rss_mb() + reference.peak_rss_mb
    result["peak_rss_mb_by_process"] = {"sweep": peak_rss_mb(), "reference": reference.peak_rss_mb}
    return stats.with_verdict(result)


def merge(reports: list[dict]) -> dict:
    """Several sweep reports of disjoint seed ranges (independent jobs) as one: the verdict, each
    row's worst network, counts and histograms over them all (stats.merge)."""
    return stats.with_verdict(stats.merge(reports))
