"""Cases: one implementation to check, as framework x device x dtype x mode; and the one
selection of cases every command makes from its --frameworks, --devices, --dtypes, --modes."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType

from nn_crosscheck import ports
from nn_crosscheck.ports import DEVICES, DTYPES, PortError

from ..errors import UsageError
from .precision import preflight


@dataclass(frozen=True)
class Case:
    framework: str
    device: str
    dtype: str
    mode: str
    variant: str = ""  # names a modified port (a mutant of the self-test); part of the id
    port_override: object = field(default=None, compare=False, repr=False)  # that port

    def __post_init__(self):
        # Results are cached by Case, and a port object is not part of equality: a modified
        # port must carry a name of its own, or it would share the unmodified port's results.
        if self.port_override is not None and not self.variant:
            raise ValueError("a Case with port_override needs a variant name of its own")

    @property
    def id(self) -> str:
        """Readable id, e.g. "jax-cpu-float32-jit"; a framework with one mode omits it."""
        parts = [self.framework, self.device, self.dtype]
        if len(ports.info(self.framework).modes) > 1:
            parts.append(self.mode)
        return "-".join(parts) + (f"~{self.variant}" if self.variant else "")

    def __str__(self) -> str:
        return self.id

    @cached_property
    def port(self) -> ModuleType:
        return self.port_override or ports.load(self.framework)

    def unavailable(self) -> str | None:
        """Why this case cannot run here (framework not importable, device absent, a mode the
        port declares unavailable here), or None."""
        info = ports.info(self.framework)
        try:
            present = info.present_devices()
        except PortError as error:
            return str(error)
        if self.device not in present:
            return f"{self.framework}: no {self.device} device here (found: {', '.join(present)})"
        if self.dtype not in info.dtypes:
            return f"{self.framework}: no {self.dtype}: the port computes in {', '.join(info.dtypes)} only"
        return info.declared("UNAVAILABLE_MODES", {}).get(self.mode)

    @property
    def kwargs(self) -> dict:
        return {"dtype": self.dtype, "device": self.device, "mode": self.mode}

    def forward(self, params, X):
        return self.port.forward(params, X, **self.kwargs)

    def loss_and_grads(self, params, x, y_true, *, dtype: str | None = None):
        return self.port.loss_and_grads(params, x, y_true, **{**self.kwargs, "dtype": dtype or self.dtype})

    def train(self, params, data, all_y_trues, **options):
        return self.port.train(params, data, all_y_trues, **self.kwargs, **options)


def reference_case(dtype: str) -> Case:
    """The NumPy reference in `dtype`: the expected side of every comparison."""
    return Case("numpy", "cpu", dtype, "eager")


def all_cases(frameworks=None, devices=DEVICES, dtypes=DTYPES, modes=None) -> list[Case]:
    """Every combination of each framework's devices and modes with the dtypes, present or
    supported or not (Case.unavailable says why not)."""
    return [
        Case(name, device, dtype, mode)
        for name in (ports.names() if frameworks is None else frameworks)
        for device in devices
        if device in ports.info(name).devices
        for dtype in dtypes
        for mode in ports.info(name).modes
        if modes is None or mode in modes
    ]


@dataclass
class Selection:
    """The cases a command runs, notes on what was left out and why, and the preflight."""

    cases: list[Case]
    notes: list[str]
    status: dict  # nn_crosscheck.engine.precision.preflight's report, the reference included


def select(
    frameworks=None, devices=None, dtypes=None, modes=None, *, default_devices=DEVICES,
    default_dtypes=DTYPES, default_modes_first=False, without_reference=False,
) -> Selection:  # fmt: skip
    """The cases for the selected names (None: the defaults), after the precision preflight.

    Asking by name for a framework that cannot be imported, or for a device no selected
    framework has, is an error; a default that cannot run is a note. `default_modes_first`
    takes only each port's default mode unless modes are named; `without_reference` leaves out
    the reference itself (for commands that compare every case with it).
    """
    names = [n for n in frameworks or ports.names() if not (without_reference and n == "numpy")]
    status = preflight(tuple(dict.fromkeys(("numpy", *names))))
    available, notes = [], []
    for name in names:
        if status[name]["available"]:
            available.append(name)
        elif frameworks:
            raise UsageError(f"framework {name!r} was requested but is unavailable: {status[name]['error']}")
        else:
            notes.append(f"skipped: {status[name]['error']}")
    candidates = [
        c
        for c in all_cases(available, devices or default_devices, dtypes or default_dtypes, modes)
        if modes or not default_modes_first or c.mode == ports.info(c.framework).modes[0]
    ]
    cases = [c for c in candidates if c.unavailable() is None]
    for device in (devices or ()) if available else ():  # no framework at all: said below
        if not any(device in status[f]["devices"] and device in ports.info(f).devices for f in available):
            present = "; ".join(f"{f}: {', '.join(status[f]['devices'])}" for f in available)
            raise UsageError(f"device {device!r} was requested but is not present (devices found: {present})")
    # Left out: said when asked for by device, or when the device is here (a dtype or a mode
    # the port cannot run), not for every absent GPU.
    notes += [
        f"skipped: {c.unavailable()} [{c.id}]"
        for c in candidates
        if c not in cases and (devices or c.device in ports.info(c.framework).present_devices())
    ]
    if not cases:
        if without_reference:
            raise UsageError("nothing to compare with the reference: no framework besides numpy runs "
                             "with the selected devices, dtypes and modes")  # fmt: skip
        why = "; ".join(dict.fromkeys(str(c.unavailable()) for c in candidates)) or (
            "no selected framework is available with the selected devices and modes"
        )
        raise UsageError(f"nothing to run: {why}")
    return Selection(cases, notes, status)


def check_modes(frameworks: tuple[str, ...] | None, modes: tuple[str, ...] | None) -> None:
    """A usage error, before any work, when no selected framework has any of the selected modes,
    naming the modes each has (as declared: PortInfo.declared_modes, no framework imported)."""
    if not modes:
        return
    declared = {name: ports.info(name).declared_modes for name in frameworks or ports.names()}
    if any(set(modes) & set(has) for has in declared.values()):
        return
    runs = "; ".join(f"{name} runs {' and '.join(has)} only" for name, has in declared.items())
    them = "it" if len(modes) == 1 else "them"
    raise UsageError(f"--modes {','.join(modes)}: no selected framework runs {them} ({runs})")


def one(values: tuple[str, ...] | None, default: str, flag: str, command: str) -> str:
    """The single value a command that runs one at a time takes from a plural flag."""
    if values and len(values) > 1:
        raise UsageError(f"{command} runs one {flag.removeprefix('--').rstrip('s')} at a time; {flag} got "
                         f"{', '.join(values)}")  # fmt: skip
    return values[0] if values else default


def unknown_names(kind: str, names: Sequence[str], valid_names: Sequence[str]) -> str | None:
    """Why `names` are no selection out of `valid_names` (one is unknown, or none is given), or
    None: the check of --frameworks, --devices, --dtypes and --modes, and of nn_crosscheck.check's."""
    unknown = [n for n in names if n not in valid_names]
    if unknown or not names:
        return (
            f"unknown {kind} {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"valid: {', '.join(valid_names)}" + _not_imported(kind)
        )
    return None


def _not_imported(kind: str) -> str:
    """For an unknown framework: the ports given by file or module that did not import."""
    broken = [i.error for i in ports.PORTS.values() if i.error and i.spec] if kind == "framework" else []
    return "".join(f" (a port did not import: {error})" for error in broken)
