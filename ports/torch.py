"""The article's network in PyTorch: an nn.Module, autograd, torch.optim.SGD, nn.MSELoss.

Same public functions as ports/numpy.py and ports/jax.py (see ports/protocol.py).
Layout: hidden = nn.Linear(2, 2) holds weight [[w1, w2], [w3, w4]] and bias [b1, b2];
output = nn.Linear(2, 1) holds weight [[w5, w6]] and bias [b3].

Modes: "eager" runs the module, autograd and torch.optim.SGD op by op. "compile" runs the same
Net through torch.func (functional_call over its parameters, torch.func.grad for the partials)
inside torch.compile: the forward, the loss and its gradients, and one whole SGD step are each
compiled once per dtype and device (inductor, C++ on the CPU) and reused for every call and
all 4000 steps; the loop over steps stays in Python, calling the compiled step.
"""

import functools
import os
import shutil
import sys
import warnings

import numpy as np
import torch
from torch import nn

from nn_crosscheck.reference import Params
from nn_crosscheck.reference.article import EPOCHS, LEARN_RATE, LOG_EVERY, PARAM_NAMES

from .protocol import (
    BatchResult,
    PortError,
    TrainResult,
    as_params,
    canary_error,
    canary_operands,
    check_case,
)

NAME = "torch"
MODES = ("eager", "compile")
COMPILED_MODE = "compile"
LABEL = "torch.autograd"
GRADIENTS = "autograd"
EXPECTED_SECONDS = {"eager": 6, "compile": 10}
LAYOUT = {
    "w1": ("hidden", "weight", 0, 0), "w2": ("hidden", "weight", 0, 1),
    "w3": ("hidden", "weight", 1, 0), "w4": ("hidden", "weight", 1, 1),
    "w5": ("output", "weight", 0, 0), "w6": ("output", "weight", 0, 1),
    "b1": ("hidden", "bias", 0), "b2": ("hidden", "bias", 1), "b3": ("output", "bias", 0),
}  # fmt: skip
BENCH = (
    ("eager", "nn.Module, autograd, optim.SGD", "train", {"mode": "eager"}, False),
    ("torch.func", "functional_call and torch.func.grad", "train_functional", {}, False),
    ("compile", "torch.func inside torch.compile, one compiled SGD step", "train", {"mode": "compile"}, True),
)
# The code of one training step, by part, for the HTML report (names in this module): the
# eager mode's module, autograd through nn.MSELoss, and torch.optim.SGD in the training loop.
STEP_CODE = {"forward": ("Net",), "gradients": ("loss_and_grads",), "update": ("train",)}
_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def _compile_unavailable() -> str | None:
    """Why mode "compile" cannot run here: inductor writes C++ for the CPU and needs a compiler."""
    if os.environ.get("CXX") or any(shutil.which(c) for c in ("c++", "g++", "clang++")):
        return None
    return (
        "torch: mode 'compile' needs a C++ compiler for inductor's CPU kernels "
        "(c++, g++ or clang++ on PATH, or CXX set); none found"
    )


# Modes declared but not runnable here, with the reason (the harness skips those cases with it).
UNAVAILABLE_MODES = {"compile": reason} if (reason := _compile_unavailable()) else {}


class Net(nn.Module):
    """2 inputs -> 2 sigmoid hidden neurons (h1, h2) -> 1 sigmoid output (o1)."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 2)
        self.output = nn.Linear(2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (n, 2) -> (n,)"""
        h = torch.sigmoid(self.hidden(x))
        return torch.sigmoid(self.output(h)).squeeze(-1)


class BatchedNet(nn.Module):
    """N networks at once, for train_many: the article's nine parameters, each an (N,) tensor.

    Every operation is then elementwise over contiguous (N,) vectors. Stacking them into
    (N, 2, 2) layer weights instead gives batched 2x2 matmuls whose minor axes have size 2,
    which are far slower (the same finding as for JAX; docs/benchmarks.md).
    """

    def __init__(self, params: dict, dtype: torch.dtype, device: str):
        super().__init__()
        for name in PARAM_NAMES:  # torch.tensor copies: SGD must never update the caller's arrays
            value = torch.tensor(np.asarray(params[name], dtype=np.float64), device=device, dtype=dtype)
            setattr(self, name, nn.Parameter(value))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (2,) one sample -> (N,) each network's o1."""
        h1 = torch.sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.b1)
        h2 = torch.sigmoid(self.w3 * x[0] + self.w4 * x[1] + self.b2)
        return torch.sigmoid(self.w5 * h1 + self.w6 * h2 + self.b3)

    def article_params(self) -> torch.Tensor:
        """(N, 9) in PARAM_NAMES order."""
        return torch.stack([getattr(self, name).detach() for name in PARAM_NAMES], -1)


