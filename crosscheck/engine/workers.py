"""Implementations in worker processes: each task (one implementation through compare's checks,
or one mutant of the self-test) runs in a process of a pool, at most `jobs` at once, longest
expected first.

The pool is pebble's ProcessPool, its processes started with spawn, so that a worker imports
only the frameworks of the tasks it is given, and inherits no state of the parent's. The pool
ends a task that runs past its time limit, and tells a worker that died (a segfault, os._exit)
from a task that raised: either is a `Failed` result saying what happened, and the other tasks
still run. What every task of a dtype is judged against, the reference's training run and its
amplification, is computed once, by a worker while the parent selects the cases, and handed to
every task (engine/shared.py). `jobs=1` runs every task here, in this process, one after
another, as for debugging.
"""

import concurrent.futures
import contextlib
import gc
import importlib.util
import os
import signal
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nn_crosscheck import ports
from nn_crosscheck.ports import registry

from ..errors import UsageError
from . import shared

DEFAULT_TIMEOUT = 600.0  # seconds a task may run in a worker: TensorFlow eager takes ~20-60 s here
DEFAULT_EXPECTED = 10.0  # seconds expected of a mode whose port declares nothing (EXPECTED_SECONDS)


JOBS = "NN_CROSSCHECK_JOBS"  # the default number of workers, where set (the test suite: 1)


def default_jobs() -> int:
    """NN_CROSSCHECK_JOBS, else as many workers as this process may use cores."""
    if os.environ.get(JOBS, "").strip():
        try:
            jobs = int(os.environ[JOBS])
        except ValueError:
            jobs = 0
        if jobs < 1:
            raise UsageError(f"{JOBS}={os.environ[JOBS]!r}: must be a whole number of workers, 1 or more")
        return jobs
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Failed:
    """A task that gave no result: its worker died, it ran out of time, or the worker raised
    outside the checks (the task could not even be set up)."""

    note: str
    traceback: str = ""


@dataclass
class Timing:
    """Where a run's time went: wall and CPU seconds (this process and its workers), and the
    critical path: the busiest worker's seconds, the sum of the tasks it ran (the imports within
    them included; not the surveys and the reference's runs before them, nor a task whose worker
    died), with those tasks' names."""

    jobs: int
    wall: float = 0.0
    cpu: float = 0.0
    critical_path: float = 0.0
    slowest: list[str] = field(default_factory=list)
    tasks: dict[str, float] = field(default_factory=dict)  # task -> seconds in its worker
    note: str = ""  # why there are no workers where some were expected

    def to_json(self) -> dict:
        return {"jobs": self.jobs, "wall_s": self.wall, "cpu_s": self.cpu,
                "critical_path_s": self.critical_path, "critical_path": self.slowest,
                "task_seconds": self.tasks}  # fmt: skip

    def line(self) -> str:
        """The seconds from the pool's start to its close: the checks, the frameworks' imports
        included, not the start-up before them (Python, the --port files) nor the writing of the
        reports after; and the critical path, where a task finished in a worker."""
        spent = f"time: {self.wall:.1f} s wall, {self.cpu:.1f} s CPU for the checks"
        spent += " (start-up and reports not counted)"
        if self.jobs == 1:
            why = f" ({self.note})" if self.note else ""
            return f"{spent}, in this process{why}"
        if not self.slowest:
            return f"{spent}, {self.jobs} workers; no task finished in a worker"
        more = len(self.slowest) - 3
        ran = ", ".join(self.slowest[:3]) + (f" and {more} more" if more > 0 else "")
        return (f"{spent}, {self.jobs} workers; critical path "
                f"{self.critical_path:.1f} s (the busiest worker: {ran})")  # fmt: skip


def have_pool() -> bool:
    """Whether pebble, which runs the workers, is installed (a plain checkout may lack it)."""
    return importlib.util.find_spec("pebble") is not None


def _nothing(*args) -> None:
    pass


def expected_seconds(framework: str, mode: str) -> float:
    """About how long one task of this framework and mode takes (EXPECTED_SECONDS, a port's own
    guess, per mode): only to start the longest first."""
    return float(ports.info(framework).declared("EXPECTED_SECONDS", {}).get(mode, DEFAULT_EXPECTED))


