"""The article's network in TensorFlow: a tf.Module of tf.Variables, tf.GradientTape, and per-sample
SGD by Variable.assign_sub.

Same public functions as ports/numpy.py, ports/torch.py and ports/jax.py (see ports/protocol.py).
Layout, Keras' Dense layers (kernel: inputs x outputs, the transpose of nn.Linear's weight):
hidden.kernel [[w1, w3], [w2, w4]], hidden.bias [b1, b2]; output.kernel [[w5], [w6]],
output.bias [b3].

Modes: "eager" runs every operation as it is called; "function" traces the same Python code
into a graph with tf.function (AutoGraph turns the `for ... in tf.range` loops into one
tf.while_loop, so the whole 4000-step run is one graph call); "xla" compiles that graph with
XLA (tf.function(jit_compile=True)). Each graph is traced once per dtype, device and
(epochs, learning rate, record_steps) and reused: it closes over a long-lived network of the
same shape whose variables are assigned the caller's values before each call, as Keras reuses
its compiled train function.
"""

import functools
import logging
import os
import re
import sys
import tempfile

import numpy as np

from nn_crosscheck.reference import Params
from nn_crosscheck.reference.article import EPOCHS, LEARN_RATE, LOG_EVERY, PARAM_NAMES

from .protocol import (
    BatchResult,
    TrainResult,
    as_params,
    canary_error,
    canary_operands,
    check_case,
)

# TensorFlow's C++ logging prints INFO and WARNING lines at import (oneDNN notices, CUDA probing
# on a CPU-only machine). Level 2 hides INFO and WARNING and keeps ERROR and FATAL; a level the
# user set is left alone.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Lines TensorFlow 2.16+ writes to stderr at import through absl, which ignores
# TF_CPP_MIN_LOG_LEVEL: absl's notice that it is not initialised, and INFO ("I0000 ...") lines.
_CHATTER = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\)|I\d{4} )")


def _import_tensorflow():
    """`import tensorflow`, with its import-time INFO lines dropped when TF_CPP_MIN_LOG_LEVEL
    asks for that: stderr (file descriptor 2, where C++ writes) goes to a file during the
    import, then every other line is written back, and on failure every line is."""
    if os.environ["TF_CPP_MIN_LOG_LEVEL"] in ("", "0"):
        import tensorflow

        return tensorflow
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        failed = True
        try:
            import tensorflow

            failed = False
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines(keepends=True)
            kept = lines if failed else [line for line in lines if not _CHATTER.match(line)]
            sys.stderr.write("".join(kept))
            sys.stderr.flush()
    return tensorflow


tf = _import_tensorflow()


class QuietRetracing(logging.Filter):
    """tf.function's notice that a function "triggered tf.function retracing": expected here,
    where the checks call a function with new weights and new shapes on purpose, and it would
    bury the progress lines. Only that notice is dropped; every other record, warning or error,
    goes through."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(QuietRetracing())

NAME = "tensorflow"
MODES = ("eager", "function", "xla")
COMPILED_MODE = "xla"
# The sweep's default: train_many compiled by XLA takes ~0.4 s for 10,000 networks x 1000
# epochs; eager, ~30 s (every step dispatched op by op).
SWEEP_MODE = "xla"
LABEL = "tf.GradientTape"
GRADIENTS = "autograd"
EXPECTED_SECONDS = {"eager": 50, "function": 3, "xla": 3}
# Dense layers hold kernel (inputs, outputs): transposed against nn.Linear's weight rows.
LAYOUT = {
    "w1": ("hidden", "kernel", 0, 0), "w2": ("hidden", "kernel", 1, 0),
    "w3": ("hidden", "kernel", 0, 1), "w4": ("hidden", "kernel", 1, 1),
    "w5": ("output", "kernel", 0, 0), "w6": ("output", "kernel", 1, 0),
    "b1": ("hidden", "bias", 0), "b2": ("hidden", "bias", 1), "b3": ("output", "bias", 0),
}  # fmt: skip
BENCH = (
    ("eager", "tf.Module and GradientTape op by op", "train", {"mode": "eager"}, False),
    ("function", "the whole run as one tf.function graph", "train", {"mode": "function"}, True),
    ("xla", "the same graph compiled by XLA (jit_compile)", "train", {"mode": "xla"}, True),
)
# The code of one training step, by part, for the HTML report (names in this module): the
# layers, the GradientTape that loss_and_grads runs, and the step that training repeats.
STEP_CODE = {
    "forward": ("Dense", "Net"),
    "gradients": ("_Compiled._loss_and_grads",),
    "update": ("sgd_step",),
}
_DTYPES = {"float32": tf.float32, "float64": tf.float64}


class Dense(tf.Module):
    """A dense sigmoid layer, as in TensorFlow's guide to modules: f(x @ kernel + bias)."""

    def __init__(self, kernel, bias, dtype, name=None):
        super().__init__(name=name)
        self.kernel = tf.Variable(_cast(kernel, dtype), name="kernel")
        self.bias = tf.Variable(_cast(bias, dtype), name="bias")

    def __call__(self, x):
        """x: (n, inputs) -> (n, outputs)"""
        return tf.math.sigmoid(x @ self.kernel + self.bias)


