"""nn-crosscheck from Python: one port through the checks of `crosscheck compare`, in this process.

    >>> from nn_crosscheck import check
    >>> result = check("torch", dtypes=["float32"])
    >>> result.passed
    True
    >>> print(result)        # compare's table for those implementations, then the verdict

`port` is a registered name ("torch"), a port SPEC (a .py file or a dotted module, as `--port`
takes), or any object with the protocol's names (a module, a `types.SimpleNamespace`, a class):
NAME and forward, and loss_and_grads and train where it computes them (ports/protocol.py). An
object is checked afresh each time, never from the results of an earlier object of the same NAME,
and stays registered under its NAME (the ids of its reports need it) until another object of that
NAME is checked.
"""

import contextlib
import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

from nn_crosscheck import ports
from nn_crosscheck.reference import SHARED_WEIGHTS, Params

from .engine import checks
from .engine.cases import select
from .engine.suite import CaseReport, run_case
from .errors import UsageError
from .reports.compare import table_lines, verdict_line

_GIVEN = itertools.count()  # a module name for each object checked (never reused)
SOURCE = "check()"  # where the registry says such a port came from


@dataclass
class Result:
    """What `check` found: a CaseReport per implementation (framework x device x dtype x mode)."""

    reports: list[CaseReport]

    @property
    def passed(self) -> bool:
        """True when every check of every implementation agrees with the reference."""
        return all(r.passed for r in self.reports)

    def failures(self) -> list[str]:
        """One line per failing check, at its worst element (`Check.describe`)."""
        return [c.describe() for r in self.reports for c in r.checks if not c.passed]

    def __str__(self) -> str:
        return "\n".join([*table_lines(self.reports), verdict_line(self.reports)])


def check(
    port: str | object,
    *,
    dtypes: Iterable[str] = ("float64",),
    devices: Iterable[str] = ("cpu",),
    modes: Iterable[str] | None = None,
    weights: Params | None = None,
) -> Result:
    """Forward, gradients, the finite-difference oracle and the 1000-epoch training of `port`,
    each against the NumPy reference in the same dtype, from `weights` (the article's draw under
    seed 0 unless given): what `crosscheck compare --frameworks NAME` checks, for each of the
    `dtypes` x `devices` x `modes` the port has (modes: its default mode unless named).

    Raises UsageError for an unknown name, a framework that cannot be imported, a device that is
    not present; PortError for an object that is not a port (what is missing or wrong)."""
    with _registered(port) as name:
        selection = select(
            [name],
            list(devices),
            list(dtypes),
            None if modes is None else list(modes),
            default_modes_first=True,
        )
        params = dict(SHARED_WEIGHTS if weights is None else weights)
        return Result([run_case(case, params) for case in selection.cases])


@contextlib.contextmanager
def _registered(port):
    """The registered name of `port`. An object replaces the one an earlier check registered
    under its NAME, and its runs are cached apart from every other's."""
    if not isinstance(port, str):
        module = port if isinstance(port, ModuleType) else _as_module(port)
        earlier = ports.PORTS.get(getattr(module, "NAME", None))
        if earlier is not None and earlier.source == SOURCE:
            ports.unregister(earlier.name)
        with _fresh_caches():
            yield ports.register(module, source=SOURCE).name
    else:
        yield port if port in ports.names() else _load(port)


def _load(spec: str) -> str:
    try:
        return ports.load_spec(spec, source=SOURCE).name
    except ports.PortError as error:
        if ports.registry._is_file(spec):
            raise
        valid = ", ".join(ports.names())
        raise UsageError(f"unknown framework {spec!r} (valid: {valid}), nor a port module: {error}") from None


def _as_module(port: object) -> ModuleType:
    module = ModuleType(f"nn_crosscheck_given_{next(_GIVEN)}")
    names = vars(port) if hasattr(port, "__dict__") else {}
    module.__dict__.update({k: v for k, v in names.items() if not k.startswith("__")})
    return module


@contextlib.contextmanager
def _fresh_caches():
    """The training runs and finite differences cached by Case, empty meanwhile and restored after:
    two objects of one NAME are two ports, whose results must not be shared."""
    saved = {name: getattr(checks, name) for name in ("_timed_train", "_finite_differences")}
    for name, cached in saved.items():
        fresh = functools.lru_cache(maxsize=cached.cache_parameters()["maxsize"])(cached.__wrapped__)
        setattr(checks, name, fresh)
    try:
        yield
    finally:
        for name, cached in saved.items():
            setattr(checks, name, cached)
