"""The mutation self-test's catalogue: realistic porting bugs, each a small variant of a correct
port made without editing a source file (a wrapper around its functions, or a patch applied only
while they run). `crosscheck selftest` puts each through the same checks as `compare`.

CATALOGUE: bugs made from the built-in ports, some reaching into a framework (torch's Net).
PROTOCOL_CATALOGUE: bugs made from any port through the protocol alone, for an outside port
(`crosscheck selftest --port FILE --frameworks NAME`).
"""

import contextlib
import math
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import ModuleType, SimpleNamespace
from unittest import mock

import numpy as np

from nn_crosscheck import ports
from nn_crosscheck.ports.protocol import PROTOCOL, TrainResult, as_params
from nn_crosscheck.reference import PARAM_NAMES, OurNeuralNetwork, deriv_sigmoid, partials, sigmoid
from nn_crosscheck.reference.article import EPOCHS, LEARN_RATE, LOG_EVERY

from .cases import Case


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    framework: str  # the correct port it is made from
    dtype: str
    mode: str
    build: Callable[[ModuleType], SimpleNamespace]  # correct port -> mutated port
    protocol: bool = False  # of PROTOCOL_CATALOGUE (made through the protocol alone), not of CATALOGUE

    def case(self) -> Case:
        port = self.build(ports.load(self.framework))
        return Case(self.framework, "cpu", self.dtype, self.mode, variant=self.name, port_override=port)


def derive(base, **overrides) -> SimpleNamespace:
    """A port with `base`'s functions and declarations, some replaced: only those it has (a port
    that only evaluates gets no train from a mutant that wraps train)."""
    names = (*PROTOCOL, "DTYPES", "DEVICES")
    kept = {name: getattr(base, name) for name in names if ports.provides(base, name)}
    return SimpleNamespace(**kept | {k: v for k, v in overrides.items() if ports.provides(base, k)})


def patched(base, make_patches: Callable[[], list]) -> SimpleNamespace:
    """A port whose every function runs with the patches from `make_patches()` applied."""

    def wrap(fn):
        def run(*args, **kwargs):
            with contextlib.ExitStack() as stack:
                for patch in make_patches():
                    stack.enter_context(patch)
                return fn(*args, **kwargs)

        return run

    return SimpleNamespace(**{n: wrap(f) if callable(f) else f for n, f in vars(derive(base)).items()})


# --- Mapping bugs: a consistent but wrong layout (the port reads its own mapping back fine).


def swapped(a: str, b: str):
    def swap(params):
        p = dict(params)
        p[a], p[b] = p[b], p[a]
        return p

    order = [PARAM_NAMES.index(swap(dict(zip(PARAM_NAMES, PARAM_NAMES)))[n]) for n in PARAM_NAMES]

    def build(base):
        def loss_and_grads(params, x, y_true, **kw):
            loss, grads = base.loss_and_grads(swap(params), x, y_true, **kw)
            return loss, swap(grads)

        def train(params, data, all_y_trues, **kw):
            r = base.train(swap(params), data, all_y_trues, **kw)
            return replace(r, params=swap(r.params), steps=None if r.steps is None else r.steps[:, order])

        native = {}  # the mapping functions, where the port has them
        if hasattr(base, "to_native") and hasattr(base, "from_native"):
            native = {
                "to_native": lambda params, **kw: base.to_native(swap(params), **kw),
                "from_native": lambda native: swap(base.from_native(native)),
            }
        return derive(
            base,
            forward=lambda params, X, **kw: base.forward(swap(params), X, **kw),
            loss_and_grads=loss_and_grads,
            train=train,
            **native,
        )

    return build


# --- Model bugs in the torch port, patched in only while its functions run.


def _torch_forward_patch(forward):
    def build(base):
        return patched(base, lambda: [mock.patch.object(base.Net, "forward", forward)])

    return build


def _forward_without_b3(self, x):
    import torch

    h = torch.sigmoid(self.hidden(x))
    return torch.sigmoid(self.output(h) - self.output.bias).squeeze(-1)  # b3 in, b3 out: dropped


