"""The article's network in JAX: pure functions over a parameter pytree, jax.value_and_grad,
jax.jit, and training as one jax.lax.scan over the 4000 steps.

Same public functions as ports/numpy.py and ports/torch.py (see ports/protocol.py).
Layout, as two dense layers: {"hidden": {"w": [[w1, w2], [w3, w4]], "b": [b1, b2]},
"output": {"w": [[w5, w6]], "b": [b3]}}. Mode "jit" compiles each function whole with
jax.jit; "nojit" runs the same functions without it, each operation dispatched on its own, except
the body of lax.scan, which JAX always compiles as one loop (running it op by op under
jax.disable_jit() costs about 65 ms a step, four minutes a training run).
"""

import functools
import sys

import jax
import jax.numpy as jnp
import numpy as np

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

NAME = "jax"
MODES = ("jit", "nojit")
COMPILED_MODE = "jit"
LABEL = "jax.grad"
GRADIENTS = "autograd"
EXPECTED_SECONDS = {"jit": 2, "nojit": 10}
LAYOUT = {
    "w1": ("hidden", "w", 0, 0), "w2": ("hidden", "w", 0, 1),
    "w3": ("hidden", "w", 1, 0), "w4": ("hidden", "w", 1, 1),
    "w5": ("output", "w", 0, 0), "w6": ("output", "w", 0, 1),
    "b1": ("hidden", "b", 0), "b2": ("hidden", "b", 1), "b3": ("output", "b", 0),
}  # fmt: skip
BENCH = (
    ("no jit", "jax.grad op by op; lax.scan body compiled", "train", {"mode": "nojit"}, True),
    ("jit per step", "Python loop over a jitted SGD step", "train_per_step", {}, True),
    ("compiled scan", "the whole run as one jitted lax.scan", "train", {"mode": "jit"}, True),
)
# The code of one training step, by part, for the HTML report (names in this module): the
# network as a pure function, the loss jax.grad differentiates, and the scan of SGD steps.
STEP_CODE = {"forward": ("net",), "gradients": ("sample_loss",), "update": ("sgd_train",)}
_DTYPES = {"float32": jnp.float32, "float64": jnp.float64}


def net(p, x):
    """x: (n, 2) -> (n,): o1 = f(W_out f(W_hidden x + b_hidden) + b_out)."""
    h = jax.nn.sigmoid(x @ p["hidden"]["w"].T + p["hidden"]["b"])
    return jax.nn.sigmoid(h @ p["output"]["w"].T + p["output"]["b"])[..., 0]


def mean_squared_error(y_true, y_pred):
    return jnp.mean((y_true - y_pred) ** 2)


def mse(p, X, Y):
    return mean_squared_error(Y, net(p, X))


def sample_loss(p, x, y_true):
    """L = (y_true - y_pred)^2 for one sample x: (2,)."""
    return mse(p, x[None], y_true[None])


def sgd_train(p, xs, ys, learn_rate):
    """Per-sample SGD over the sequence (xs, ys), one scan step per sample.

    Returns the parameters after every step, stacked along a leading axis.
    """

    def step(p, xy):
        grads = jax.grad(sample_loss)(p, *xy)
        p = jax.tree.map(lambda a, g: a - learn_rate * g, p, grads)
        return p, p

    _, trajectory = jax.lax.scan(step, p, (xs, ys))
    return trajectory


def _train(p, data, all_y_trues, learn_rate, epochs):
    n = data.shape[0]
    trajectory = sgd_train(p, jnp.tile(data, (epochs, 1)), jnp.tile(all_y_trues, epochs), learn_rate)
    logged = jax.tree.map(lambda t: t[n - 1 :: n * LOG_EVERY], trajectory)  # after epochs 0, 10..
    losses = jax.vmap(mse, in_axes=(0, None, None))(logged, data, all_y_trues)
    return losses, trajectory


def article_net(p, x):
    """The article's own formulas over its nine scalar parameters {"w1": ..., "b3": ...}.

    Used for N networks at once (train_many): under jax.vmap every operation here becomes
    elementwise over a contiguous (N,) vector, which XLA's CPU backend fuses into vectorised
    loops. The layer form (`net`) vmapped instead gives batched 2x2 dot_generals over
    (N, 2, 2) arrays whose minor axes have size 2; measured 7x slower for N = 10,000, and
    slower than NumPy broadcasting (docs/benchmarks.md).
    """
    h1 = jax.nn.sigmoid(p["w1"] * x[0] + p["w2"] * x[1] + p["b1"])
    h2 = jax.nn.sigmoid(p["w3"] * x[0] + p["w4"] * x[1] + p["b2"])
    return jax.nn.sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b3"])


