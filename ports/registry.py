"""The one registry of ports, and the three ways into it.

    entry points   the group `nn_crosscheck.ports` (name = module) of every installed package,
                   the built-in ports included (pyproject.toml); read when `ports` is imported,
                   recording only where each port lives: nothing is imported until asked for
    --port SPEC    on the command line, and NN_CROSSCHECK_PORTS (comma-separated SPECs) for the
                   command line and pytest: SPEC is a path to a .py file or a dotted module name
                   (looked up from the current directory first, as `python -m` has it),
                   imported at once to read its NAME and checked (ports.adapter.validate)

Run from a plain checkout, with no installed metadata, the built-in ports register from
BUILTINS. One name, one port: the same module reached twice is one port; two modules under
one name are a PortError naming both sources. A port that fails to import stays registered as
unavailable, with its error, and the others still run.
"""

import ast
import contextlib
import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from . import adapter
from .adapter import FROM_FILE, Port
from .protocol import DEVICES, DTYPES, PortError

GROUP = "nn_crosscheck.ports"
ENVIRONMENT = "NN_CROSSCHECK_PORTS"
DISTRIBUTION = "nn-crosscheck"
# pyproject.toml's entry points for the built-in ports, for a plain checkout (numpy first: it is
# the reference). A new built-in port is one line here and one in pyproject.toml.
BUILTINS = {
    "numpy": "nn_crosscheck.ports.numpy",
    "torch": "nn_crosscheck.ports.torch",
    "jax": "nn_crosscheck.ports.jax",
    "tensorflow": "nn_crosscheck.ports.tensorflow",
    "scalar": "nn_crosscheck.ports.scalar",
    "onnx": "nn_crosscheck.ports.onnx",
    "tfjs": "nn_crosscheck.ports.tfjs",
}


class PortUnavailable(PortError):
    """A port whose framework cannot be imported here."""


_ADAPTED: dict[str, tuple[ModuleType, Port]] = {}


def adapted(module: ModuleType) -> Port:
    """The module through the whole protocol (ports.adapter.Port), made once per module."""
    cached = _ADAPTED.get(module.__name__)
    if cached is None or cached[0] is not module:
        cached = _ADAPTED[module.__name__] = (module, Port(module))
    return cached[1]


@dataclass(frozen=True)
class PortInfo:
    name: str
    module: str = ""  # the module implementing the protocol; default ports.<name>
    source: str = "built-in"  # where it was registered from, for messages and the pytest header
    spec: str = ""  # the --port SPEC that registers it again (a rerun command needs it)
    error: str = ""  # why it could not be imported when it was registered

    @property
    def module_name(self) -> str:
        return self.module or f"nn_crosscheck.ports.{self.name}"

    def load(self) -> Port:
        if self.error:
            raise PortUnavailable(f"{self.name}: cannot be imported ({self.error})")
        surveyed = SURVEYS.get(self.name)
        if surveyed is not None and not surveyed["preflight"]["available"]:
            raise PortUnavailable(surveyed["preflight"]["error"])
        try:
            module = importlib.import_module(self.module_name)
        except Exception as error:  # a broken install can raise more than ImportError (OSError...)
            raise PortUnavailable(
                f"{self.name}: cannot be imported ({type(error).__name__}: {error})"
            ) from error
        if getattr(module, "NAME", self.name) != self.name:
            raise PortUnavailable(
                f"{self.name}: {self.source} names module {self.module_name}, whose NAME is {module.NAME!r}"
            )
        try:
            return adapted(module)
        except PortError as error:
            raise PortUnavailable(f"{self.name}: {error}") from None

    def declared(self, attribute: str, default=None):
        """What the port declares under `attribute` (its module, or the protocol's default). Where
        it cannot be imported here (its framework absent), what its source assigns to the name as
        a literal (`MODES = ("jit", "nojit")`), so a case keeps its id and a mode stays a known
        name; else `default`."""
        surveyed = SURVEYS.get(self.name)
        if surveyed is not None and surveyed["preflight"]["available"] and attribute in SURVEYED:
            return surveyed["declared"].get(attribute, default)
        try:
            return getattr(self.load(), attribute, default)
        except PortUnavailable:
            return literal_assignments(self.module_name).get(attribute, default)

    def provides(self, function: str) -> bool:
        """Whether the port defines `function` of the protocol (loss_and_grads, train: a port may
        only evaluate). Where it cannot be imported here, whether its source defines it."""
        try:
            return self.load().provides(function)
        except PortUnavailable:
            return function in defined_functions(self.module_name)

    def present_devices(self) -> tuple[str, ...]:
        """The devices present here (the port's devices()); PortUnavailable where it cannot be
        imported."""
        surveyed = SURVEYS.get(self.name)
        if surveyed is not None and surveyed["preflight"]["available"]:
            return tuple(surveyed["preflight"]["devices"])
        return tuple(self.load().devices())

    @property
    def modes(self) -> tuple[str, ...]:
        """Execution modes, the first the default (MODES; default: one, "eager")."""
        return tuple(self.declared("MODES", ("eager",)))

    @property
    def declared_modes(self) -> tuple[str, ...]:
        """`modes`, read from the port's source where it is not imported yet and assigns MODES a
        literal (or never binds the name: the default), so that naming the modes imports no
        framework; else `modes`."""
        if self.module_name not in sys.modules and not self.error and self.name not in SURVEYS:
            found = literal_assignments(self.module_name).get("MODES")
            if isinstance(found, tuple | list) and found:
                return tuple(found)
            if _source(self.module_name).body and not _may_bind(self.module_name, "MODES"):
                return ("eager",)
        return self.modes

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
        """The dtypes the port computes in (DTYPES; default: both)."""
        return tuple(self.declared("DTYPES", DTYPES))

    @property
    def label(self) -> str:
        """How the port's derivatives are named beside the others (LABEL; default: its name)."""
        return self.declared("LABEL", self.name)