def _tf32(t):
    """Round float32 to TF32's 10-bit mantissa, straight through for autograd. TF32 exists only
    for float32 matmuls: float64 ones (the finite-difference oracle's) are left alone."""
    import torch

    if t.dtype != torch.float32:
        return t
    mantissa, exponent = torch.frexp(t)
    rounded = torch.ldexp(torch.round(mantissa * 2048) / 2048, exponent)
    return t + (rounded - t).detach()


def _forward_tf32(self, x):
    import torch
    from torch.nn import functional

    h = torch.sigmoid(functional.linear(_tf32(x), _tf32(self.hidden.weight), self.hidden.bias))
    return torch.sigmoid(functional.linear(_tf32(h), _tf32(self.output.weight), self.output.bias)).squeeze(-1)


def _half_mse(base):
    import torch

    class HalfMSELoss(torch.nn.MSELoss):
        def forward(self, input, target):
            return 0.5 * super().forward(input, target)  # the "1/2 makes the derivative nicer" habit

    return patched(base, lambda: [mock.patch.object(torch.nn, "MSELoss", HalfMSELoss)])


def _no_zero_grad(base):
    import torch

    def keep(self, set_to_none=True):  # the forgotten call: each backward adds to the last one's
        pass

    return patched(base, lambda: [mock.patch.object(torch.optim.SGD, "zero_grad", keep)])


def _fast_sigmoid(base):
    import torch

    def fast(x):
        # exp(-x) ~ (1 - x/1024)^1024 by ten squarings: a cheap exp, accurate only near 0.
        e = 1 - x / 1024
        for _ in range(10):
            e = e * e
        return 1 / (1 + e)

    return patched(base, lambda: [mock.patch.object(torch, "sigmoid", fast)])


# --- Training-loop bugs, as wrappers.


# The protocol function each protocol-level mutant changes where the port has it (else forward):
# a port without it gets no such mutant.
NEEDS = {
    "learning_rate_0.01": "train",
    "reversed_samples": "train",
    "last_sample_dropped": "train",
    "epochs_999": "train",
    "nan_partial": "loss_and_grads",
}


def _forcing(names: tuple[str, ...], **forced):
    """The functions `names` called with some keyword arguments forced."""

    def build(base):
        def force(fn):
            return lambda *args, **kw: fn(*args, **{**kw, **forced})

        return derive(base, **{n: force(getattr(base, n)) for n in names if hasattr(base, n)})

    return build


def _training_with(**forced):
    return _forcing(("train",), **forced)


def _computing_in(dtype: str):
    return _forcing(("to_native", "mse_loss", "forward", "loss_and_grads", "train"), dtype=dtype)


def _reversed_samples(base):
    return derive(base, train=lambda params, data, ys, **kw: base.train(params, data[::-1], ys[::-1], **kw))


def _loss_before_pass(base):
    def train(params, data, all_y_trues, *, record_steps=False, **kw):
        r = base.train(params, data, all_y_trues, record_steps=True, **kw)
        case = {k: kw[k] for k in ("dtype", "device", "mode") if k in kw}
        n, epochs = len(data), len(r.steps) // len(data)
        # Before epoch e's pass = after the last step of epoch e - 1.
        before = [params] + [as_params(r.steps[e * n - 1]) for e in range(LOG_EVERY, epochs, LOG_EVERY)]
        mode = case.pop("mode", None)
        outputs = [base.forward(p, data, **case, **({"mode": mode} if mode else {})) for p in before]
        losses = [base.mse_loss(all_y_trues, y_pred, **case) for y_pred in outputs]
        return replace(r, losses=np.array(losses), steps=r.steps if record_steps else None)

    return derive(base, train=train)


def _nan_partial(base):
    def loss_and_grads(params, x, y_true, **kw):
        loss, grads = base.loss_and_grads(params, x, y_true, **kw)
        return loss, {**grads, "w4": math.nan}

    return derive(base, loss_and_grads=loss_and_grads)


