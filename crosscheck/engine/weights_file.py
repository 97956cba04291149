"""Initial weights from a JSON file under the article's names: {"w1": 0.5, ..., "b3": -1.0}."""

import json
import math
import numbers
import sys
from pathlib import Path

from nn_crosscheck.reference import PARAM_NAMES, Params

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
        data = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_float=_float, parse_constant=_Literal
        )
    except _DuplicateKey as error:
        raise UsageError(f"{path}: duplicate key {error.args[0]!r} ({EXPECTED})") from None
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{path}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    return checked_weights(data, str(path))


def checked_weights(data, where: str) -> Params:
    """`data` as weights ({name: float}, in PARAM_NAMES' order), each key of the article's and
    each value a finite number; else a UsageError naming `where` and the key."""
    if not isinstance(data, dict):
        raise UsageError(f"{where}: {EXPECTED}; got {_describe(data)}")
    missing = [k for k in PARAM_NAMES if k not in data]
    unknown = [k for k in data if k not in PARAM_NAMES]
    if missing:
        raise UsageError(f"{where}: missing key {missing[0]!r} ({EXPECTED})")
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r} ({EXPECTED})")
    return {key: _number(where, key, data[key]) for key in PARAM_NAMES}


LARGEST = sys.float_info.max  # 1.8e308: the largest float64


class _Literal(str):
    """A number as written, where float64 cannot hold it (1e309) or JSON has no such value
    (NaN, Infinity: Python's json reads them, strict JSON does not)."""


def _float(text: str) -> float | _Literal:
    value = float(text)
    return value if math.isfinite(value) else _Literal(text)


def _number(path: str, key: str, value) -> float:
    if isinstance(value, _Literal):
        if value.lstrip("-") in ("NaN", "Infinity"):
            raise UsageError(f"{path}: key {key!r}: {value} is not a number JSON allows; give a finite one")
        raise UsageError(f"{path}: key {key!r}: {value} is beyond the largest float64, {LARGEST:.4g}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UsageError(f"{path}: key {key!r}: expected a number, got {_describe(value)}")
    if not isinstance(value, int) and not math.isfinite(value):  # from Python (JSON's are _Literal)
        raise UsageError(f"{path}: key {key!r}: {value} is not a finite number; give a finite one")
    if isinstance(value, int) and abs(value) > LARGEST:
        digits = len(str(abs(value)))
        raise UsageError(f"{path}: key {key!r}: an integer of {digits} digits is beyond the largest float64")
    return float(value)


def dump_weights(params: Params, path: str | Path) -> None:
    Path(path).write_text(json.dumps({k: params[k] for k in PARAM_NAMES}, indent=2) + "\n")
