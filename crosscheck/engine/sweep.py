"""N networks from N initial draws, trained at once in every framework (vectorised, no loop
over networks), judged network by network (`crosscheck sweep`); a sample of them then rerun
through each port's own `train`; and the reports of separate seed ranges merged into one.

Network i starts from the article's draw under seed first_seed + i, so any one of them can be
rerun alone with `crosscheck compare --seed S`, which judges it with the same budget: the
amplification is measured after every step in both (amplification.py).

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

from reference import ALL_Y_TRUES, DATA, EMILY, FRANK, PARAM_NAMES, draw_many

from . import sweep_stats as stats
from .amplification import NudgedRun, feedforward
from .cases import Case
from .magnitudes import logged_loss_magnitude, prediction_magnitude
from .sweep_recheck import Candidates, recheck, recheck_seeds
from .tolerances import NUDGE_DIRECTIONS, value_scale

QUANTITIES = stats.QUANTITIES
PREDICT = np.array([EMILY, FRANK])
# Networks at once in every framework: 10,000 in one chunk (torch pays ~0.5 s of per-step
# overhead a chunk); small enough that the arrays of a chunk (~100 MB) do not show beside the
# frameworks' own ~1.2 GB, so memory is flat in N.
CHUNK = 16_384
PAD = 64  # every chunk a multiple of this many networks (see above)
# The reference's batch (x4 with the nudged copies). With its buffers reused, the size matters
# little past a few thousand networks (10,000 networks on a loaded 2-core machine: 6.5 s in one
# batch, 6.8 s in blocks of 4,096, 7.0 s of 2,048, 11.6 s of 1,024, Python's per-operation
# overhead then dominating); a block keeps the reference process's memory bounded.
REFERENCE_BLOCK = 8192
MAX_SEEDS = 10_000_000  # memory stays flat (chunks); the limit is time, ~20 minutes a million here


def reference_block(params: dict, dtype: str):
    """The reference for N networks, with each network's amplification measured after every
    step: returns (losses (N, 100), trained (N, 9), predictions (N, 2)) as float64, the
    amplification at the end (N,), and each logged loss's own magnitude (N, 100), taken at the
    parameters and the amplification of that moment (as `compare` takes them)."""
    run, logged = NudgedRun(params, dtype), []

    def on_logged(r):
        columns = {p: row.astype(np.float64) for p, row in zip(PARAM_NAMES, r.networks)}
        logged.append(logged_loss_magnitude(columns, r.worst, dtype))

    losses = run.train(on_logged=on_logged)
    predictions = np.stack([feedforward(run.networks, x, dtype) for x in PREDICT.astype(dtype)], -1)
    as64 = [a.astype(np.float64) for a in (losses[: run.n], run.networks.T, predictions)]
    return as64, run.worst.copy(), np.stack(logged, -1)


def reference_chunk(params: dict, dtype: str):
    n = len(params[PARAM_NAMES[0]])
    parts = [
        reference_block({p: v[i : i + REFERENCE_BLOCK] for p, v in params.items()}, dtype)
        for i in range(0, n, REFERENCE_BLOCK)
    ]
    fields = [np.concatenate([part[0][j] for part in parts]) for j in range(3)]
    return dict(zip(stats.QUANTITIES, fields)), *(np.concatenate([part[i] for part in parts]) for i in (1, 2))


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


REFERENCE = "numpy reference and amplification"


def reference_results(first_seed: int, count: int, dtype: str):
    """Each chunk's reference in order: (results, amplification at the end, magnitudes, seconds)."""
    for seed0, n in chunks(first_seed, count)[0]:
        start = time.perf_counter()
        ref, amp, logged = reference_chunk(draw_many(seed0, n), dtype)
        yield ref, amp, budget_magnitudes(ref, amp, logged, dtype), time.perf_counter() - start


def _produce(first_seed: int, count: int, dtype: str, out) -> None:
    try:
        for item in reference_results(first_seed, count, dtype):
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

    def __init__(self, first_seed: int, count: int, dtype: str):
        import multiprocessing

        self.args, self.peak_rss_mb, self.process = (first_seed, count, dtype), 0.0, None
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


def sweep(
    cases: list[Case],
    first_seed: int,
    count: int,
    dtype: str,
    *,
    recheck_k: int = 3,
    progress=None,
    reference: ReferenceProcess | None = None,
) -> dict:
    """Train `count` networks from seeds first_seed.. in the reference and in each case, chunk
    by chunk; judge each quantity network by network; then rerun `recheck_k` networks of each
    case (the worst by err/tol, and random ones) through the port's own train. `reference`:
    where the reference's chunks come from (started early by the command; default: started
    here). The result, as the JSON report holds it (less the environment)."""
    progress = progress or stats.Progress(0, quiet=True)
    clock, start = _Clock(), time.perf_counter()
    total = stats.Totals(cases, dtype)
    pieces, length = chunks(first_seed, count)
    candidates = {c: Candidates(*recheck_seeds(first_seed, count, recheck_k)) for c in cases}
    reference = reference or ReferenceProcess(first_seed, count, dtype)
    try:
        references = iter(reference)
        for seed0, n in pieces:
            params, results = draw_many(seed0, n), {}
            for case in cases:
                progress.stage(f"{case.id}, seeds {seed0}..{seed0 + n - 1}")
                t = time.perf_counter()
                results[case] = batched(case, params, length, n)
                clock.add(case.id, t)
                progress.advance(n)
            progress.stage(
                f"reference, seeds {seed0}..{seed0 + n - 1}, {2 * len(NUDGE_DIRECTIONS)} nudged copies"
            )
            t = time.perf_counter()
            ref, amp, magnitudes, seconds = next(references)
            clock.add("waiting for the reference", t)
            clock.seconds[REFERENCE] = clock.seconds.get(REFERENCE, 0.0) + seconds
            total.reference(ref, amp, seed0)
            progress.advance(n)
            for case, (got, devices) in results.items():
                candidates[case].offer(total.judge(case, got, ref, magnitudes, seed0, devices), got, seed0)
        next(references, None)  # the process's last word: its peak memory
    finally:
        reference.close()
    t = time.perf_counter()
    progress.stage(f"recheck: {recheck_k} networks of each implementation through its own train")
    entries = recheck(cases, candidates, dtype) if recheck_k else []
    clock.add("recheck through each port's train", t)
    clock.seconds["total"] = time.perf_counter() - start
    result = total.result(first_seed, count)
    result["recheck"] = {"networks_each": recheck_k, "entries": entries}
    result["seconds"] = clock.seconds
    result["peak_rss_mb"] = peak_rss_mb() + reference.peak_rss_mb
    result["peak_rss_mb_by_process"] = {"sweep": peak_rss_mb(), "reference": reference.peak_rss_mb}
    return stats.with_verdict(result)


def merge(reports: list[dict]) -> dict:
    """Several sweep reports of disjoint seed ranges (independent jobs) as one: the verdict, each
    row's worst network, counts and histograms over them all (sweep_stats.merge)."""
    return stats.with_verdict(stats.merge(reports))