@functools.cache
def _source(module_name: str) -> ast.Module:
    """`module_name`'s source, parsed without importing it (nor the framework it imports); an
    empty module where the source cannot be found."""
    try:
        spec = importlib.util.find_spec(module_name)
        source = Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else ""
        return ast.parse(source)
    except (ImportError, OSError, SyntaxError, ValueError):
        return ast.Module(body=[], type_ignores=[])


def defined_functions(module_name: str) -> set[str]:
    """The names `module_name`'s source defines at module level (functions, and names assigned,
    as `forward = port.forward`), read without importing it."""
    found = set()
    for node in _source(module_name).body:
        if isinstance(node, ast.FunctionDef):
            found.add(node.name)
        elif isinstance(node, ast.Assign):
            targets = [e for t in node.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            found.update(t.id for t in targets if isinstance(t, ast.Name))
    return found


def _may_bind(module_name: str, name: str) -> bool:
    """Whether `module_name`'s source may bind `name` anywhere: an assignment to it, an import
    of it or a star import (read without importing it)."""
    for node in ast.walk(_source(module_name)):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name) in (name, "*"):
            return True
    return False


def literal_assignments(module_name: str) -> dict:
    """The module-level names that `module_name`'s source assigns a literal to, read without
    importing it (nor the framework it imports); empty where the source cannot be found."""
    found = {}
    for node in _source(module_name).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


PORTS: dict[str, PortInfo] = {}
CLASHES: list[str] = []  # clashes among installed entry points, raised by check_clashes()
# What a worker process found of a port (engine/workers.py survey): its preflight entry and its
# plain declarations, so that this process can select and name cases without importing the
# framework. Set for one command (`surveyed`), empty otherwise.
SURVEYS: dict[str, dict] = {}
SURVEYED = ("MODES", "COMPILED_MODE", "DEVICES", "DTYPES", "LABEL", "UNAVAILABLE_MODES", "EXPECTED_SECONDS",
            "SWEEP_MODE")  # fmt: skip


@contextlib.contextmanager
def surveyed(entries: dict[str, dict]):
    """Take `entries` ({name: survey}) as what is known of those ports, for the block."""
    SURVEYS.update(entries)
    try:
        yield
    finally:
        for name in entries:
            SURVEYS.pop(name, None)


