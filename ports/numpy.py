"""The NumPy reference, seen through the port protocol (see ports/protocol.py).

Nothing is re-implemented here: every function calls the article's `OurNeuralNetwork` and its
hand-derived `partials`, so this is the reference's side of every comparison.
"""

import sys

import numpy as np

from nn_crosscheck.reference import OurNeuralNetwork, Params, partials
from nn_crosscheck.reference import mse_loss as article_mse_loss
from nn_crosscheck.reference.article import EPOCHS, LEARN_RATE, PARAM_NAMES

from .protocol import BatchResult, TrainResult, canary_error, canary_operands, check_case

NAME = "numpy"
MODES = ("eager",)
DEVICES = ("cpu",)
LABEL = "hand (numpy)"
GRADIENTS = "hand"
EXPECTED_SECONDS = {"eager": 2}
LAYOUT = {p: (p,) for p in PARAM_NAMES}  # OurNeuralNetwork holds the article's attributes
# The code of one training step, by part, as the HTML report shows it beside the other ports'
# (names in this module, read with inspect.getsource when the report is written): the article's
# forward pass, its hand-derived partials and its training loop, in reference/network.py.
STEP_CODE = {
    "forward": ("OurNeuralNetwork.feedforward",),
    "gradients": ("partials",),
    "update": ("OurNeuralNetwork.train",),
}
BENCH = (("reference loop", "the article's loop over NumPy scalars", "train", {"mode": "eager"}, False),)


def version() -> str:
    return np.__version__


def devices() -> tuple[str, ...]:
    return ("cpu",)


def pin_precision() -> None:
    """Nothing to pin: NumPy computes in the dtype it is given, IEEE throughout."""


def precision() -> dict:
    return {}


def matmul_canary(device: str = "cpu") -> float:
    a, b = canary_operands()
    return canary_error(a @ b)


def _check(dtype: str, device: str, mode: str) -> None:
    check_case(sys.modules[__name__], dtype, device, mode)


def to_native(params: Params, *, dtype: str = "float64", device: str = "cpu") -> OurNeuralNetwork:
    _check(dtype, device, "eager")
    return OurNeuralNetwork(params, dtype=dtype)


def from_native(native: OurNeuralNetwork) -> Params:
    return native.params()


def native_devices(native: OurNeuralNetwork) -> set[str]:
    return {"cpu"}


def mse_loss(y_true, y_pred, *, dtype="float64", device="cpu") -> float:
    _check(dtype, device, "eager")
    return float(article_mse_loss(np.asarray(y_true, dtype=dtype), np.asarray(y_pred, dtype=dtype)))


def forward(params: Params, X, *, dtype="float64", device="cpu", mode="eager") -> np.ndarray:
    """X: (n, 2) inputs -> (n,) outputs o1."""
    _check(dtype, device, mode)
    net = to_native(params, dtype=dtype, device=device)
    X = np.asarray(X, dtype=dtype)
    return np.asarray(net.feedforward(X.T), dtype=np.float64)  # x[0], x[1] are whole columns


def loss_and_grads(
    params: Params, x, y_true, *, dtype="float64", device="cpu", mode="eager"
) -> tuple[float, Params]:
    """x: (2,) one sample -> L = (y_true - y_pred)^2 and its nine partials."""
    _check(dtype, device, mode)
    net = to_native(params, dtype=dtype, device=device)
    x = np.asarray(x, dtype=dtype)
    loss, grads = partials(net, x, net.dtype.type(y_true))
    return float(loss), {name: float(grads[name]) for name in PARAM_NAMES}


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
    net = to_native(params, dtype=dtype, device=device)
    steps = []
    on_step = (lambda n: steps.append([getattr(n, p) for p in PARAM_NAMES])) if record_steps else None
    losses = net.train(data, all_y_trues, learn_rate=learn_rate, epochs=epochs, on_step=on_step)
    return TrainResult(
        losses=np.asarray(losses, dtype=np.float64),
        params=net.params(),
        steps=np.asarray(steps, dtype=np.float64) if record_steps else None,
        device="cpu",
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
    """params: {name: (N,) array}. The article's own loop: its arithmetic broadcasts over N."""
    _check(dtype, device, mode)
    net = OurNeuralNetwork(params, dtype=dtype)
    losses = net.train(data, all_y_trues, learn_rate=learn_rate, epochs=epochs)
    X_predict = np.asarray(X_predict, dtype=dtype)
    return BatchResult(
        losses=np.stack(losses, axis=-1).astype(np.float64),
        params=np.stack([getattr(net, p) for p in PARAM_NAMES], axis=-1).astype(np.float64),
        predictions=np.stack([net.feedforward(x) for x in X_predict], axis=-1).astype(np.float64),
    )
