"""A port module seen through the whole protocol: what a minimal port leaves out, filled in.

An outside port need define only NAME and forward (ports.protocol says what each takes): a port
of a runtime that only evaluates a trained network (an exported model, a browser) stops there,
and a port may add loss_and_grads without train. The families a port does not provide are
skipped, saying so (`Port.provides`). Everything else has a default here, and what it returns (lists, its own
tensors, a mapping from `train`) comes back to the harness as NumPy float64, so the harness
sees every port, built-in or not, the same way. `validate` checks the names and signatures
before any work, with one PortError naming the module and what is wrong.
"""

import contextlib
import difflib
import inspect
import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Mapping
from types import ModuleType

import numpy as np

from nn_crosscheck.reference import PARAM_NAMES
from nn_crosscheck.reference.article import EPOCHS, LEARN_RATE

from .protocol import (
    DECLARATIONS,
    DTYPES,
    GRADIENTS,
    PROTOCOL,
    NotProvided,
    PortError,
    PortWarning,
    TrainResult,
)

CASE = ("dtype", "device", "mode")
# The protocol's functions: the positional arguments and the keywords each must accept. forward
# is required; the others are checked where a port defines them.
FUNCTIONS = {
    "forward": (("params", "X"), CASE),
    "loss_and_grads": (("params", "x", "y_true"), CASE),
    "train": (("params", "data", "all_y_trues"), (*CASE, "learn_rate", "epochs", "record_steps")),
}
REQUIRED = ("NAME", "forward")
NOT_PROVIDED = "not provided by the port"  # the note of a family a partial port takes no part in


FROM_FILE = "nn_crosscheck_port_"  # the prefix of the name a port given as a file is imported under
CLOSE = 0.8  # difflib's similarity from which a port's name is taken for a protocol name misspelt
WARN_NEAR_MISSES = True  # False in compare's workers (engine/workers.py): their parent said it


def where(module: ModuleType) -> str:
    """The port as a message names it: its file where it was given as one, else its module."""
    path = getattr(module, "__file__", None)
    if path and module.__name__.startswith(FROM_FILE):
        return f"port file {path}"
    return f"port module {module.__name__}" + (f" ({path})" if path else "")


def validate(module: ModuleType) -> None:
    """Raise PortError unless `module` defines NAME and forward, each protocol function it defines
    is callable the way the harness calls it, and its optional declarations are ones the harness
    knows. (train without loss_and_grads is refused: the training families judge a run whose
    gradients nothing has checked.)"""
    misses = near_misses(module)
    missing = [n for n in REQUIRED if not hasattr(module, n)]
    if missing:
        closest = {}  # for each missing name, the port's closest name ('NAMe' before 'NAMES')
        for name, meant in sorted(
            misses, key=lambda m: -difflib.SequenceMatcher(None, *map(str.lower, m)).ratio()
        ):
            closest.setdefault(meant, name)
        hints = [
            f"; it defines {name!r}: did you mean {meant!r}?"
            for meant, name in closest.items()
            if meant in missing
        ]
        raise PortError(
            f"{where(module)}: missing {', '.join(missing)} "
            "(a port defines NAME and forward, and may define loss_and_grads and train)" + "".join(hints)
        )
    _warn_near_misses(module, misses)
    if hasattr(module, "train") and not hasattr(module, "loss_and_grads"):
        raise PortError(f"{where(module)}: defines train but not loss_and_grads (one that trains has both)")
    if not isinstance(module.NAME, str) or not module.NAME.isidentifier():
        raise PortError(f"{where(module)}: NAME must be a name like 'homework', got {module.NAME!r}")
    for function, (positional, keywords) in FUNCTIONS.items():
        if hasattr(module, function):
            _check_signature(module, function, positional, keywords)
    unknown = [d for d in getattr(module, "DTYPES", DTYPES) if d not in DTYPES]
    if unknown:
        raise PortError(f"{where(module)}: DTYPES names {', '.join(unknown)}; valid: {', '.join(DTYPES)}")
    if getattr(module, "GRADIENTS", GRADIENTS[0]) not in GRADIENTS:
        raise PortError(f"{where(module)}: GRADIENTS is {module.GRADIENTS!r}; valid: {', '.join(GRADIENTS)}")


def near_misses(module: ModuleType) -> list[tuple[str, str]]:
    """(name, protocol name) for each public name of `module` close to a name of the protocol
    (ports.protocol) that it does not define: 'trian' where it has no train, 'loss_and_grad'
    where it has no loss_and_grads. Such a port is valid, and the family of the name it lacks is
    skipped: most likely not what its author meant."""
    known = (*PROTOCOL, *DECLARATIONS)
    lacking = [n for n in known if not hasattr(module, n)]
    found = []
    for name, value in vars(module).items():
        if name.startswith("_") or name in known or isinstance(value, ModuleType):
            continue
        by_case = {n.lower(): n for n in lacking}  # 'NAMe' or 'name' for NAME
        close = difflib.get_close_matches(name.lower(), list(by_case), n=1, cutoff=CLOSE)
        if close:
            found.append((name, by_case[close[0]]))
    return found