def sweep_train(p, data, all_y_trues, learn_rate, epochs):
    """N networks at once: `p` holds the nine parameters as (N,) arrays. Per-sample SGD for each
    network (jax.vmap of one step), inside one compiled scan of epochs // 10 blocks of 10 epochs;
    the loss is taken after each block's first epoch (epochs 0, 10, ...), as the article logs it."""

    def step(p, x, y_true):
        grads = jax.grad(lambda p: (y_true - article_net(p, x)) ** 2)(p)
        return jax.tree.map(lambda a, g: a - learn_rate * g, p, grads)

    step_all = jax.vmap(step, in_axes=(0, None, None))
    loss_all = jax.vmap(lambda p: mean_squared_error(all_y_trues, article_net(p, data.T)))

    def epoch(p):
        for x, y_true in zip(data, all_y_trues):  # four samples: unrolled at trace time
            p = step_all(p, x, y_true)
        return p

    def block(p, _):
        p = epoch(p)
        loss = loss_all(p)
        p = jax.lax.fori_loop(0, LOG_EVERY - 1, lambda _, p: epoch(p), p)
        return p, loss

    p, losses = jax.lax.scan(block, p, None, length=epochs // LOG_EVERY)
    return p, losses.T


_COMPILED = {
    "net": jax.jit(net),
    "loss_and_grads": jax.jit(jax.value_and_grad(sample_loss)),
    "train": jax.jit(_train, static_argnames=("learn_rate", "epochs")),
    "sweep_train": jax.jit(sweep_train, static_argnames=("learn_rate", "epochs")),
    "net_many": jax.jit(jax.vmap(article_net, in_axes=(0, None))),
}
_EAGER = {
    "net": net,
    "loss_and_grads": jax.value_and_grad(sample_loss),
    "train": _train,
    "sweep_train": sweep_train,
    "net_many": jax.vmap(article_net, in_axes=(0, None)),
}


def _run(mode: str, name: str, *args, **kwargs):
    """Call function `name` compiled whole (mode "jit") or without jax.jit (mode "nojit")."""
    return (_COMPILED if mode == "jit" else _EAGER)[name](*args, **kwargs)


def version() -> str:
    return jax.__version__


def _jax_device(device: str):
    try:
        return jax.devices("cuda" if device == "cuda" else device)[0]
    except RuntimeError:
        return None


@functools.cache
def devices() -> tuple[str, ...]:
    return tuple(d for d in ("cpu", "cuda") if _jax_device(d) is not None)


def pin_precision() -> None:
    """float64 available (x64 on), and full-precision float32 matmuls (no TF32, no bf16 passes)."""
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_default_matmul_precision", "highest")


def precision() -> dict:
    return {
        "jax_enable_x64": bool(jax.config.jax_enable_x64),
        "jax_default_matmul_precision": jax.config.jax_default_matmul_precision,
    }


def matmul_canary(device: str = "cpu") -> float:
    dev = _jax_device(device)
    a, b = (jax.device_put(m, dev) for m in canary_operands())
    return canary_error(jax.jit(jnp.matmul)(a, b))


def _check(dtype: str, device: str, mode: str):
    check_case(sys.modules[__name__], dtype, device, mode)
    if dtype == "float64" and not jax.config.jax_enable_x64:
        raise PortError("jax: float64 asked but jax_enable_x64 is off (call pin_precision())")
    return _jax_device(device)


def _put(values, dtype: str, dev):
    # Through float64 first: a float64 run must never pass through float32.
    return jax.device_put(jnp.asarray(np.asarray(values, dtype=np.float64), dtype=_DTYPES[dtype]), dev)


def to_native(params: Params, *, dtype: str = "float64", device: str = "cpu") -> dict:
    dev = _check(dtype, device, MODES[0])
    p = params
    layers = {
        "hidden": {"w": [[p["w1"], p["w2"]], [p["w3"], p["w4"]]], "b": [p["b1"], p["b2"]]},
        "output": {"w": [[p["w5"], p["w6"]]], "b": [p["b3"]]},
    }
    return jax.tree.map(lambda v: _put(v, dtype, dev), layers, is_leaf=lambda v: isinstance(v, list))


def _article_vector(p) -> np.ndarray:
    """A parameter pytree (optionally with a leading axis) -> (..., 9) in PARAM_NAMES order."""
    lead = p["output"]["b"].shape[:-1]
    parts = [p["hidden"]["w"], p["output"]["w"], p["hidden"]["b"], p["output"]["b"]]
    return np.concatenate([np.asarray(a, dtype=np.float64).reshape(*lead, -1) for a in parts], -1)


def from_native(p) -> Params:
    return as_params(_article_vector(p))


def native_devices(p) -> set[str]:
    return {_device_name(leaf).split(":")[0] for leaf in jax.tree.leaves(p)}


def _device_name(array) -> str:
    (dev,) = array.devices()
    return _device_name_of(dev)


def mse_loss(y_true, y_pred, *, dtype="float64", device="cpu") -> float:
    dev = _check(dtype, device, MODES[0])
    return float(mean_squared_error(_put(y_true, dtype, dev), _put(y_pred, dtype, dev)))


def forward(params: Params, X, *, dtype="float64", device="cpu", mode="jit") -> np.ndarray:
    """X: (n, 2) inputs -> (n,) outputs o1."""
    dev = _check(dtype, device, mode)
    out = _run(mode, "net", to_native(params, dtype=dtype, device=device), _put(X, dtype, dev))
    return np.asarray(out, dtype=np.float64)


def loss_and_grads(
    params: Params, x, y_true, *, dtype="float64", device="cpu", mode="jit"
) -> tuple[float, Params]:
    """x: (2,) one sample -> L = (y_true - y_pred)^2 and its nine partials, by jax.value_and_grad."""
    dev = _check(dtype, device, mode)
    p = to_native(params, dtype=dtype, device=device)
    loss, grads = _run(mode, "loss_and_grads", p, _put(x, dtype, dev), _put(y_true, dtype, dev))
    return float(loss), from_native(grads)


def train(
    params: Params,
    data,
    all_y_trues,
    *,
    dtype="float64",
    device="cpu",
    mode="jit",
    learn_rate: float = LEARN_RATE,
    epochs: int = EPOCHS,
    record_steps: bool = False,
) -> TrainResult:
    dev = _check(dtype, device, mode)
    p = to_native(params, dtype=dtype, device=device)
    data, all_y_trues = _put(data, dtype, dev), _put(all_y_trues, dtype, dev)
    losses, trajectory = _run(mode, "train", p, data, all_y_trues, learn_rate=learn_rate, epochs=epochs)
    steps = _article_vector(trajectory)
    return TrainResult(
        losses=np.asarray(losses, dtype=np.float64),
        params=as_params(steps[-1]),
        steps=steps if record_steps else None,
        device=_device_name(losses),
    )


def _mesh(device: str):
    """A 1-D mesh over every local device of the kind asked for: the networks' axis."""
    return jax.sharding.Mesh(np.array(jax.devices("cuda" if device == "cuda" else device)), ("networks",))


def train_many(
    params: dict,
    data,
    all_y_trues,
    X_predict,
    *,
    dtype="float64",
    device="cpu",
    mode="jit",
    learn_rate: float = LEARN_RATE,
    epochs: int = EPOCHS,
) -> BatchResult:
    """params: {name: (N,) array}. jax.vmap of one network's step, inside one jax.lax.scan; the
    networks sharded over every local device of the kind asked for (jax.sharding.NamedSharding
    over a 1-D mesh, networks on its axis; the data replicated), so 8 GPUs take 8x the networks.
    Each network's arithmetic is elementwise: no device waits on another."""
    dev = _check(dtype, device, mode)
    if epochs % LOG_EVERY:
        raise PortError(f"jax: train_many needs epochs divisible by {LOG_EVERY}, got {epochs}")
    mesh = _mesh(device)
    shard = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("networks"))
    everywhere = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    n = len(np.asarray(params[PARAM_NAMES[0]]))
    length = -(-n // mesh.size) * mesh.size  # a multiple of the devices: the first networks repeat
    columns = {name: np.resize(np.asarray(params[name], dtype=np.float64), length) for name in PARAM_NAMES}
    p = {name: jax.device_put(_put(v, dtype, dev), shard) for name, v in columns.items()}
    data, all_y_trues = (jax.device_put(_put(a, dtype, dev), everywhere) for a in (data, all_y_trues))
    p, losses = _run(mode, "sweep_train", p, data, all_y_trues, learn_rate=learn_rate, epochs=epochs)
    predictions = _run(mode, "net_many", p, jax.device_put(_put(X_predict, dtype, dev).T, everywhere))
    return BatchResult(
        losses=np.asarray(losses, dtype=np.float64)[:n],
        params=np.stack([np.asarray(p[name], dtype=np.float64) for name in PARAM_NAMES], -1)[:n],
        predictions=np.asarray(predictions, dtype=np.float64)[:n],
        devices=tuple(_device_name_of(d) for d in mesh.devices.flat),
    )


def _device_name_of(dev) -> str:
    return f"{'cuda' if dev.platform == 'gpu' else dev.platform}:{dev.id}"


@functools.partial(jax.jit, static_argnames="learn_rate")
def _sgd_step(p, x, y_true, learn_rate):
    grads = jax.grad(sample_loss)(p, x, y_true)
    return jax.tree.map(lambda a, g: a - learn_rate * g, p, grads)


def train_per_step(
    params: Params, data, all_y_trues, *, dtype="float64", device="cpu", learn_rate=LEARN_RATE, epochs=EPOCHS
) -> Params:
    """The article's loop in Python, one jitted SGD step a sample (for `crosscheck bench`):
    the common first port to JAX, before the loop moves into lax.scan. Returns the trained
    parameters."""
    dev = _check(dtype, device, "jit")
    p = to_native(params, dtype=dtype, device=device)
    data, all_y_trues = _put(data, dtype, dev), _put(all_y_trues, dtype, dev)
    for _ in range(epochs):
        for x, y_true in zip(data, all_y_trues):
            p = _sgd_step(p, x, y_true, learn_rate)
    return from_native(p)
