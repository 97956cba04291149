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

DIRECTIVE = re.compile(r"^::: ([\w.]+)$", re.M)


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
        lines = [f"## `{dotted}`", "", "```python", signature(name, obj), "```", "", docstring(dotted, obj)]
        if inspect.isclass(obj):
            lines += [member(name, key, value) for key, value in vars(obj).items() if documented(key, value)]
    else:
        shown = repr(obj) if len(repr(obj)) <= 100 else f"{type(obj).__name__} of {len(obj)}"
        lines = [f"## `{dotted}`", "", "```python", f"{name} = {shown}", "```"]
    return "\n".join(lines) + "\n"


def signature(name: str, obj, width: int = 90) -> str:
    """`def name(...)`, one parameter a line where it would not fit on one."""
    kind = "class " if inspect.isclass(obj) else "def "
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):  # a class with no inspectable __init__
        return f"{kind}{name}"
    line = f"{kind}{name}{sig}"
    if len(line) <= width:
        return line
    returns = sig.return_annotation
    returns = "" if returns is sig.empty else f" -> {inspect.formatannotation(returns)}"
    parameters, keyword_only = [], False
    for parameter in sig.parameters.values():
        if parameter.kind is parameter.KEYWORD_ONLY and not keyword_only:
            parameters.append("*")
            keyword_only = True
        parameters.append(str(parameter).replace("collections.abc.", ""))
    return f"{kind}{name}(\n" + "".join(f"    {p},\n" for p in parameters) + f"){returns}"


def docstring(dotted: str, obj) -> str:
    text = inspect.getdoc(obj)
    if not text:
        raise PluginError(f"API page: {dotted} has no docstring")
    return text


def documented(key: str, value) -> bool:
    if key.startswith("_"):
        return False
    function = value.fget if isinstance(value, property) else value
    return inspect.isfunction(function) and bool(inspect.getdoc(function))


def member(owner: str, key: str, value) -> str:
    if isinstance(value, property):
        head = f"{owner}.{key}  # property"
        value = value.fget
    else:
        head = signature(f"{owner}.{key}", value).removeprefix("def ")
    return "\n".join(["", f"### `{owner}.{key}`", "", "```python", head, "```", "", inspect.getdoc(value)])