def version() -> str:
    return torch.__version__


@functools.cache
def devices() -> tuple[str, ...]:
    return ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",)


def pin_precision() -> None:
    """IEEE float32 matmuls everywhere: no TF32 in matmuls or cuDNN."""
    torch.set_float32_matmul_precision("highest")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def precision() -> dict:
    return {
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "cuda.matmul.allow_tf32": torch.backends.cuda.matmul.allow_tf32,
        "cudnn.allow_tf32": torch.backends.cudnn.allow_tf32,
    }


def matmul_canary(device: str = "cpu") -> float:
    a, b = (torch.as_tensor(m, device=device) for m in canary_operands())
    return canary_error((a @ b).cpu().numpy())


def _check(dtype: str, device: str, mode: str) -> None:
    check_case(sys.modules[__name__], dtype, device, mode)
    if mode in UNAVAILABLE_MODES:
        raise PortError(UNAVAILABLE_MODES[mode])


def to_native(params: Params, *, dtype: str = "float64", device: str = "cpu") -> Net:
    _check(dtype, device, "eager")
    p = params
    net = Net().to(device=device, dtype=_DTYPES[dtype])
    with torch.no_grad():
        # From float64 tensors: each value is rounded once, straight to the asked dtype.
        for param, values in zip(
            net.parameters(),
            ([[p["w1"], p["w2"]], [p["w3"], p["w4"]]], [p["b1"], p["b2"]], [[p["w5"], p["w6"]]], [p["b3"]]),
        ):
            param.copy_(torch.tensor(values, dtype=torch.float64))
    return net


def _article_vector(tensors) -> torch.Tensor:
    """(hidden.weight, hidden.bias, output.weight, output.bias) -> nine values, PARAM_NAMES order."""
    hidden_w, hidden_b, output_w, output_b = tensors
    return torch.cat([hidden_w.flatten(), output_w.flatten(), hidden_b, output_b])


def from_native(net: Net) -> Params:
    return as_params(_article_vector([p.detach() for p in net.parameters()]).cpu().double())


def native_devices(net: Net) -> set[str]:
    return {p.device.type for p in net.parameters()}


def _tensor(values, net: Net) -> torch.Tensor:
    """Data onto the module's device and dtype (through float64, never a lossy detour)."""
    w = net.hidden.weight
    return torch.as_tensor(np.asarray(values, dtype=np.float64)).to(device=w.device, dtype=w.dtype)


def mse_loss(y_true, y_pred, *, dtype="float64", device="cpu") -> float:
    _check(dtype, device, "eager")
    y_true, y_pred = (torch.as_tensor(np.asarray(v, dtype=dtype), device=device) for v in (y_true, y_pred))
    return nn.MSELoss()(y_pred, y_true).item()


def forward(params: Params, X, *, dtype="float64", device="cpu", mode="eager") -> np.ndarray:
    """X: (n, 2) inputs -> (n,) outputs o1."""
    _check(dtype, device, mode)
    net = to_native(params, dtype=dtype, device=device)
    if mode == "compile":
        return _compiled("forward")(_weights(net), _tensor(X, net)).cpu().double().numpy()
    with torch.no_grad():
        return net(_tensor(X, net)).cpu().double().numpy()


def loss_and_grads(
    params: Params, x, y_true, *, dtype="float64", device="cpu", mode="eager"
) -> tuple[float, Params]:
    """x: (2,) one sample -> L = (y_true - y_pred)^2 and its nine partials, by autograd."""
    _check(dtype, device, mode)
    net = to_native(params, dtype=dtype, device=device)
    if mode == "compile":
        grads, loss = _compiled("loss_and_grads")(_weights(net), _tensor(x, net), _tensor(y_true, net))
        return loss.item(), as_params(_article_vector(grads.values()).cpu().double())
    loss = nn.MSELoss()(net(_tensor([x], net)), _tensor([y_true], net))
    loss.backward()
    grads = _article_vector([p.grad for p in net.parameters()])
    return loss.item(), as_params(grads.cpu().double())


