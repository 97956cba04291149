"""Ports of the article's network, one module per framework, and the registry that names them.

A framework is imported only when its port is asked for (`load`), never when this package is.
The registry holds only where each port lives; everything else the harness needs to know about a
port (its modes and which one compiles, the devices it can use, its display label, its native
layout, its bench variants) is declared in the port module itself and read from it when needed
(`PortInfo.declared`), so a port added at run time (`register`) is seen like a built-in one.
"""

import importlib
import sys
from dataclasses import dataclass
from types import ModuleType

from .protocol import DEVICES, DTYPES, PROTOCOL, PortError, TrainResult


class PortUnavailable(PortError):
    """A port whose framework cannot be imported here."""


@dataclass(frozen=True)
class PortInfo:
    name: str
    module: str = ""  # the module implementing the protocol; default ports.<name>

    @property
    def module_name(self) -> str:
        return self.module or f"{__name__}.{self.name}"

    def load(self) -> ModuleType:
        try:
            return importlib.import_module(self.module_name)
        except Exception as error:  # a broken install can raise more than ImportError (OSError...)
            raise PortUnavailable(
                f"{self.name}: cannot be imported ({type(error).__name__}: {error})"
            ) from error

    def declared(self, attribute: str, default=None):
        """What the port module declares under `attribute`, or `default` when it declares
        nothing or cannot be imported here (then only the defaults are known)."""
        try:
            return getattr(self.load(), attribute, default)
        except PortUnavailable:
            return default

    @property
    def modes(self) -> tuple[str, ...]:
        """Execution modes, the first the default (MODES; default: one, "eager")."""
        return tuple(self.declared("MODES", ("eager",)))

    @property
    def compiled_mode(self) -> str | None:
        """The mode that compiles the computation (COMPILED_MODE), if the port has one."""
        return self.declared("COMPILED_MODE")

    @property
    def devices(self) -> tuple[str, ...]:
        """Devices the framework can use when they are present (DEVICES; default: all)."""
        return tuple(self.declared("DEVICES", DEVICES))

    @property
    def dtypes(self) -> tuple[str, ...]:
        return tuple(self.declared("DTYPES", DTYPES))

    @property
    def label(self) -> str:
        """How the port's derivatives are named beside the others (LABEL; default: its name)."""
        return self.declared("LABEL", self.name)


PORTS: dict[str, PortInfo] = {}


def register(port: PortInfo | ModuleType | str) -> PortInfo:
    """Add a port to the registry: a PortInfo, an imported port module, or a module's name.
    A module registers under its NAME; registering a name again replaces the entry."""
    if isinstance(port, str):
        port = importlib.import_module(port)
    if isinstance(port, ModuleType):
        if not hasattr(port, "NAME"):
            raise PortError(f"{port.__name__}: not a port (it defines no NAME)")
        sys.modules.setdefault(port.__name__, port)
        port = PortInfo(port.NAME, module=port.__name__)
    PORTS[port.name] = port
    return port


def names() -> tuple[str, ...]:
    """The registered ports, in registration order (the reference first)."""
    return tuple(PORTS)


def info(name: str) -> PortInfo:
    if name not in PORTS:
        raise PortError(f"unknown framework {name!r}; valid: {', '.join(PORTS)}")
    return PORTS[name]


def load(name: str) -> ModuleType:
    """Import and return the port module registered as `name`.

    Raises PortError for an unknown name, PortUnavailable (carrying the import error) when the
    framework is not installed or fails to import.
    """
    return info(name).load()


def availability() -> dict[str, str | None]:
    """{framework: None if importable, else the import error}; imports each framework."""
    status = {}
    for name in names():
        try:
            load(name)
            status[name] = None
        except PortUnavailable as error:
            status[name] = str(error)
    return status


for _builtin in ("numpy", "torch", "jax"):  # numpy first: it is the reference
    register(PortInfo(_builtin))

__all__ = [
    "DEVICES",
    "DTYPES",
    "PORTS",
    "PROTOCOL",
    "PortError",
    "PortInfo",
    "PortUnavailable",
    "TrainResult",
    "availability",
    "info",
    "load",
    "names",
    "register",
]