def _numpy_loop(step):
    """A NumPy port whose training loop applies `step(net, x, y_true, learn_rate)` per sample
    (or per epoch, for a step that takes the whole data set)."""

    def build(base):
        def train(params, data, all_y_trues, *, dtype="float64", device="cpu", mode="eager",
                  learn_rate=LEARN_RATE, epochs=EPOCHS, record_steps=False):  # fmt: skip
            net = OurNeuralNetwork(params, dtype=dtype)
            data, ys = np.asarray(data, dtype=dtype), np.asarray(all_y_trues, dtype=dtype)
            losses, steps = [], []
            for epoch in range(epochs):
                for snapshot in step(net, data, ys, learn_rate):
                    steps.append(snapshot)
                if epoch % LOG_EVERY == 0:
                    losses.append(float(np.mean((ys - net.feedforward(data.T)) ** 2)))
            return TrainResult(
                np.array(losses), net.params(), np.array(steps) if record_steps else None, "cpu"
            )

        return derive(base, train=train)

    return build


def _full_batch_epoch(net, data, ys, learn_rate):
    """One gradient step of the MSE over all four samples per epoch."""
    _, grads = partials(net, data.T, ys)  # per-sample partials, elementwise over the batch
    for p in PARAM_NAMES:
        setattr(net, p, getattr(net, p) - learn_rate * np.mean(grads[p]))
    yield [float(getattr(net, p)) for p in PARAM_NAMES]


def _sequential_epoch(net, data, ys, learn_rate):
    """Per-sample steps that update the output neuron first, so the new w5, w6 leak into the
    same step's hidden-layer partials."""
    for x, y_true in zip(data, ys):
        sum_h1 = net.w1 * x[0] + net.w2 * x[1] + net.b1
        sum_h2 = net.w3 * x[0] + net.w4 * x[1] + net.b2
        h1, h2 = sigmoid(sum_h1), sigmoid(sum_h2)
        sum_o1 = net.w5 * h1 + net.w6 * h2 + net.b3
        d_L_d_ypred = -2 * (y_true - sigmoid(sum_o1))
        net.w5 -= learn_rate * d_L_d_ypred * h1 * deriv_sigmoid(sum_o1)
        net.w6 -= learn_rate * d_L_d_ypred * h2 * deriv_sigmoid(sum_o1)
        net.b3 -= learn_rate * d_L_d_ypred * deriv_sigmoid(sum_o1)
        d_ypred_d_h1 = net.w5 * deriv_sigmoid(sum_o1)  # the bug: w5 already updated
        d_ypred_d_h2 = net.w6 * deriv_sigmoid(sum_o1)
        net.w1 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * x[0] * deriv_sigmoid(sum_h1)
        net.w2 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * x[1] * deriv_sigmoid(sum_h1)
        net.b1 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * deriv_sigmoid(sum_h1)
        net.w3 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * x[0] * deriv_sigmoid(sum_h2)
        net.w4 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * x[1] * deriv_sigmoid(sum_h2)
        net.b2 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * deriv_sigmoid(sum_h2)
        yield [float(getattr(net, p)) for p in PARAM_NAMES]


# One mutant a line: name, the correct port it is made from, the bug, how it is made.
CATALOGUE = [
    ("hidden_transposed",  "jax float64 jit",     "hidden weights transposed (w2 <-> w3)",                 swapped("w2", "w3")),
    ("output_swapped",     "jax float32 nojit",   "output weights swapped (w5 <-> w6)",                    swapped("w5", "w6")),
    ("bias_dropped",       "torch float64 eager", "output bias b3 dropped from the forward pass",          _torch_forward_patch(_forward_without_b3)),
    ("learning_rate_0.01", "jax float64 jit",     "learning rate 0.01 instead of 0.1",                     _training_with(learn_rate=0.01)),
    ("half_loss",          "torch float64 eager", "loss with a 1/2 factor (gradients halved)",             _half_mse),
    ("no_zero_grad",       "torch float64 eager", "optimizer.zero_grad() forgotten: gradients accumulate", _no_zero_grad),
    ("reversed_samples",   "jax float32 jit",     "samples visited in reverse order",                      _reversed_samples),
    ("epochs_999",         "jax float64 jit",     "999 epochs instead of 1000",                            _training_with(epochs=999)),
    ("full_batch",         "numpy float64 eager", "one full-batch step per epoch, not per-sample steps",   _numpy_loop(_full_batch_epoch)),
    ("loss_before_pass",   "jax float64 jit",     "loss logged before the epoch's pass, not after",        _loss_before_pass),
    ("sequential_updates", "numpy float64 eager", "new w5, w6 leak into the same step's hidden partials",  _numpy_loop(_sequential_epoch)),
    ("float32_compute",    "jax float64 jit",     "float32 compute when float64 was asked",                _computing_in("float32")),
    ("tf32_matmul",        "torch float32 eager", "matmul operands rounded to TF32's 10-bit mantissa",     _torch_forward_patch(_forward_tf32)),
    ("fast_sigmoid",       "torch float64 eager", "a 'fast' sigmoid: exp by ten squarings",                _fast_sigmoid),
    ("nan_partial",        "jax float64 jit",     "a NaN in one partial (dL/dw4)",                         _nan_partial),
]  # fmt: skip
MUTANTS = [
    Mutant(name, description, *made_from.split(), build) for name, made_from, description, build in CATALOGUE
]