class Net(tf.Module):
    """2 inputs -> 2 sigmoid hidden neurons (h1, h2) -> 1 sigmoid output (o1)."""

    def __init__(self, params: Params, dtype):
        super().__init__()
        kernel, bias, out_kernel, out_bias = _layout(params)
        self.hidden = Dense(kernel, bias, dtype)
        self.output = Dense(out_kernel, out_bias, dtype)

    def __call__(self, x):
        """x: (n, 2) -> (n,)"""
        return tf.squeeze(self.output(self.hidden(x)), -1)

    def layers(self) -> list:
        """The four variables in a fixed order (trainable_variables sorts them by name)."""
        return [self.hidden.kernel, self.hidden.bias, self.output.kernel, self.output.bias]

    def assign(self, params: Params) -> None:
        for variable, value in zip(self.layers(), _layout(params)):
            variable.assign(_cast(value, variable.dtype))

    def article_vector(self):
        """The nine parameters in PARAM_NAMES order, as one (9,) tensor."""
        return article_vector(*self.layers())


def _layout(p: Params) -> tuple:
    """The article's nine numbers as (hidden kernel, hidden bias, output kernel, output bias)."""
    return [[p["w1"], p["w3"]], [p["w2"], p["w4"]]], [p["b1"], p["b2"]], [[p["w5"]], [p["w6"]]], [p["b3"]]


def article_vector(kernel, bias, out_kernel, out_bias):
    """Layer tensors (the parameters, or their gradients) -> (9,) in PARAM_NAMES order."""
    return tf.concat(
        [tf.reshape(tf.transpose(kernel), [-1]), tf.reshape(out_kernel, [-1]), bias, out_bias], 0
    )


class BatchedNet(tf.Module):
    """N networks at once, for train_many: the article's nine parameters, each an (N,) variable
    (as ports/torch.py): every operation is elementwise over the N networks."""

    def __init__(self, params: dict, dtype):
        super().__init__()
        self.params = [tf.Variable(_cast(params[name], dtype), name=name) for name in PARAM_NAMES]

    def __call__(self, x):
        return article_net(self.params, x)


def article_net(params: list, x):
    """The article's own formulas over its nine parameters (w1..w6, b1..b3), each (N,).
    x: (2,) one sample -> (N,); or (2, m) m samples -> (N, m)."""
    w1, w2, w3, w4, w5, w6, b1, b2, b3 = (p[:, None] if x.shape.rank == 2 else p for p in params)
    h1 = tf.math.sigmoid(w1 * x[0] + w2 * x[1] + b1)
    h2 = tf.math.sigmoid(w3 * x[0] + w4 * x[1] + b2)
    return tf.math.sigmoid(w5 * h1 + w6 * h2 + b3)


def _cast(values, dtype):
    # Through float64: each value is rounded once, straight to the asked dtype.
    return tf.cast(tf.constant(np.asarray(values, dtype=np.float64)), dtype)


def mean_squared_error(y_true, y_pred):
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)


def sgd_step(net, x, y_true, learn_rate) -> None:
    """One sample: L = (y_true - y_pred)^2, its partials by GradientTape, p <- p - lr dL/dp.
    Every gradient is taken before any variable is updated."""
    with tf.GradientTape() as tape:
        loss = mean_squared_error(y_true[None], net(x[None]))
    variables = net.layers()
    for variable, grad in zip(variables, tape.gradient(loss, variables)):
        variable.assign_sub(learn_rate * grad)