def survey(port: Port | None, preflight_entry: dict) -> dict:
    """What `surveyed` takes for one port: its preflight entry and its declarations (none for
    a port that could not be imported)."""
    declared = {a: getattr(port, a) for a in SURVEYED if hasattr(port, a)} if port is not None else {}
    return {"preflight": preflight_entry, "declared": declared}


def _clash(new: PortInfo, old: PortInfo) -> str:
    return (
        f"port name {new.name!r} from {new.source} ({_origin(new)}) clashes with "
        f"{old.name!r} from {old.source} ({_origin(old)})"
    )


def _origin(port: PortInfo) -> str:
    """Where a port's code is: its file where it was given as one, else its module."""
    return f"file {port.spec}" if port.module_name.startswith(FROM_FILE) else f"module {port.module_name}"


def _add(port: PortInfo) -> PortInfo:
    """Register `port`; the same module again is the same port (kept as first registered)."""
    old = PORTS.get(port.name)
    if old is not None:
        if old.module_name == port.module_name:
            return old
        raise PortError(_clash(port, old))
    PORTS[port.name] = port
    return port


def register(port: PortInfo | ModuleType | str, *, source: str = "registered at run time") -> PortInfo:
    """Add a port: a PortInfo, an imported port module, or a SPEC (a .py file or a module name).
    A module registers under its NAME after validation (PortError if it is not a port)."""
    if isinstance(port, str):
        return load_spec(port, source=source)
    if isinstance(port, ModuleType):
        adapted(port)  # validates
        sys.modules.setdefault(port.__name__, port)
        port = PortInfo(port.NAME, module=port.__name__, source=source)
    return _add(port)


def unregister(name: str) -> None:
    """Remove a port from the registry (a test's fixture undoing its registration)."""
    PORTS.pop(name, None)


def _is_file(spec: str) -> bool:
    """Whether SPEC names a file (it ends in .py, has a path separator, or is a file here)."""
    return spec.endswith(".py") or os.sep in spec or (os.altsep or os.sep) in spec or Path(spec).is_file()


def _import_file(path: Path, where: str, fresh: bool = False) -> ModuleType:
    """Import a port from its file, once per file (again where `fresh`: as the file is now),
    under a module name of its own."""
    if path.is_dir():
        raise PortError(f"{where}: is a directory; give a .py file or a dotted module name")
    if not path.is_file():
        raise PortError(f"{where}: no such file")
    if path.suffix != ".py":
        raise PortError(f"{where}: not a .py file; give a .py file or a dotted module name")
    resolved = path.resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:8]
    name = f"{FROM_FILE}{resolved.stem}_{digest}"
    if name in sys.modules and not fresh:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, resolved)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:  # compiled from the source as it is now, never from __pycache__ (valid to the second)
        exec(compile(resolved.read_bytes(), str(resolved), "exec"), module.__dict__)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _import_module(spec: str) -> ModuleType:
    """Import the dotted module `spec` with the current directory on the import path (first, as
    `python -m` puts it), so that `crosscheck` and `python -m nn_crosscheck` find the same one."""
    here = os.path.realpath(os.getcwd())
    if any(os.path.realpath(entry or os.curdir) == here for entry in sys.path):
        return importlib.import_module(spec)
    sys.path.insert(0, here)  # while it is imported: a caller's import path is left as it was
    importlib.invalidate_caches()
    try:
        return importlib.import_module(spec)
    finally:
        sys.path.remove(here)


def load_spec(spec: str, *, source: str = "--port", fresh: bool = False) -> PortInfo:
    """Import the port SPEC names (a path to a .py file or a dotted module name), validate it and
    register it under its NAME (`fresh`: a file is imported again, as it is now). A port whose
    import raises (its framework absent or broken) is registered as unavailable, under the file's
    or module's own name, with the error and the file's line; a SyntaxError, or a SPEC that names
    nothing, is a PortError."""
    spec = spec.strip()
    if not spec:
        raise PortError(f"{source}: an empty SPEC; give a .py file or a dotted module name")
    is_file = _is_file(spec)
    where = f"{source} {spec}"
    try:
        module = _import_file(Path(spec), where, fresh) if is_file else _import_module(spec)
    except PortError:
        raise
    except ModuleNotFoundError as error:
        if (
            not is_file
            and error.name is not None
            and (spec == error.name or spec.startswith(f"{error.name}."))
        ):
            nor_file = ", nor a file of that name" if "." in spec else ""
            raise PortError(f"{where}: no module named {error.name!r}{nor_file}") from None
        return _unavailable(spec, is_file, where, error)
    except SyntaxError as error:  # never a framework that is absent: the file is broken
        located = f"{source} {_located(error, Path(spec))}" if is_file else f"{where}: {error}"
        raise PortError(located) from None
    except Exception as error:
        return _unavailable(spec, is_file, where, error)
    try:
        adapted(module)
    except PortError as error:
        said = str(error).removeprefix(f"{adapter.where(module)}: ") if is_file else str(error)
        raise PortError(f"{where}: {said}") from None
    return _add(PortInfo(module.NAME, module=module.__name__, source=where, spec=spec))


