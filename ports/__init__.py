"""Ports of the article's network, one module per framework, and the registry that names them.

A framework is imported only when its port is asked for (`load`), never when this package is.
The registry (ports.registry) holds only where each port lives: the built-in ports and every
installed package's `nn_crosscheck.ports` entry points are known as soon as this package is
imported, a file or module named by `--port` or NN_CROSSCHECK_PORTS when it is registered
(`load_spec`, `from_environment`). Everything else the harness needs to know about a port (its
modes and which one compiles, dtypes, devices, display label, native layout, bench variants) is
declared in the port module itself and read from it when needed (`PortInfo.declared`); what a
minimal port leaves out is filled in by ports.adapter.Port, which is what `load` returns.
"""

from .adapter import NOT_PROVIDED, Port, provides, validate
from .protocol import DEVICES, DTYPES, PROTOCOL, NotProvided, PortError, TrainResult
from .registry import (
    BUILTINS,
    ENVIRONMENT,
    GROUP,
    PORTS,
    PortInfo,
    PortUnavailable,
    check_clashes,
    discover,
    from_environment,
    load_spec,
    register,
    sources,
    unregister,
)


def names() -> tuple[str, ...]:
    """The registered ports, in registration order (the reference first)."""
    return tuple(PORTS)


def info(name: str) -> PortInfo:
    if name not in PORTS:
        raise PortError(f"unknown framework {name!r}; valid: {', '.join(PORTS)}")
    return PORTS[name]


def load(name: str) -> Port:
    """The port registered as `name`, its module imported now, through the whole protocol.

    Raises PortError for an unknown name, PortUnavailable (carrying the import error) when the
    framework is not installed, fails to import, or the module is not a port.
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


discover()

__all__ = [
    "BUILTINS",
    "DEVICES",
    "DTYPES",
    "ENVIRONMENT",
    "GROUP",
    "NOT_PROVIDED",
    "PORTS",
    "PROTOCOL",
    "NotProvided",
    "Port",
    "PortError",
    "PortInfo",
    "PortUnavailable",
    "TrainResult",
    "availability",
    "check_clashes",
    "discover",
    "from_environment",
    "info",
    "load",
    "load_spec",
    "names",
    "provides",
    "register",
    "sources",
    "unregister",
    "validate",
]
