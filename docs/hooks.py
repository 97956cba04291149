"""MkDocs hook: the API page, written from the docstrings of the public names at build time.

A line `::: dotted.name` in a page becomes that object's entry: its signature (or, for a
constant, its value), its docstring, and for a class the docstrings of its own public methods
and properties. The object is imported from the installed package, so the page documents the
code that runs. A name that cannot be imported, or that has no docstring, fails the build.
"""

import importlib
import inspect
import re

from mkdocs.exceptions import PluginError

DIRECTIVE = re.compile(r"^::: ([\w.]+)[ \t]*$", re.M)
# A name of the package's internals in an annotation reads as the public name it is: `Result`,
# not `nn_crosscheck.api.Result` (and `Iterable`, not `collections.abc.Iterable`).
QUALIFIED = re.compile(r"\b(?:nn_crosscheck|collections\.abc)(?:\.\w+)*\.(\w+)")


def on_page_markdown(markdown, page, config, files):
    return DIRECTIVE.sub(lambda m: entry(m.group(1)), markdown)


def resolve(dotted: str):
    """The object `dotted` names: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(dotted)


def entry(dotted: str) -> str:
    try:
        obj = resolve(dotted)
    except (ImportError, AttributeError) as error:
        raise PluginError(f"API page: cannot import {dotted!r}: {error}") from error
    name = dotted.rsplit(".", 1)[-1]
    if inspect.isclass(obj) or inspect.isroutine(obj):
        lines = [f"### `{dotted}`", "", "```python", signature(name, obj), "```", "", docstring(dotted, obj)]
        if inspect.isclass(obj):
            lines += [member(dotted, key, value) for key, value in vars(obj).items() if public(key, value)]
    else:
        shown = repr(obj)
        if len(shown) > 100:
            shown = f"{type(obj).__name__} of {len(obj)}" if hasattr(obj, "__len__") else type(obj).__name__
        lines = [f"### `{dotted}`", "", "```python", f"{name} = {shown}", "```"]
    return "\n".join(lines) + "\n"


def signature(name: str, obj, width: int = 90) -> str:
    """`def name(...)`, one parameter a line where it would not fit on one; a class's without
    the `-> None` of its __init__, a method's without `self`."""
    kind = "class " if inspect.isclass(obj) else "def "
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):  # a class with no inspectable __init__
        return f"{kind}{name}"
    if inspect.isclass(obj):
        sig = sig.replace(return_annotation=sig.empty)
    parameters = [p for p in sig.parameters.values() if p.name != "self"]
    sig = sig.replace(parameters=parameters)
    line = QUALIFIED.sub(r"\1", f"{kind}{name}{sig}")
    if len(line) <= width:
        return line
    inner = QUALIFIED.sub(r"\1", str(sig))[1:]  # "a, *, b=1) -> R": split at the top level
    head, returns = inner.rsplit(")", 1)
    return f"{kind}{name}(\n" + "".join(f"    {p},\n" for p in _top_level(head)) + f"){returns}"


def _top_level(text: str) -> list[str]:
    """`text` split at the commas outside brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    return [*parts, text[start:].strip()]


def docstring(dotted: str, obj) -> str:
    text = inspect.getdoc(obj)
    if not text:
        raise PluginError(f"API page: {dotted} has no docstring")
    return text


def public(key: str, value) -> bool:
    """A class's own public method or property (each must have a docstring: `docstring`)."""
    return not key.startswith("_") and (isinstance(value, property) or inspect.isfunction(value))


def member(owner: str, key: str, value) -> str:
    short = owner.rsplit(".", 1)[-1]
    if isinstance(value, property):
        head, value = f"{short}.{key}  # property", value.fget
    else:
        head = signature(f"{short}.{key}", value).removeprefix("def ")
    text = docstring(f"{owner}.{key}", value)
    return "\n".join(["", f"#### `{short}.{key}`", "", "```python", head, "```", "", text])
