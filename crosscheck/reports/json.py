"""Reports as JSON: strict (no NaN), with the environment block every report carries."""

import json
import math
import os
import platform
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import UsageError

SCHEMA_VERSION = 1  # of every report: compare, sweep and bench


def environment(preflight: dict) -> dict:
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    versions |= {name: entry.get("version") for name, entry in preflight.items() if name != "numpy"}
    return {
        "versions": versions,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "frameworks": preflight,
    }


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions_line(env: dict) -> str:
    return "versions: " + " | ".join(f"{k} {v}" for k, v in env["versions"].items() if v)


def json_safe(value):
    """Non-finite floats as null (strict JSON has no NaN or inf); numpy scalars as Python's."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


def write_json(data: dict, path: str) -> None:
    text = json.dumps(json_safe(data), indent=2, allow_nan=False) + "\n"
    write_whole(path, lambda out: out.write(text.encode("utf-8")), "the JSON report")


def write_whole(path: str, write: Callable[[BinaryIO], object], what: str) -> None:
    """Write a report (`write(out)`, `out` a binary file) to `path` as a shell's `>` would, and
    whole or not at all where that can be done. A regular file, or none yet, is written into a
    file beside it, then renamed onto it: the report is there whole or not at all, even if the
    run is interrupted while it is written. A symlink is followed (the rename is made at its
    target, so the link stays a link); a FIFO or a device is written into, as it is."""
    try:
        if _special(path):
            with open(path, "wb") as out:
                write(out)
        else:
            _replace(Path(os.path.realpath(path)), write)
    except OSError as error:
        raise UsageError(f"{path}: cannot write {what}: {error.strerror or error}") from None


def _special(path: str) -> bool:
    """Whether `path` (symlinks followed) is there and neither a regular file nor a directory: a
    FIFO, a device, a pipe (/dev/stdout)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _replace(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """`write` into a file beside `target`, then that file renamed onto it."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        with open(partial, "wb") as out:
            write(out)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
