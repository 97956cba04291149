"""Helpers shared by the commands: the initial weights they start from, output paths."""

import os
from pathlib import Path

from nn_crosscheck.reference import SHARED_WEIGHTS, draw

from ..engine.weights_file import load_weights
from ..errors import UsageError


def initial_weights(args) -> dict:
    """{"source": description, "params": {...}} from --seed, --weights or the shared ones."""
    if getattr(args, "weights", None) is not None:
        return {"source": f"file {args.weights}", "params": load_weights(args.weights)}
    if args.seed is not None:
        return {"source": f"the article's draw under seed {args.seed}", "params": draw(args.seed)}
    return {"source": "shared (the article's draw under seed 0)", "params": dict(SHARED_WEIGHTS)}


def writable(path: str | None, what: str) -> None:
    """Fail before any work if an output path cannot be written."""
    if path is None:
        return
    if not path:
        raise UsageError(f"{what}: empty path")
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise UsageError(f"{path}: cannot write {what}: directory {parent} does not exist")


def check_bundle_path(directory: str | None) -> None:
    """Fail before any work if the bundle could not be written at `directory`: a file there, a
    parent directory missing or not writable (the same rule as --json's)."""
    if directory is None:
        return
    writable(directory, "the reproduction bundle")
    path = Path(directory).resolve()
    if path.exists() and not path.is_dir():
        raise UsageError(f"{directory}: cannot write the reproduction bundle: it is a file, not a directory")
    if not os.access(path.parent, os.W_OK):
        raise UsageError(f"{directory}: cannot write the reproduction bundle: {path.parent} is not writable")
