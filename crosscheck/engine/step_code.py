"""The code of one training step in each port, read from the port's own source when asked for,
so what a report shows is what ran: the forward pass, the gradients and the update.

A port names its functions or classes for each part in STEP_CODE (ports/protocol.py); a port
that names none shows its protocol functions forward, loss_and_grads and train, those it has (a
part it does not compute says so). A name may also be:

    "file.js:name"   the function `name` of a file beside the port's module (code that is not
                     Python: the part runs in another language), from its line `function name(`
                     to the next line that is a lone "}"
    "name()"         what the port's function `name` returns, a list of lines: code the port
                     generates rather than writes (an exported graph's nodes)
"""

import inspect
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from nn_crosscheck import ports
from nn_crosscheck.ports import PortError

PARTS = {"forward": "forward pass", "gradients": "gradients", "update": "one SGD step"}
DEFAULT = {"forward": ("forward",), "gradients": ("loss_and_grads",), "update": ("train",)}


@dataclass(frozen=True)
class Snippet:
    name: str  # as the port names it ("Net.forward")
    path: str  # its file, from the directory that holds its top-level package ("ports/torch.py")
    line: int  # first line in that file (0: unknown)
    code: str  # the source, dedented; or why it could not be read


def _resolve(module, dotted: str):
    obj = module
    for part in dotted.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise PortError(
                f"{module.__name__}: STEP_CODE names {dotted!r}, but {part!r} is not defined there"
            ) from None
    return inspect.unwrap(obj)


def _display_path(obj) -> str:
    """The source file relative to the directory that holds the object's top-level package (or
    module): "ports/torch.py", "loopnet/port.py", "drifted_port.py"."""
    try:
        file = Path(inspect.getsourcefile(obj) or "").resolve()
    except TypeError:
        return "(built in)"
    owner = obj.__name__ if inspect.ismodule(obj) else getattr(obj, "__module__", None) or ""
    top = sys.modules.get(owner.split(".")[0])
    top_file = getattr(top, "__file__", None)
    if top_file:
        top_file = Path(top_file).resolve()
        base = top_file.parent.parent if top_file.name == "__init__.py" else top_file.parent
        if file.is_relative_to(base):
            return file.relative_to(base).as_posix()
    return file.name


def _foreign(module, spec: str) -> Snippet:
    """The function of a file beside the port's module: "network.js:forward"."""
    name, function = spec.split(":", 1)
    path = Path(module.__file__).resolve().with_name(name)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        return Snippet(spec, name, 0, f"(source not available: {error})")
    start = next((i for i, line in enumerate(lines) if line.startswith(f"function {function}(")), None)
    if start is None:
        raise PortError(f"{module.__name__}: STEP_CODE names {spec!r}, but {name} has no function {function}")
    end = next((i for i in range(start, len(lines)) if lines[i] == "}"), len(lines) - 1)
    folder = _display_path(module).rpartition("/")[0]
    return Snippet(spec, f"{folder}/{name}" if folder else name, start + 1, "\n".join(lines[start : end + 1]))


def _generated(module, spec: str) -> Snippet:
    """What the port's function returns: "graph_nodes()"."""
    function = _resolve(module, spec.removesuffix("()"))
    return Snippet(spec, f"{_display_path(function)} (its output)", 0, "\n".join(function()))


def snippet(module, dotted: str) -> Snippet:
    if ":" in dotted:
        return _foreign(module, dotted)
    if dotted.endswith("()"):
        return _generated(module, dotted)
    obj = _resolve(module, dotted)
    try:
        lines, start = inspect.getsourcelines(obj)
    except (OSError, TypeError) as error:  # no source to read: a builtin, a compiled extension
        return Snippet(dotted, _display_path(obj), 0, f"(source not available: {error})")
    return Snippet(dotted, _display_path(obj), start, textwrap.dedent("".join(lines)).rstrip())


def step_code(framework: str) -> dict[str, list[Snippet]]:
    """{part: the snippets that compute it} for the port registered as `framework`, in PARTS
    order. PortError when its STEP_CODE names a part or a function it does not have."""
    module = ports.load(framework).module
    declared = getattr(module, "STEP_CODE", {})
    unknown = [part for part in declared if part not in PARTS]
    if unknown:
        raise PortError(
            f"{module.__name__}: STEP_CODE has {', '.join(map(repr, unknown))}; valid: {', '.join(PARTS)}"
        )
    found = {}
    for part in PARTS:
        names = declared.get(part) or [n for n in DEFAULT[part] if hasattr(module, n)]
        found[part] = [snippet(module, name) for name in names] or [NOT_COMPUTED]
    return found


# A part a port does not compute (the gradients and the update of a port that only evaluates).
NOT_COMPUTED = Snippet("-", "", 0, "(not computed by this port: not provided)")
