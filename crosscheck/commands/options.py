"""Helpers shared by the commands and nn_crosscheck.check: the initial weights they start from
and whether those can run, the paths they write."""

import os
import stat
import tempfile
from pathlib import Path

import numpy as np

from nn_crosscheck.reference import SHARED_WEIGHTS, draw

from ..engine.overflow import describe, first_overflow
from ..engine.weights_file import load_weights
from ..errors import UsageError


def initial_weights(args) -> dict:
    """{"source": description, "params": {...}} from --seed, --weights or the shared ones."""
    if getattr(args, "weights", None) is not None:
        return {"source": f"file {args.weights}", "params": load_weights(args.weights)}
    if args.seed is not None:
        return {"source": f"the article's draw under seed {args.seed}", "params": draw(args.seed)}
    return {"source": "shared (the article's draw under seed 0)", "params": dict(SHARED_WEIGHTS)}


def weights_problem(weights: dict, dtype: str, only: str = "--dtypes float64") -> str | None:
    """Why the initial weights cannot be run in `dtype`: a weight beyond its largest number, or
    the reference's arithmetic from them overflowing (engine/overflow.py); else None. `only`:
    how the caller asks for float64 alone."""
    for name, value in weights["params"].items():
        with np.errstate(over="ignore"):  # the overflow is what is being checked
            finite = np.isfinite(np.array(value, dtype=dtype))
        if not finite:
            return (
                f"initial weights ({weights['source']}): key {name!r}: {value:g} is beyond the largest "
                f"{dtype}, {np.finfo(dtype).max:.4g} ({only} runs float64 alone)"
            )
    where = first_overflow(weights["params"], dtype)
    return f"initial weights ({weights['source']}): {describe(where, dtype)}" if where else None


def check_weights(weights: dict, dtypes, only: str = "--dtypes float64") -> None:
    """Every initial weight must be finite in every selected dtype, and so must the reference's
    arithmetic from them."""
    for dtype in sorted(dtypes):
        problem = weights_problem(weights, dtype, only)
        if problem:
            raise UsageError(problem)


def writable(path: str | None, what: str) -> None:
    """Fail before any work if a report could not be written at `path`, as it will be
    (reports.json.write_whole): a directory there, a parent directory that is missing or in which
    no file can be made, a FIFO or device that is not writable. A symlink is judged by its target."""
    if path is None:
        return
    if not path:
        raise UsageError(f"{what}: empty path")
    problem = _file_problem(path)
    if problem:
        raise UsageError(f"{path}: cannot write {what}: {problem}")


def _file_problem(path: str) -> str | None:
    """Why a report could not be written at `path`, or None."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        return error.strerror or str(error)
    if mode is not None and stat.S_ISDIR(mode):
        return "it is a directory"
    if mode is not None and not os.access(path, os.W_OK):  # as a shell's > would refuse it
        return "permission denied"
    if mode is not None and not stat.S_ISREG(mode):  # a FIFO, a device: written into, as > would
        return None
    # A regular file, or none yet: made beside it (beside a symlink's target), renamed onto it.
    return _directory_problem(Path(os.path.realpath(path)).parent)


def _directory_problem(directory: Path) -> str | None:
    """Why no file can be made in `directory`, found by making one (and removing it), or None."""
    if not directory.is_dir():
        return f"directory {directory} does not exist"
    try:
        handle, probe = tempfile.mkstemp(prefix=".crosscheck-", dir=directory)
    except OSError as error:
        return f"no file can be made in {directory}: {error.strerror or error}"
    os.close(handle)
    os.unlink(probe)
    return None


def check_bundle_path(directory: str | None) -> None:
    """Fail before any work if the bundle could not be written at `directory`: a file there, a
    parent directory missing or in which nothing can be made (the same rule as --json's)."""
    if directory is None:
        return
    if not directory:
        raise UsageError("the reproduction bundle: empty path")
    path = Path(os.path.realpath(directory))
    if path.exists() and not path.is_dir():
        raise UsageError(f"{directory}: cannot write the reproduction bundle: it is a file, not a directory")
    # Made beside it, then moved in: files into a directory already there, else the whole.
    problem = _directory_problem(path.parent) or (_directory_problem(path) if path.is_dir() else None)
    if problem:
        raise UsageError(f"{directory}: cannot write the reproduction bundle: {problem}")