def train(
    params: Params,
    data,
    all_y_trues,
    *,
    dtype="float64",
    device="cpu",
    mode="eager",
    learn_rate: float = LEARN_RATE,
    epochs: int = EPOCHS,
    record_steps: bool = False,
) -> TrainResult:
    _check(dtype, device, mode)
    if mode == "compile":
        return _train_compiled(params, data, all_y_trues, dtype, device, learn_rate, epochs, record_steps)
    net = to_native(params, dtype=dtype, device=device)
    X, Y = _tensor(data, net), _tensor(all_y_trues, net)
    optimizer = torch.optim.SGD(net.parameters(), lr=learn_rate)
    loss_fn = nn.MSELoss()
    losses, steps = [], []
    for epoch in range(epochs):
        for x, y_true in zip(X, Y):
            optimizer.zero_grad()
            loss_fn(net(x[None]), y_true[None]).backward()
            optimizer.step()
            if record_steps:
                steps.append(_article_vector([p.detach().clone() for p in net.parameters()]))
        if epoch % LOG_EVERY == 0:
            with torch.no_grad():
                losses.append(loss_fn(net(X), Y))
    return TrainResult(
        losses=torch.stack(losses).cpu().double().numpy(),
        params=from_native(net),
        steps=torch.stack(steps).cpu().double().numpy() if record_steps else None,
        device=str(net.hidden.weight.device),
    )


# Mode "compile": the Net as pure functions of its parameters (torch.func), compiled whole.
# One Net serves as the template for functional_call: only its structure is used, never its
# own parameters, so the compiled code does not depend on which Net the caller built.
_TEMPLATE = Net().to("meta")  # structure only: its parameters hold no data


def _weights(net: Net) -> dict[str, torch.Tensor]:
    return {k: v.detach() for k, v in net.named_parameters()}


def _net(weights: dict, x: torch.Tensor) -> torch.Tensor:
    """x: (n, 2) -> (n,), the Net's forward with `weights` as its parameters."""
    return torch.func.functional_call(_TEMPLATE, weights, (x,))