def sgd_epoch(net, X, Y, learn_rate: float, epoch, steps, record_steps: bool):
    """One pass over the samples in table order; with record_steps, the parameters after each
    step are written to the TensorArray `steps` (returned: TensorArrays are values in a graph)."""
    n = tf.shape(X)[0]  # not X.shape: a retrace for another number of samples leaves it None
    for i in tf.range(n):
        sgd_step(net, X[i], Y[i], learn_rate)
        if record_steps:
            steps = steps.write(epoch * n + i, net.article_vector())
    return steps


def sgd_train(net, X, Y, learn_rate: float, epochs: int, record_steps: bool):
    """The article's loop: per-sample SGD in table order; the MSE after epochs 0, 10, ...
    Written with tf.range, so that under tf.function AutoGraph makes it tf.while_loops, and
    in blocks of ten epochs, the first one logged, so no branch is needed (XLA wants none
    around a TensorArray). Returns (losses (ceil(epochs / 10),), steps (epochs * n, 9) or (0, 9))."""
    logs = -(-epochs // LOG_EVERY)
    losses = tf.TensorArray(X.dtype, size=logs)
    steps = tf.TensorArray(X.dtype, size=epochs * tf.shape(X)[0] if record_steps else 0, element_shape=[9])
    for block in tf.range(logs):
        first = block * LOG_EVERY
        steps = sgd_epoch(net, X, Y, learn_rate, first, steps, record_steps)
        losses = losses.write(block, mean_squared_error(Y, net(X)))
        epoch = first + 1
        while epoch < tf.minimum(first + LOG_EVERY, epochs):  # a tf.while_loop: XLA takes no tf.range of it
            steps = sgd_epoch(net, X, Y, learn_rate, epoch, steps, record_steps)
            epoch += 1
    return losses.stack(), steps.stack()


def sweep_train(params: list, X, Y, learn_rate: float, epochs: int):
    """N networks, their nine (N,) variables in `params`: one loss summed over them (each
    network's gradient is its own, they share nothing), per-sample SGD, in blocks of ten epochs
    as sgd_train; each network's MSE after epochs 0, 10, ... -> (N, ceil(epochs / 10))."""

    def epoch_pass():
        for i in tf.range(tf.shape(X)[0]):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.square(Y[i] - article_net(params, X[i])))
            for variable, grad in zip(params, tape.gradient(loss, params)):
                variable.assign_sub(learn_rate * grad)

    logs = -(-epochs // LOG_EVERY)
    losses = tf.TensorArray(X.dtype, size=logs)
    for block in tf.range(logs):
        first = block * LOG_EVERY
        epoch_pass()
        losses = losses.write(block, mean_squared_error(Y, article_net(params, tf.transpose(X))))
        epoch = first + 1
        while epoch < tf.minimum(first + LOG_EVERY, epochs):
            epoch_pass()
            epoch += 1
    return tf.transpose(losses.stack())


def version() -> str:
    return tf.__version__


@functools.cache
def devices() -> tuple[str, ...]:
    return ("cpu", "cuda") if tf.config.list_physical_devices("GPU") else ("cpu",)


def pin_precision() -> None:
    """IEEE float32 matmuls and convolutions: TensorFloat-32 off (it is on by default on
    Ampere and later GPUs)."""
    tf.config.experimental.enable_tensor_float_32_execution(False)


def precision() -> dict:
    return {
        "tensor_float_32_execution": tf.config.experimental.tensor_float_32_execution_enabled(),
        # oneDNN's CPU kernels may reorder float sums; on by default on x86 Linux since TF 2.9.
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"),
    }


def _tf_device(device: str) -> str:
    return "/GPU:0" if device == "cuda" else "/CPU:0"


def device_name(tf_device: str) -> str:
    """A TensorFlow device string ("/job:localhost/.../device:GPU:0") in the harness's words
    ("cuda:0"; "cpu:0")."""
    spec = tf.DeviceSpec.from_string(tf_device)
    return f"{'cuda' if spec.device_type == 'GPU' else spec.device_type.lower()}:{spec.device_index}"


def native_devices(net: Net) -> set[str]:
    """Where the module's variables live, in the harness's words ("cpu", "cuda")."""
    return {device_name(v.device).split(":")[0] for v in net.variables}


def matmul_canary(device: str = "cpu") -> float:
    with tf.device(_tf_device(device)):
        a, b = (tf.constant(m) for m in canary_operands())
        return canary_error((a @ b).numpy())


def _check(dtype: str, device: str, mode: str) -> None:
    check_case(sys.modules[__name__], dtype, device, mode)


def _tensor(values, dtype: str):
    return _cast(values, _DTYPES[dtype])


def to_native(params: Params, *, dtype: str = "float64", device: str = "cpu") -> Net:
    _check(dtype, device, MODES[0])
    with tf.device(_tf_device(device)):
        return Net(params, _DTYPES[dtype])


def from_native(net: Net) -> Params:
    return as_params(net.article_vector().numpy())


def mse_loss(y_true, y_pred, *, dtype="float64", device="cpu") -> float:
    _check(dtype, device, MODES[0])
    with tf.device(_tf_device(device)):
        return float(mean_squared_error(_tensor(y_true, dtype), _tensor(y_pred, dtype)))


class _Compiled:
    """A long-lived network per dtype, device and mode, and the functions over it, traced once
    (mode "function": tf.function; "xla": tf.function(jit_compile=True); "eager": as written).
    Variables must be created outside a traced function, so the network is created here and
    each call first assigns it the caller's parameters."""

    def __init__(self, dtype: str, device: str, mode: str):
        self.device = _tf_device(device)
        with tf.device(self.device):
            self.net = Net(dict.fromkeys(PARAM_NAMES, 0.0), _DTYPES[dtype])
        compile = (
            (lambda f: f)
            if mode == "eager"
            else functools.partial(tf.function, jit_compile=mode == "xla", reduce_retracing=True)
        )
        self.forward = compile(self.net.__call__)
        self.loss_and_grads = compile(self._loss_and_grads)
        self.train = compile(functools.partial(sgd_train, self.net))
        # The sweep traces once per number of networks: a trace relaxed to any N (reduce_retracing)
        # fails to compile under XLA (the tape's shapes no longer match), and the sweep keeps N fixed.
        self.sweep = sweep_train if mode == "eager" else tf.function(sweep_train, jit_compile=mode == "xla")

    def _loss_and_grads(self, x, y_true):
        with tf.GradientTape() as tape:
            loss = mean_squared_error(y_true[None], self.net(x[None]))
        return loss, article_vector(*tape.gradient(loss, self.net.layers()))


@functools.cache
def _compiled(dtype: str, device: str, mode: str) -> _Compiled:
    return _Compiled(dtype, device, mode)


def forward(params: Params, X, *, dtype="float64", device="cpu", mode="eager") -> np.ndarray:
    """X: (n, 2) inputs -> (n,) outputs o1."""
    _check(dtype, device, mode)
    run = _compiled(dtype, device, mode)
    with tf.device(run.device):
        run.net.assign(params)
        return run.forward(_tensor(np.reshape(X, (-1, 2)), dtype)).numpy().astype(np.float64)


def loss_and_grads(
    params: Params, x, y_true, *, dtype="float64", device="cpu", mode="eager"
) -> tuple[float, Params]:
    """x: (2,) one sample -> L = (y_true - y_pred)^2 and its nine partials, by tf.GradientTape."""
    _check(dtype, device, mode)
    run = _compiled(dtype, device, mode)
    with tf.device(run.device):
        run.net.assign(params)
        loss, grads = run.loss_and_grads(_tensor(x, dtype), _tensor(y_true, dtype))
    return float(loss), as_params(grads.numpy())


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
    run = _compiled(dtype, device, mode)
    with tf.device(run.device):
        run.net.assign(params)
        X, Y = _tensor(data, dtype), _tensor(all_y_trues, dtype)
        losses, steps = run.train(X, Y, float(learn_rate), int(epochs), bool(record_steps))
    return TrainResult(
        losses=losses.numpy().astype(np.float64),
        params=from_native(run.net),
        steps=steps.numpy().astype(np.float64) if record_steps else None,
        device=device_name(run.net.hidden.kernel.device),
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
    """params: {name: (N,) array}. The BatchedNet's variables are created here, outside the
    traced function, which takes them as arguments: traced once per dtype and N."""
    _check(dtype, device, mode)
    run = _compiled(dtype, device, mode)
    with tf.device(run.device):
        net = BatchedNet(params, _DTYPES[dtype])
        X, Y = _tensor(data, dtype), _tensor(all_y_trues, dtype)
        losses = run.sweep(net.params, X, Y, float(learn_rate), int(epochs))
        predictions = net(tf.transpose(_tensor(X_predict, dtype)))
    return BatchResult(
        losses=losses.numpy().astype(np.float64),
        params=np.stack([p.numpy() for p in net.params], -1).astype(np.float64),
        predictions=predictions.numpy().astype(np.float64),
        devices=(device_name(net.params[0].device),),
    )