# --- Protocol-level bugs: made from any port's forward, loss_and_grads and train alone, by
# wrapping them (no framework code), so an outside port can be shown to be checked as closely.


def _perturbed(name: str, relative: float):
    """`name` read as name * (1 + relative) on the way in, wherever parameters enter."""

    def nudge(params):
        return {**params, name: params[name] * (1 + relative)}

    def build(base):
        return derive(
            base,
            forward=lambda params, X, **kw: base.forward(nudge(params), X, **kw),
            loss_and_grads=lambda params, x, y_true, **kw: base.loss_and_grads(
                nudge(params), x, y_true, **kw
            ),
            train=lambda params, data, ys, **kw: base.train(nudge(params), data, ys, **kw),
        )

    return build


def _last_sample_dropped(base):
    return derive(base, train=lambda params, data, ys, **kw: base.train(params, data[:-1], ys[:-1], **kw))


def _through_float32(base):
    """Every number in and out rounded to float32, whatever dtype was asked for."""

    def f32(values):
        return np.asarray(values, dtype=np.float32).astype(np.float64)

    def rounded(params):
        return {p: float(f32(v)) for p, v in params.items()}

    def loss_and_grads(params, x, y_true, **kw):
        loss, grads = base.loss_and_grads(rounded(params), f32(x), float(f32(y_true)), **kw)
        return float(f32(loss)), rounded(grads)

    def train(params, data, ys, **kw):
        r = base.train(rounded(params), f32(data), f32(ys), **kw)
        return replace(
            r, losses=f32(r.losses), params=rounded(r.params), steps=None if r.steps is None else f32(r.steps)
        )

    return derive(
        base,
        forward=lambda params, X, **kw: f32(base.forward(rounded(params), f32(X), **kw)),
        loss_and_grads=loss_and_grads,
        train=train,
    )


# One protocol-level mutant a line: name, the dtypes it applies to, the bug, how it is made.
PROTOCOL_CATALOGUE = [
    ("hidden_transposed",   ("float32", "float64"), "hidden weights transposed (w2 <-> w3) on the way in and out", swapped("w2", "w3")),
    ("output_swapped",      ("float32", "float64"), "output weights swapped (w5 <-> w6) on the way in and out",    swapped("w5", "w6")),
    ("b1_perturbed",        ("float32", "float64"), "b1 read 0.1% off on the way in",                              _perturbed("b1", 1e-3)),
    ("learning_rate_0.01",  ("float32", "float64"), "learning rate 0.01 passed through instead of 0.1",            _training_with(learn_rate=0.01)),
    ("reversed_samples",    ("float32", "float64"), "samples visited in reverse order",                            _reversed_samples),
    ("last_sample_dropped", ("float32", "float64"), "the last sample's step dropped from every epoch",             _last_sample_dropped),
    ("epochs_999",          ("float32", "float64"), "999 epochs instead of 1000",                                  _training_with(epochs=999)),
    ("float32_detour",      ("float64",),           "every number in and out through float32 in a float64 run",    _through_float32),
    ("nan_partial",         ("float32", "float64"), "a NaN in one partial (dL/dw4)",                               _nan_partial),
]  # fmt: skip


