"""Initial weights from a JSON file under the article's names: {"w1": 0.5, ..., "b3": -1.0}."""

import json
import math
from pathlib import Path

from reference import PARAM_NAMES, Params

from ..errors import UsageError

EXPECTED = "expected an object with exactly the keys " + ", ".join(PARAM_NAMES)


def _describe(value) -> str:
    if isinstance(value, str):
        return f"a string {value!r}"
    if isinstance(value, bool):
        return f"a boolean {str(value).lower()}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return repr(value)


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise _DuplicateKey(k)
    return dict(pairs)


def load_weights(path: str | Path) -> Params:
    """Read and validate a weights file; every problem names the file and the key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot read weights file: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not valid JSON: not UTF-8 text") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as error:
        raise UsageError(f"{path}: duplicate key {error.args[0]!r} ({EXPECTED})") from None
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{path}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: {EXPECTED}; got {_describe(data)}")
    missing = [k for k in PARAM_NAMES if k not in data]
    unknown = [k for k in data if k not in PARAM_NAMES]
    if missing:
        raise UsageError(f"{path}: missing key {missing[0]!r} ({EXPECTED})")
    if unknown:
        raise UsageError(f"{path}: unknown key {unknown[0]!r} ({EXPECTED})")
    return {key: _number(path, key, data[key]) for key in PARAM_NAMES}


def _number(path: Path, key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{path}: key {key!r}: expected a number, got {_describe(value)}")
    if not math.isfinite(float(value) if abs(value) < 1e308 else math.inf):
        raise UsageError(f"{path}: key {key!r}: expected a finite number, got {value}")
    return float(value)


def dump_weights(params: Params, path: str | Path) -> None:
    Path(path).write_text(json.dumps({k: params[k] for k in PARAM_NAMES}, indent=2) + "\n")
