"""The article's network on a scalar autograd engine written from scratch, for teaching.

One class, `Value`, holds a number, the Values it was computed from (its parents) and the
local derivative d(out)/d(parent) of each; `backward()` visits the graph in reverse topological
order and applies the chain rule, parent.grad += local * out.grad. Nothing else is needed to
get the article's nine partials: each line of the article's backpropagation worked by hand
(Victor Zhou, "An Introduction to Neural Networks", 2019, section "Training a Neural Network,
Part 2") is one local derivative below, and backward() multiplies them together.

    operation          forward               local derivative(s)     the article's line it gives
    a + b              a + b                 1, 1                    d(sum_h1)/d(b1) = 1
    a * b              a b                   b, a                    d(sum_h1)/d(w1) = x1,
                                                                     d(sum_o1)/d(h1) = w5
    a ** n             a^n                   n a^(n-1)               dL/dypred = -2 (y_true - y_pred)
                                                                     (from L = (y_true - y_pred)^2
                                                                      and d(y_true - y_pred)/dypred = -1)
    -a, a - b          -a, a + (-b)          -1                      (the -1 above)
    a.sigmoid()        f(a) = 1/(1 + e^-a)   f(a) (1 - f(a))         f'(x) = f(x) (1 - f(x))

Multiplying along the path from L to w1 gives exactly the article's chain rule:
    dL/dw1 = dL/dypred * dypred/dh1 * dh1/dw1
           = -2 (y_true - y_pred) * w5 f'(sum_o1) * x1 f'(sum_h1)
and where a Value feeds several others (h1 feeds sum_o1 only, but w1's gradient flows through
h1 from o1), backward() sums the contributions, which is the multivariable chain rule.

The sigmoid is one operation, not exp, + and ** -1 chained: its local derivative f (1 - f) is
the article's f', and it stays finite when the neuron saturates (through exp, the chain would
meet e^-x = inf and compute inf / inf = NaN). The forward value is the article's formula, kept
as written, as the NumPy reference keeps it: for x below about -709 e^-x overflows (Python's
math.exp raises OverflowError where NumPy returns inf) and 1 / (1 + inf) = 0.0, the correctly
rounded limit, which is what both give.

Pure Python floats, which are IEEE float64: this port has no float32 (DTYPES), one mode
("eager": every operation runs as it is written) and one device. It is slow, a few hundred
thousand small objects a training run, and that is the point: every number can be inspected.
Layout: a `Net` with nine Values named as in the article, net.w1 ... net.b3.
"""

import math
import sys

import numpy as np  # only to hand results back, as NumPy float64 copies

from nn_crosscheck.reference import Params
from nn_crosscheck.reference.article import EPOCHS, LEARN_RATE, LOG_EVERY, PARAM_NAMES

from .protocol import PortError, TrainResult, as_params, check_case

NAME = "scalar"
MODES = ("eager",)
DTYPES = ("float64",)  # pure Python floats: float32 cannot be asked for
DEVICES = ("cpu",)
LABEL = "Value.backward"
GRADIENTS = "autograd"
EXPECTED_SECONDS = {"eager": 0.5}
LAYOUT = {p: (p, "data") for p in PARAM_NAMES}  # a Value per parameter, its number in .data
# The code of one training step, by part, for the HTML report (names in this module): the
# forward pass over Values (the sigmoid with its local derivative), the loss and backward()'s
# chain rule, and the update loop.
STEP_CODE = {
    "forward": ("Value.sigmoid", "Net.feedforward"),
    "gradients": ("Net.loss", "Value.backward"),
    "update": ("train",),
}


class Value:
    """A number in the computation graph: data, grad (dL/dself after backward()), and for each
    parent the local derivative d(self)/d(parent)."""

    __slots__ = ("_local", "_parents", "data", "grad")

    def __init__(self, data: float, parents: tuple = (), local: tuple = ()):
        self.data = data
        self.grad = 0.0
        self._parents = parents
        self._local = local

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(float(other))
        return Value(self.data + other.data, (self, other), (1.0, 1.0))  # d(a+b)/da = d(a+b)/db = 1

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(float(other))
        return Value(self.data * other.data, (self, other), (other.data, self.data))  # d(ab)/da = b

    def __pow__(self, n: int):
        return Value(self.data**n, (self,), (n * self.data ** (n - 1),))  # d(a^n)/da = n a^(n-1)

    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,))  # d(-a)/da = -1

    def __sub__(self, other):
        return self + (-other)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Value(float(other)) - self

    def sigmoid(self):
        try:
            f = 1 / (1 + math.exp(-self.data))  # f(x) = 1 / (1 + e^-x)
        except OverflowError:  # e^-x beyond float64: 1 / (1 + inf) = 0.0, as NumPy gives
            f = 0.0
        return Value(f, (self,), (f * (1 - f),))  # f'(x) = f(x) (1 - f(x))

    def backward(self) -> None:
        """dself/dv into v.grad for every Value v this one was computed from."""
        order, seen = [], set()

        def visit(v):  # parents before children: a topological order
            if id(v) not in seen:
                seen.add(id(v))
                for parent in v._parents:
                    visit(parent)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):  # each Value's grad is complete before it is passed on
            for parent, local in zip(v._parents, v._local):
                parent.grad += local * v.grad  # the chain rule, one factor at a time

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