def plan(cases: Sequence, jobs: int) -> list[tuple]:
    """The cases in groups to run one group a task: those of one framework and mode together,
    in one worker, where they share what a framework does once per process (its import, its
    compilation caches, the float64 finite differences both dtypes are judged by), except where
    the group is expected to take more than a worker's share of the whole, whose cases then go
    each alone (TensorFlow's eager mode on two cores). In the order of `cases`, first seen first."""
    groups: dict[tuple, list] = {}
    for case in cases:
        groups.setdefault((case.framework, case.mode), []).append(case)
    seconds = {key: expected_seconds(*key) * len(group) for key, group in groups.items()}
    share = sum(seconds.values()) / max(jobs, 1)
    found = []
    for key, group in groups.items():
        found += [tuple(group)] if seconds[key] <= share or len(group) == 1 else [(c,) for c in group]
    return found


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended."""
    try:
        import resource
    except ImportError:  # not Unix: this process only
        return time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Workers:
    """A pool for one command: `prepare` starts computing the reference's state for the dtypes
    the command may need; `run` runs tasks (in order of the given list, results in that order).

        with Workers(jobs, timeout) as workers:
            workers.prepare(dtypes, params)
            ...                      # select the cases: the state is computed meanwhile
            results = workers.run(tasks, params, on_done)
    """

    def __init__(self, jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT):
        self.jobs, self.timeout, note = default_jobs() if jobs is None else jobs, timeout, ""
        if self.jobs > 1 and not have_pool():
            if jobs is not None:
                raise UsageError(
                    f"--jobs {jobs}: worker processes need the package pebble (a dependency of "
                    "nn-crosscheck: pip install pebble); --jobs 1 runs here"
                )
            self.jobs, note = 1, "pebble is not installed: pip install pebble for worker processes"
        self.timing = Timing(self.jobs, note=note)
        self._started, self._cpu = time.perf_counter(), _cpu_seconds()
        self._pool = self._state = None
        self._surveys: dict[str, concurrent.futures.Future] = {}
        self._closed = False
        self._busy: dict[int, list] = defaultdict(list)  # pid -> [(task id, seconds)]

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        self.close(abort=kind is not None)

    def _open(self):
        if self._pool is None and self.jobs > 1:
            import multiprocessing

            from pebble import ProcessPool

            self._pool = ProcessPool(max_workers=self.jobs, context=multiprocessing.get_context("spawn"),
                                     initializer=_start_worker)  # fmt: skip
        return self._pool

    def prepare(self, dtypes: Sequence[str], params: dict, frameworks: Sequence[str] = ()) -> None:
        """Start, in the workers, computing the reference's state for `dtypes`, and surveying
        each of `frameworks` (importing it, its preflight, its declarations: `surveys`), longest
        expected first, so that this process imports none of them."""
        pool = self._open()
        if pool is None:
            return  # in this process, each run is made when first needed, then kept
        specs = registry.specs()
        if dtypes:
            self._state = pool.schedule(shared.compute, (tuple(dtypes), params, specs), timeout=self.timeout)
        for name in dict.fromkeys(_longest([n for n in frameworks if not ports.info(n).error])):
            self._surveys[name] = pool.schedule(_survey, (name, specs), timeout=self.timeout)

    def surveys(self) -> dict[str, dict]:
        """{framework: survey} of the frameworks `prepare` was given (ports.registry.surveyed
        takes it); empty in this process (jobs=1), where the parent imports them itself."""
        found = {}
        for name, future in self._surveys.items():
            try:
                found[name] = future.result()
            except Exception as error:  # its worker died importing it, or it ran out of time
                why = f"{name}: {_failure(error, self.timeout).note} while it was imported"
                found[name] = registry.survey(None, {"available": False, "error": why})
        return found

    def run(
        self, tasks: Sequence, params: dict, on_done: Callable = _nothing, on_start: Callable = _nothing
    ) -> list:
        """Each task's result (task.perform(params)), or a Failed, in the order of `tasks`;
        `on_done(task, result, seconds)` as each finishes; in this process (jobs=1),
        `on_start(task)` before each starts."""
        if self._pool is None and self.jobs == 1:
            return [self._here(task, params, on_start, on_done) for task in tasks]
        pool = self._open()
        state = self._shared_state()
        specs = registry.specs()
        order = sorted(range(len(tasks)), key=lambda i: -_expected(tasks[i]))
        futures = {}
        for i in order:  # a task of several cases may take the time of each
            limit = self.timeout * _size(tasks[i])
            futures[pool.schedule(_perform, (tasks[i], params, state, specs), timeout=limit)] = i
        results = [None] * len(tasks)
        for future in concurrent.futures.as_completed(futures):
            i = futures[future]
            results[i], seconds = self._collect(future, tasks[i])
            on_done(tasks[i], results[i], seconds)
        return results

    def _shared_state(self) -> dict:
        """The reference's state `prepare` started; where its worker failed, none: each worker
        then makes the reference's runs itself (the same numbers, more time)."""
        if self._state is None:
            return {}
        try:
            return self._state.result()
        except Exception:
            return {}

    def _here(self, task, params: dict, on_start: Callable, on_done: Callable):
        on_start(task)
        start = time.perf_counter()
        result = task.perform(params)
        seconds = time.perf_counter() - start
        self._busy[os.getpid()].append((task.id, seconds))
        on_done(task, result, seconds)
        return result

    def _collect(self, future, task) -> tuple[object, float]:
        try:
            result, seconds, pid = future.result()
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # a port's sys.exit included: that task's, not the command's
            limit = self.timeout * _size(task)
            if isinstance(error, concurrent.futures.TimeoutError):
                self._busy[-id(future)].append((task.id, limit))
                return _failure(error, limit), limit
            return _failure(error, limit), float("nan")
        self._busy[pid].append((task.id, seconds))
        return result, seconds

    def close(self, *, abort: bool = False) -> None:
        """End the workers (at once when aborting: Ctrl-C, an error) and settle the timing."""
        if self._closed:
            return
        if self._pool is not None:
            if abort:
                self._pool.stop()
            else:
                self._pool.close()
            self._pool.join()
            self._pool = None
            gc.collect()  # the pool's locks are in reference cycles: freed now, not at exit
        self._closed = True
        self.timing.wall = time.perf_counter() - self._started
        self.timing.cpu = _cpu_seconds() - self._cpu
        self.timing.tasks = {name: seconds for done in self._busy.values() for name, seconds in done}
        if self._busy:
            _, done = max(self._busy.items(), key=lambda item: sum(s for _, s in item[1]))
            self.timing.critical_path = sum(s for _, s in done)
            self.timing.slowest = [name for name, _ in done]


