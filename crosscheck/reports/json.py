"""Reports as JSON: strict (no NaN), with the environment block every report carries."""

import json
import math
import os
import platform
from pathlib import Path

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
    write_whole(path, lambda partial: Path(partial).write_text(text), "")


def write_whole(path: str, write, what: str) -> None:
    """`write(partial)` into a file beside `path`, then renamed onto it: a report is there whole
    or not at all, even if the run is interrupted while it is written."""
    partial = Path(path).with_name(f".{Path(path).name}.partial")
    try:
        write(str(partial))
        os.replace(partial, path)
    except OSError as error:
        raise UsageError(f"{path}: cannot write{what}: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)