def _warn_near_misses(module: ModuleType, misses: list[tuple[str, str]]) -> None:
    """A PortWarning for each near miss, "port.py defines 'trian': did you mean 'train'?", at the
    line of the port that defines it. Said by the process that loads the port first: not again by
    the worker processes that load it after it (engine/workers.py, WARN_NEAR_MISSES). Where
    warnings are errors (`-W error`), a PortError saying the same."""
    if not misses or not WARN_NEAR_MISSES:
        return
    path = getattr(module, "__file__", None)
    named = os.path.basename(path) if path else f"port {getattr(module, 'NAME', module.__name__)}"
    for name, meant in misses:
        message = PortWarning(f"{named} defines {name!r}: did you mean {meant!r}?")
        try:
            warnings.warn_explicit(
                message, PortWarning, path or module.__name__, _line(module, name), module.__name__
            )
        except PortWarning as error:
            raise PortError(f"{where(module)}: {error}") from None


def _line(module: ModuleType, name: str) -> int:
    """The line of `module`'s source where `name` is defined (1 where it cannot be told)."""
    value = getattr(module, name)
    code = getattr(value, "__code__", None)
    if code is not None:
        return code.co_firstlineno
    with contextlib.suppress(OSError, TypeError):
        lines = inspect.getsource(module).splitlines()
        pattern = re.compile(rf"^{re.escape(name)}\s*[:=]")
        return next((i for i, line in enumerate(lines, 1) if pattern.match(line)), 1)
    return 1


def provides(port, name: str) -> bool:
    """Whether `port` (a Port, a module, or any object with the protocol's names) has `name`."""
    check = getattr(port, "provides", None)
    return check(name) if callable(check) else hasattr(port, name)


def _check_signature(module, function: str, positional, keywords) -> None:
    fn = getattr(module, function)
    call = f"{function}({', '.join(positional)}, *, {', '.join(keywords)})"
    if not callable(fn):
        raise PortError(f"{where(module)}: {function} is not a function; expected {call}")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # no signature to read (a builtin): taken on trust
        return
    try:
        signature.bind(*positional, **dict.fromkeys(keywords))
    except TypeError as error:
        raise PortError(
            f"{where(module)}: {function}{signature} cannot be called as {call}: {error}"
        ) from None