def _size(task) -> int:
    return getattr(task, "size", 1)


def _expected(task) -> float:
    return expected_seconds(task.framework, task.mode) * _size(task)


def _longest(frameworks: Sequence[str]) -> list[str]:
    """`frameworks`, the one of the longest expected case first, read from the ports' sources
    (MODES, EXPECTED_SECONDS) without importing them."""
    from nn_crosscheck.ports.registry import literal_assignments

    def longest(name: str) -> float:
        declared = literal_assignments(ports.info(name).module_name)
        seconds = declared.get("EXPECTED_SECONDS", {})
        return max(seconds.get(m, DEFAULT_EXPECTED) for m in declared.get("MODES", ("eager",)))

    return sorted(frameworks, key=lambda name: -longest(name))


def _survey(framework: str, specs: list[str]) -> dict:
    """In a worker: import the framework, pin it and report it (precision.preflight), and read
    its declarations, for the parent to select and name its cases with."""
    from .precision import preflight

    registry.load_specs(specs)
    entry = preflight((framework,))[framework]
    return registry.survey(ports.load(framework) if entry["available"] else None, entry)


def _failure(error: BaseException, limit: float = DEFAULT_TIMEOUT) -> Failed:
    from pebble import ProcessExpired

    if isinstance(error, concurrent.futures.TimeoutError):
        return Failed(f"timed out after {limit:g} s (--timeout)")
    if isinstance(error, ProcessExpired):
        code = error.exitcode
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                return Failed(f"worker died with signal {-code} ({signal.Signals(-code).name})")
            return Failed(f"worker died with signal {-code}")
        return Failed(f"worker exited with status {code} before returning (os._exit, or a crash)")
    trace = getattr(error, "traceback", "")  # pebble keeps the worker's traceback as text
    return Failed(f"the worker raised {type(error).__name__}: {error}", trace)


def _start_worker() -> None:
    """In a worker, before any framework is imported. Ctrl-C reaches the whole process group;
    the parent alone answers it, by ending the workers (one line, exit 130), so a worker prints
    no traceback of its own. Several workers may share a GPU: JAX and TensorFlow take its memory
    as they need it, not most of it at once (where the user has not said otherwise)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ports.adapter.WARN_NEAR_MISSES = False  # the parent warned of a port's misspelt names
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")


def _perform(task, params: dict, state: dict, specs: list[str]):
    """In a worker: the registry as the parent's, the reference's state adopted, the task run."""
    start = time.perf_counter()
    registry.load_specs(specs)
    shared.adopt(state, params)
    ports.load(task.framework).pin_precision()  # as the parent's preflight pinned its own
    result = task.perform(params)
    return result, time.perf_counter() - start, os.getpid()