def protocol_mutants(framework: str, dtypes=None) -> list[Mutant]:
    """The protocol-level mutants made from `framework`'s port, in each dtype it computes in
    (those of `dtypes` only, if given), of the functions it provides (NEEDS), on the CPU, in its compiled mode if it has one (the
    fastest to train: TensorFlow's xla trains in ~1 s, its eager mode in ~20 s), else its first."""
    info = ports.info(framework)
    unavailable = info.declared("UNAVAILABLE_MODES", {})
    mode = info.compiled_mode or next((m for m in info.modes if m not in unavailable), info.modes[0])
    return [
        Mutant(name, description, framework, dtype, mode, build, protocol=True)
        for dtype in info.dtypes
        if dtypes is None or dtype in dtypes
        for name, applies, description, build in PROTOCOL_CATALOGUE
        if dtype in applies and info.provides(NEEDS.get(name, "forward"))
    ]


def find(framework: str, name: str, dtype: str, mode: str, protocol: bool = False) -> Mutant:
    """The mutant of that name made from `framework` in that dtype and mode, of PROTOCOL_CATALOGUE
    if `protocol`, else of CATALOGUE: the two share names (a protocol-level hidden_transposed is
    made from JAX in float64 and jit as the catalogue's is), so a name alone may match two."""
    candidates = protocol_mutants(framework) if protocol else MUTANTS
    key = (framework, name, dtype, mode)
    found = [m for m in candidates if (m.framework, m.name, m.dtype, m.mode) == key]
    if len(found) != 1:
        where = "protocol-level mutants" if protocol else "catalogue"
        raise LookupError(f"{len(found)} mutants of the {where} are {name} of {framework} {dtype} {mode}")
    return found[0]


@dataclass(frozen=True)
class MutantTask:
    """run_mutant for one mutant: in this process the mutant itself, in a worker
    (engine/workers.py) the one it names, found again by `find` (its build is a closure, which
    does not pickle: only the names travel, the catalogue's or the protocol's among them)."""

    framework: str
    name: str
    dtype: str
    mode: str
    protocol: bool = False
    mutant: Mutant | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, mutant: Mutant) -> "MutantTask":
        return cls(mutant.framework, mutant.name, mutant.dtype, mutant.mode, mutant.protocol, mutant)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "mutant": None}

    @property
    def id(self) -> str:
        return self.name

    def perform(self, params):  # params: the mutants always start from SHARED_WEIGHTS
        """run_mutant's result; a Failed (engine/workers.py) where the mutant could not be made or
        run (the harness's error, not a verdict on the checks), here as in a worker."""
        from .workers import Failed

        try:
            mutant = self.mutant or find(self.framework, self.name, self.dtype, self.mode, self.protocol)
            return run_mutant(mutant)
        except Exception as error:
            message = " ".join(str(error).split()) or "(no message)"
            trace = "".join(traceback.format_exception(error))
            return Failed(f"raised {type(error).__name__}: {message}", trace)


NARROW = 10.0  # a mutant caught with its best error/tolerance ratio below this is flagged


def run_mutant(mutant: Mutant) -> dict:
    """The mutant through every compare check: caught or not, by which check, how widely. A
    mutant whose port raised in a protocol call (a check that is an ERROR) is neither: its numbers
    could not be judged, and `error` says why."""
    from nn_crosscheck.reference import SHARED_WEIGHTS

    from .suite import run_case

    case = mutant.case()
    report = run_case(case, SHARED_WEIGHTS)
    error = next((c.note for c in report.checks if c.outcome == "error"), None)
    judged = [c for c in report.checks if c.outcome != "error"]
    failed = [c for c in judged if not c.passed]
    best = max(failed or judged, key=lambda c: c.ratio, default=None)
    caught = bool(failed) and error is None
    return {
        "name": mutant.name,
        "description": mutant.description,
        "case": case.id,
        "caught": caught,
        "check": best.quantity if caught else None,
        "ratio": best.ratio if error is None and best is not None and math.isfinite(best.ratio) else None,
        "checks_failed": [c.quantity for c in failed],
        "narrow": caught and best.ratio < NARROW,
        "error": error,
    }