def _float64(values, what: str) -> np.ndarray:
    """`values` as a float64 copy (the port keeps its own arrays); a PortError for what is not
    real numbers: None, text, ragged lists, complex values (whose imaginary part a cast drops)."""
    if values is None:
        raise PortError(f"{what}: gave None, not numbers")
    try:
        found = np.asarray(values)
        if np.iscomplexobj(found):
            raise PortError(f"{what}: gave complex values ({found.dtype}), not real numbers")
        return np.array(found, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise PortError(f"{what}: cannot be read as numbers ({type(error).__name__}: {error})") from None


def _by_name(values, what: str) -> dict[str, float]:
    """The nine parameters (or partials) by name, as floats; an absent one is NaN, so it fails
    its check rather than stopping the run."""
    if not isinstance(values, Mapping):
        values = dict(zip(PARAM_NAMES, _float64(values, what).reshape(-1)))
    return {p: float(_float64(values[p], what)) if p in values else math.nan for p in PARAM_NAMES}


def train_result(result, device: str, what: str) -> TrainResult:
    """A TrainResult (or anything with its fields) or a mapping with keys losses, params, steps
    (and optionally device), as a TrainResult of NumPy float64."""
    if isinstance(result, Mapping):
        fields = dict(result)
    else:
        fields = {f: getattr(result, f, None) for f in ("losses", "params", "steps", "device")}
    missing = [k for k in ("losses", "params") if fields.get(k) is None]
    if missing:
        raise PortError(
            f"{what}: returned no {' or '.join(missing)} (a TrainResult or a mapping is expected)"
        )
    steps = fields.get("steps")
    return TrainResult(
        losses=_float64(fields["losses"], what).reshape(-1),
        params=_by_name(fields["params"], what),
        steps=None if steps is None else _float64(steps, what),
        device=str(fields.get("device") or device),
    )


class Port:
    """`module` with the whole protocol: its own functions where it defines them, the defaults
    otherwise (MODES: eager; DTYPES: both; devices(): the CPU; version(): its __version__;
    precision(): none pinned), every result as NumPy float64, its warnings recorded (`warned`).
    Anything else the module defines (LAYOUT, BENCH, train_many, to_native...) is read through
    as it is."""

    def __init__(self, module: ModuleType):
        validate(module)
        self.module = module
        self.NAME = module.NAME
        self.MODES = tuple(getattr(module, "MODES", ("eager",)))
        self.DTYPES = tuple(getattr(module, "DTYPES", DTYPES))
        if not hasattr(module, "DEVICES") and not hasattr(module, "devices"):
            self.DEVICES = ("cpu",)
        self.warned: dict[tuple[str, str, str], Counter] = {}  # (dtype, device, mode): warnings heard

    def __getattr__(self, name: str):
        if name == "module":  # not set yet (copying, unpickling)
            raise AttributeError(name)
        return getattr(self.module, name)

    def __repr__(self) -> str:
        return f"<port {self.NAME}: {where(self.module)}>"

    def _optional(self, name: str):
        return getattr(self.module, name, None)

    def provides(self, name: str) -> bool:
        """Whether the port has `name`: loss_and_grads and train where its module defines them,
        every other name of the protocol as ever (its own, or the default here)."""
        return hasattr(self.module, name) if name in FUNCTIONS else hasattr(self, name)

    def _require(self, function: str) -> None:
        if not self.provides(function):
            raise NotProvided(f"{self.NAME}.{function}: {NOT_PROVIDED} ({where(self.module)})")

    def devices(self) -> tuple[str, ...]:
        """The devices present here that the port can use (its devices(); default: the CPU)."""
        devices = self._optional("devices")
        return tuple(devices()) if devices else ("cpu",)

    def version(self) -> str:
        """The framework's version (its version(); default: the module's __version__)."""
        version = self._optional("version")
        return str(version()) if version else str(getattr(self.module, "__version__", "unversioned"))

    def pin_precision(self) -> None:
        """Full float32 matmuls, TF32 off, float64 on, as the port pins them (default: nothing)."""
        pin = self._optional("pin_precision")
        if pin:
            pin()

    def precision(self) -> dict:
        """The precision settings in force, as the port reports them (default: none)."""
        precision = self._optional("precision")
        return dict(precision()) if precision else {}

    def _case(self, dtype, device, mode) -> dict:
        return {"dtype": dtype, "device": device, "mode": mode or self.MODES[0]}

    @contextlib.contextmanager
    def _heard(self, case: dict):
        """The warnings the port's own code raises are its business: recorded under its case, as
        "Category: message" with a count, and never raised (not even under `-W error`)."""
        with warnings.catch_warnings(record=True) as heard:
            warnings.simplefilter("always")
            yield
        counts = self.warned.setdefault((case["dtype"], case["device"], case["mode"]), Counter())
        counts.update(f"{w.category.__name__}: {w.message}" for w in heard)

    def forward(self, params, X, *, dtype="float64", device="cpu", mode=None) -> np.ndarray:
        """o1 for each row of X (n rows of two inputs), as NumPy float64 of shape (n,) (mode: the
        port's first unless named). An (n, 1) column, what a framework's one-unit output layer
        gives, holds the same numbers in the same order: it comes back as (n,). Any other shape
        comes back as it is, for the checks to fail saying both shapes."""
        case = self._case(dtype, device, mode)
        with self._heard(case):
            out = self.module.forward(params, X, **case)
        out = _float64(out, f"{self.NAME}.forward")
        return out.reshape(-1) if out.shape == (*np.shape(X)[:1], 1) else out

    def loss_and_grads(self, params, x, y_true, *, dtype="float64", device="cpu", mode=None):
        """(loss, {name: partial}) at one sample, as floats; NotProvided where the port has none."""
        what, case = f"{self.NAME}.loss_and_grads", self._case(dtype, device, mode)
        self._require("loss_and_grads")
        with self._heard(case):
            result = self.module.loss_and_grads(params, x, y_true, **case)
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise PortError(f"{what}: returned {type(result).__name__}, not the pair (loss, partials)")
        loss = _float64(result[0], what)
        if loss.size != 1:
            raise PortError(f"{what}: the loss has shape {loss.shape}, not one number")
        return float(loss.reshape(())), _by_name(result[1], what)

    def train(
        self, params, data, all_y_trues, *, dtype="float64", device="cpu", mode=None,
        learn_rate=LEARN_RATE, epochs=EPOCHS, record_steps=False,
    ) -> TrainResult:  # fmt: skip
        """The article's training run from `params`, as a TrainResult of NumPy float64;
        NotProvided where the port only evaluates."""
        case = self._case(dtype, device, mode)
        self._require("train")
        with self._heard(case):
            result = self.module.train(
                params, data, all_y_trues, **case, learn_rate=learn_rate, epochs=epochs,
                record_steps=record_steps,
            )  # fmt: skip
        return train_result(result, device, f"{self.NAME}.train")
