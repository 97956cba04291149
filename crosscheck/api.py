"""nn-crosscheck from Python: one port through the checks of `crosscheck compare`, in this process.

    >>> from nn_crosscheck import check
    >>> result = check("torch")   # float32 and float64, as compare runs it
    >>> result.passed, [report.case.id for report in result.reports]
    (True, ['torch-cpu-float32-eager', 'torch-cpu-float64-eager'])
    >>> print(result)             # compare's table for those implementations, then the verdict

`port` is a registered name ("torch"), a port SPEC (a .py file or a dotted module, as `--port`
takes), or any object with the protocol's names (a module, a `types.SimpleNamespace`, a class):
NAME and forward, and loss_and_grads and train where it computes them (ports/protocol.py). Each
call checks afresh, never from the results of an earlier call: a file is imported again, as it is
on disk now (a dotted module is imported once, as Python imports it). A SPEC or an object stays
registered under its NAME (the ids of its reports need it) until another port of that NAME is
checked, which takes its place: the same port checked by file and then as its module is no clash.
"""

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType

from nn_crosscheck import ports
from nn_crosscheck.ports import DEVICES, DTYPES
from nn_crosscheck.reference import SHARED_WEIGHTS

from .commands.options import check_weights
from .engine import checks
from .engine.cases import select, unknown_names
from .engine.suite import CaseReport, run_case
from .engine.weights_file import checked_weights
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
    dtypes: str | Iterable[str] = DTYPES,
    devices: str | Iterable[str] = ("cpu",),
    modes: str | Iterable[str] | None = None,
    weights: Mapping[str, float] | None = None,
) -> Result:
    """Forward, gradients, the finite-difference oracle and the 1000-epoch training of `port`,
    each against the NumPy reference in the same dtype, from `weights` (the article's draw under
    seed 0 unless given): what `crosscheck compare --frameworks NAME` checks, for each of the
    `dtypes` x `devices` x `modes` the port has (dtypes: both by default, as compare's; modes: the
    port's default mode unless named). A plain string is one name (`dtypes="float32"`).

    Raises UsageError, before any work, naming the argument, for a dtype, device or mode that is
    not one (a mode: not one of the port's), weights that are not the article's nine keys each
    with a finite number (as `--weights` refuses a file) or that overflow a selected dtype; and
    for an unknown name, a framework that cannot be imported, a device that is not present.
    PortError for an object that is not a port (what is missing or wrong)."""
    initial = _initial(weights)
    dtypes, devices = _names("dtypes", "dtype", dtypes, DTYPES), _names("devices", "device", devices, DEVICES)
    with checks.fresh_runs():
        name = _registered(port)
        if modes is not None:
            modes = _names(f"modes of {name}", "mode", modes, ports.info(name).modes)
        selection = select([name], devices, dtypes, modes, default_modes_first=True)
        check_weights(initial, {case.dtype for case in selection.cases}, only='dtypes="float64"')
        return Result([run_case(case, initial["params"]) for case in selection.cases])


def _names(argument: str, kind: str, given, valid: tuple[str, ...]) -> list[str]:
    """`given` (a plain string: one name) as a list, each a name out of `valid`, as the command
    line's flags take them (engine.cases.unknown_names); else a UsageError naming `argument`."""
    try:
        names = [given] if isinstance(given, str) else list(given)
    except TypeError:
        raise UsageError(f"argument {argument}: expected a {kind} or a list of them; got {given!r}") from None
    problem = unknown_names(kind, names, valid)
    if problem:
        raise UsageError(f"argument {argument}: {problem}")
    return list(dict.fromkeys(names))


def _initial(weights: Mapping[str, float] | None) -> dict:
    """The initial weights as compare takes them ({"source", "params"}): `weights` checked as a
    weights file is (the article's nine keys, each a finite number), else the shared ones."""
    if weights is None:
        return {"source": "shared (the article's draw under seed 0)", "params": dict(SHARED_WEIGHTS)}
    given = dict(weights) if isinstance(weights, Mapping) else weights
    return {"source": "argument weights", "params": checked_weights(given, "argument weights")}


def _registered(port) -> str:
    """The registered name of `port`: a registered name as it is; a SPEC (a file imported again,
    as it is now) or an object registered in place of the port an earlier check registered under
    the same NAME."""
    if isinstance(port, str) and port in ports.names():
        return port
    if isinstance(port, str):
        return _replacing(lambda: _load(port))
    module = port if isinstance(port, ModuleType) else _as_module(port)
    return _replacing(lambda: ports.register(module, source=SOURCE).name)


def _replacing(register: Callable[[], str]) -> str:
    """The name `register()` registers a port under, after setting aside the ports earlier checks
    registered: the one of that NAME is replaced (the same port again, or another of that NAME,
    never a clash), the others are registered again."""
    earlier = [info for info in ports.PORTS.values() if info.source.startswith(SOURCE)]
    for info in earlier:
        ports.unregister(info.name)
    name = None
    try:
        name = register()
        return name
    finally:
        for info in earlier:
            if info.name != name:
                ports.register(info)


def _load(spec: str) -> str:
    try:
        return ports.load_spec(spec, source=SOURCE, fresh=True).name
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