def _sample_loss(weights: dict, x: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
    """L = (y_true - y_pred)^2 for one sample x: (2,)."""
    return nn.functional.mse_loss(_net(weights, x[None]), y_true[None])


def _mse(weights: dict, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    return nn.functional.mse_loss(_net(weights, X), Y)


def _sgd_step(weights: dict, x: torch.Tensor, y_true: torch.Tensor, learn_rate: float) -> dict:
    """p <- p - learn_rate * dL/dp, every partial from the pre-update values."""
    grads = torch.func.grad(_sample_loss)(weights, x, y_true)
    return {k: w - learn_rate * grads[k] for k, w in weights.items()}


@functools.cache
def _compiled(name: str):
    """torch.compile of one function, built on first use (importing the compiler costs seconds).
    fullgraph: a graph break would silently run part of it eagerly. Shapes are static except
    forward's batch size, which torch.compile makes dynamic after it first changes."""
    with warnings.catch_warnings():
        # Inductor, imported on the first compilation, imports torch.utils.mkldnn, whose classes
        # use the deprecated torch.jit.script_method: a DeprecationWarning of torch's own that is
        # an error under `-W error` (and pytest's filterwarnings = error). Imported here, once.
        warnings.filterwarnings("ignore", r"`torch\.jit\.script_method` is deprecated", DeprecationWarning)
        import torch._inductor.compile_fx
    function = {
        "forward": _net,
        "loss_and_grads": torch.func.grad_and_value(_sample_loss),
        "mse": _mse,
        "sgd_step": _sgd_step,
    }[name]
    return torch.compile(function, fullgraph=True, dynamic=False if name != "forward" else None)


def _train_compiled(
    params, data, all_y_trues, dtype, device, learn_rate, epochs, record_steps
) -> TrainResult:
    net = to_native(params, dtype=dtype, device=device)
    weights = _weights(net)
    X, Y = _tensor(data, net), _tensor(all_y_trues, net)
    step, mse = _compiled("sgd_step"), _compiled("mse")
    losses, steps = [], []
    for epoch in range(epochs):
        for x, y_true in zip(X, Y):
            weights = step(weights, x, y_true, learn_rate)
            if record_steps:
                steps.append(_article_vector(weights.values()))
        if epoch % LOG_EVERY == 0:
            losses.append(mse(weights, X, Y))
    return TrainResult(
        losses=torch.stack(losses).cpu().double().numpy(),
        params=as_params(_article_vector(weights.values()).cpu().double()),
        steps=torch.stack(steps).cpu().double().numpy() if record_steps else None,
        device=str(weights["hidden.weight"].device),
    )


def train_many(
    params: dict,
    data,
    all_y_trues,
    X_predict,
    *,
    dtype="float64",
    device="cpu",
    mode="eager",
    learn_rate: float = LEARN_RATE,
    epochs: int = EPOCHS,
) -> BatchResult:
    """params: {name: (N,) array}. One loss summed over the N networks: each network's gradient
    is its own (the networks share nothing), so one SGD step updates all N at once. The step is
    torch.optim.SGD's arithmetic (p <- p - lr * grad, `add_(grad, alpha=-lr)`) on the gradients
    torch.autograd.grad takes of the summed loss, without the optimizer's and the module's
    per-call bookkeeping, which cost more than the arithmetic at these sizes (2.3x here, bit for
    bit the same results)."""
    _check(dtype, device, mode)
    if mode != "eager":
        raise PortError(f"torch: train_many runs eagerly only (mode {mode!r} asked)")
    net = BatchedNet(params, _DTYPES[dtype], device)
    weights = list(net.parameters())
    to = {"device": device, "dtype": _DTYPES[dtype]}
    X, Y = (torch.as_tensor(np.asarray(a, dtype=np.float64)).to(**to) for a in (data, all_y_trues))
    samples = list(zip(X, Y))
    losses = []
    for epoch in range(epochs):
        for x, y_true in samples:
            y_pred = net(x)
            loss = nn.functional.mse_loss(y_pred, y_true.expand_as(y_pred), reduction="sum")
            grads = torch.autograd.grad(loss, weights)
            with torch.no_grad():
                torch._foreach_add_(weights, grads, alpha=-learn_rate)
        if epoch % LOG_EVERY == 0:
            with torch.no_grad():
                losses.append(torch.stack([(y - net(x)) ** 2 for x, y in samples]).mean(0))
    with torch.no_grad():
        P = torch.as_tensor(np.asarray(X_predict, dtype=np.float64)).to(**to)
        predictions = torch.stack([net(x) for x in P], -1)
    return BatchResult(
        losses=torch.stack(losses, -1).cpu().double().numpy(),
        params=net.article_params().cpu().double().numpy(),
        predictions=predictions.cpu().double().numpy(),
        devices=(f"{device}:{net.w1.device.index or 0}",),
    )


def train_functional(
    params: Params, data, all_y_trues, *, dtype="float64", device="cpu", learn_rate=LEARN_RATE, epochs=EPOCHS
) -> Params:
    """The article's loop with torch.func: gradients by torch.func.grad of a functional_call of
    the same Net, updated by hand (for `crosscheck bench`). Returns the trained parameters."""
    from torch.func import functional_call, grad

    _check(dtype, device, "eager")
    net = to_native(params, dtype=dtype, device=device)
    weights = {k: v.detach() for k, v in net.named_parameters()}
    X, Y = _tensor(data, net), _tensor(all_y_trues, net)

    def sample_loss(weights, x, y_true):
        return nn.functional.mse_loss(functional_call(net, weights, (x[None],)), y_true[None])

    sample_grad = grad(sample_loss)
    for _ in range(epochs):
        for x, y_true in zip(X, Y):
            grads = sample_grad(weights, x, y_true)
            weights = {k: w - learn_rate * grads[k] for k, w in weights.items()}
    with torch.no_grad():
        for k, w in net.named_parameters():
            w.copy_(weights[k])
    return from_native(net)