class Net:
    """The nine parameters as Values, under the article's names."""

    def __init__(self, params: Params):
        for name in PARAM_NAMES:
            setattr(self, name, Value(float(params[name])))

    def parameters(self) -> list[Value]:
        return [getattr(self, name) for name in PARAM_NAMES]

    def feedforward(self, x) -> Value:
        """x: a pair (x1, x2) of floats -> o1, as the article writes it."""
        sum_h1 = self.w1 * x[0] + self.w2 * x[1] + self.b1
        h1 = sum_h1.sigmoid()
        sum_h2 = self.w3 * x[0] + self.w4 * x[1] + self.b2
        h2 = sum_h2.sigmoid()
        sum_o1 = self.w5 * h1 + self.w6 * h2 + self.b3
        return sum_o1.sigmoid()

    def loss(self, x, y_true: float) -> Value:
        """L = (y_true - y_pred)^2 for one sample."""
        return (y_true - self.feedforward(x)) ** 2


def version() -> str:
    return f"python {sys.version.split()[0]}"


def devices() -> tuple[str, ...]:
    return ("cpu",)


def pin_precision() -> None:
    """Nothing to pin: Python floats are IEEE float64, and there is no matmul."""


def precision() -> dict:
    return {"arithmetic": "python float (IEEE float64)"}


def native_devices(net: Net) -> set[str]:
    return {"cpu"}  # Python floats live in the host's memory


def matmul_canary(device: str = "cpu") -> float:
    # The canary tells an IEEE float32 matmul from TF32. This port has neither float32 nor a
    # matmul (every product is one Python float multiplication), so there is nothing reduced
    # in precision to detect: 0.0, the verdict "ieee", holds by construction.
    return 0.0


def _check(dtype: str, device: str, mode: str) -> None:
    if dtype not in DTYPES:
        raise PortError(f"{NAME}: no {dtype}: pure Python floats are float64")
    check_case(sys.modules[__name__], dtype, device, mode)


def _rows(X) -> list[list[float]]:
    return [[float(v) for v in row] for row in X]


def to_native(params: Params, *, dtype: str = "float64", device: str = "cpu") -> Net:
    _check(dtype, device, "eager")
    return Net(params)


def from_native(net: Net) -> Params:
    return as_params([v.data for v in net.parameters()])


def mse_loss(y_true, y_pred, *, dtype="float64", device="cpu") -> float:
    _check(dtype, device, "eager")
    y_true, y_pred = [float(v) for v in y_true], [float(v) for v in y_pred]
    return sum((t - p) ** 2 for t, p in zip(y_true, y_pred)) / len(y_true)  # (1/n) sum (y - y')^2


def forward(params: Params, X, *, dtype="float64", device="cpu", mode="eager"):
    """X: (n, 2) inputs -> (n,) outputs o1, as a NumPy float64 array."""
    _check(dtype, device, mode)
    net = Net(params)
    return np.array([net.feedforward(x).data for x in _rows(X)], dtype=np.float64)


def loss_and_grads(
    params: Params, x, y_true, *, dtype="float64", device="cpu", mode="eager"
) -> tuple[float, Params]:
    """x: (2,) one sample -> L = (y_true - y_pred)^2 and its nine partials, by Value.backward()."""
    _check(dtype, device, mode)
    net = Net(params)
    loss = net.loss([float(v) for v in x], float(y_true))
    loss.backward()
    return loss.data, as_params([p.grad for p in net.parameters()])


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
    """Per-sample SGD in table order: one graph a sample, built by the forward pass, walked
    once by backward(), then each parameter p <- p - learn_rate * dL/dp."""
    _check(dtype, device, mode)
    net = Net(params)
    parameters = net.parameters()
    data, all_y_trues = _rows(data), [float(v) for v in all_y_trues]
    losses, steps = [], []
    for epoch in range(epochs):
        for x, y_true in zip(data, all_y_trues):
            net.loss(x, y_true).backward()  # every partial from the pre-update values
            for p in parameters:
                p.data -= learn_rate * p.grad
                p.grad = 0.0
            if record_steps:
                steps.append([p.data for p in parameters])
        if epoch % LOG_EVERY == 0:
            y_preds = [net.feedforward(x).data for x in data]
            losses.append(mse_loss(all_y_trues, y_preds))
    return TrainResult(
        losses=np.array(losses, dtype=np.float64),
        params=from_native(net),
        steps=np.array(steps, dtype=np.float64) if record_steps else None,
        device="cpu",
    )
