"""Helpers shared by the commands: the initial weights they start from, JSON output."""

import json
import math
from pathlib import Path

import numpy as np

from reference import SHARED_WEIGHTS, draw

from ..engine.weights_file import load_weights
from ..errors import UsageError


def initial_weights(args) -> dict:
    """{"source": description, "params": {...}} from --seed, --weights or the shared ones."""
    if getattr(args, "weights", None) is not None:
        return {"source": f"file {args.weights}", "params": load_weights(args.weights)}
    if args.seed is not None:
        return {"source": f"the article's draw under seed {args.seed}", "params": draw(args.seed)}
    return {"source": "shared (the article's draw under seed 0)", "params": dict(SHARED_WEIGHTS)}


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


def writable(path: str | None, what: str) -> None:
    """Fail before any work if an output path cannot be written."""
    if path is None:
        return
    if not path:
        raise UsageError(f"{what}: empty path")
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise UsageError(f"{path}: cannot write {what}: directory {parent} does not exist")


def write_json(data: dict, path: str) -> None:
    try:
        Path(path).write_text(json.dumps(json_safe(data), indent=2, allow_nan=False) + "\n")
    except OSError as error:
        raise UsageError(f"{path}: cannot write: {error.strerror or error}") from None