def _located(error: Exception, path: Path) -> str:
    """"FILE:LINE: Type: message", the line being the file's own where the error arose."""
    line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
    if line is None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == path.resolve()]
        line = frames[-1].lineno if frames else None
    message = error.msg if isinstance(error, SyntaxError) else str(error)
    return f"{path}:{line if line is not None else '?'}: {type(error).__name__}: {message}"


def _unavailable(spec: str, is_file: bool, where: str, error: Exception) -> PortInfo:
    name = Path(spec).stem if is_file else spec.rpartition(".")[2]
    error_text = f"{type(error).__name__}: {error}; from {where}"
    if is_file:
        error_text += f", at {_located(error, Path(spec)).split(': ', 1)[0]}"
    return _add(PortInfo(name, module=f"<{spec}>", source=where, spec=spec, error=error_text))


def specs() -> list[str]:
    """The SPECs of the ports registered by --port or NN_CROSSCHECK_PORTS that imported, for
    another process to register the same (`load_specs`; the built-in and installed ones it finds
    itself)."""
    return [info.spec for info in PORTS.values() if info.spec and not info.error]


def load_specs(given: list[str]) -> None:
    """Register each of `given` (specs()'s, from another process), as load_spec does."""
    for spec in given:
        load_spec(spec)


def from_environment(environ=os.environ) -> list[PortInfo]:
    """Register the ports NN_CROSSCHECK_PORTS names (comma-separated SPECs; an empty entry
    between commas is refused, as `--port ""` is)."""
    value = environ.get(ENVIRONMENT, "")
    specs = [s.strip() for s in value.split(",")] if value.strip() else []
    if "" in specs:
        raise PortError(f"{ENVIRONMENT}={value!r}: an empty entry (SPECs are separated by single commas)")
    return [load_spec(s, source=ENVIRONMENT) for s in specs]


def discover() -> None:
    """Register the entry points of group nn_crosscheck.ports of every installed package (the
    built-in ports from BUILTINS when this project's own metadata is not installed): the
    built-in ones in BUILTINS' order, then the others as found. Nothing is imported. A clash
    is recorded in CLASHES, not raised, so that importing `ports` never fails; the command line
    and pytest raise it (check_clashes)."""
    found = [
        PortInfo(ep.name, ep.module, source=f"entry point {ep.name} = {ep.value} of {_dist(ep)}")
        for ep in importlib.metadata.entry_points(group=GROUP)
    ]
    if not any(_dist(ep) == DISTRIBUTION for ep in importlib.metadata.entry_points(group=GROUP)):
        found = [PortInfo(n, m, source="built-in") for n, m in BUILTINS.items()] + found
    order = list(BUILTINS)
    for port in sorted(found, key=lambda p: order.index(p.name) if p.name in order else len(order)):
        try:
            _add(port)
        except PortError as error:
            CLASHES.append(str(error))


def _dist(entry_point) -> str:
    dist = getattr(entry_point, "dist", None)
    return dist.name.replace("_", "-").lower() if dist is not None else "an unknown package"


def check_clashes() -> None:
    """Raise the first clash among the installed entry points, if any."""
    if CLASHES:
        raise PortError(CLASHES[0])


def sources() -> dict[str, str]:
    """{port name: where it was registered from}, for the pytest header and reports."""
    return {name: info.source for name, info in PORTS.items()}
