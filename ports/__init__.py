"""Ports of the article's network, one module per framework, and the registry that names them.

A framework is imported only when its port is asked for (`load`), never when this package is.
"""

import importlib
from dataclasses import dataclass
from types import ModuleType

from .protocol import DEVICES, DTYPES, PortError, TrainResult


@dataclass(frozen=True)
class PortInfo:
    name: str
    modes: tuple[str, ...]  # execution modes, the first is the default
    devices: tuple[str, ...]  # devices the framework can use when they are present
    module: str = ""  # the module implementing the protocol; default ports.<name>

    @property
    def module_name(self) -> str:
        return self.module or f"{__name__}.{self.name}"


PORTS = {
    "numpy": PortInfo("numpy", ("eager",), ("cpu",)),
    "torch": PortInfo("torch", ("eager", "compile"), DEVICES),
    "jax": PortInfo("jax", ("jit", "nojit"), DEVICES),
    "tensorflow": PortInfo("tensorflow", ("eager", "function", "xla"), DEVICES),
    "scalar": PortInfo("scalar", ("eager",), ("cpu",)),
}


class PortUnavailable(PortError):
    """A port whose framework cannot be imported here."""


def load(name: str) -> ModuleType:
    """Import and return the port module `ports.<name>`.

    Raises PortError for an unknown name, PortUnavailable (carrying the import error) when the
    framework is not installed or fails to import.
    """
    if name not in PORTS:
        raise PortError(f"unknown framework {name!r}; valid: {', '.join(PORTS)}")
    try:
        return importlib.import_module(PORTS[name].module_name)
    except Exception as error:  # a broken install can raise more than ImportError (OSError...)
        raise PortUnavailable(f"{name}: cannot be imported ({type(error).__name__}: {error})") from error


def availability() -> dict[str, str | None]:
    """{framework: None if importable, else the import error}; imports each framework."""
    status = {}
    for name in PORTS:
        try:
            load(name)
            status[name] = None
        except PortUnavailable as error:
            status[name] = str(error)
    return status


__all__ = [
    "DEVICES",
    "DTYPES",
    "PORTS",
    "PortError",
    "PortInfo",
    "PortUnavailable",
    "TrainResult",
    "availability",
    "load",
]
