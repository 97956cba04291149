"""What every port provides, and the types that cross between ports and the harness.

Each port module (`nn_crosscheck.ports.numpy`, `.torch`, `.jax`, ...) defines the same names:

    NAME, MODES                      the port's name and execution modes (e.g. jit / nojit)
    version() -> str                 the framework's version
    devices() -> tuple[str, ...]     the devices present, from ("cpu", "cuda")
    pin_precision() -> None          full float32 matmuls, TF32 off, float64 enabled
    precision() -> dict              the precision settings in force
    matmul_canary(device) -> float   relative error of a float32 matmul (see canary_error)
    to_native(params, *, dtype, device)   the article's nine numbers in the framework's layout
    from_native(native) -> Params    and back
    mse_loss(y_true, y_pred, *, dtype, device) -> float   the article's MSE, the framework's way
    forward(params, X, *, dtype, device, mode) -> (n,) array (an (n, 1) column is read as (n,))
    loss_and_grads(params, x, y_true, *, dtype, device, mode) -> (loss, nine partials)
    train(params, data, all_y_trues, *, dtype, device, mode,
          learn_rate=0.1, epochs=1000, record_steps=False) -> TrainResult
                                     (a port that only evaluates, such as a deployed graph,
                                     defines neither: ports.onnx; or loss_and_grads alone)
    train_many(params, data, all_y_trues, X_predict, *, dtype, device, mode,
               learn_rate=0.1, epochs=1000) -> BatchResult
                                     N networks at once: each parameter an (N,) array

And may declare, for the harness to read (defaults in ports.PortInfo):

    LABEL                            how its derivatives are named in a table ("jax.grad")
    GRADIENTS                        how loss_and_grads computes its partials: "autograd" (the
                                     framework differentiates) or "hand" (its own chain rule); the
                                     article's walk-through labels the factors it does not return so
    COMPILED_MODE                    the mode that compiles (a jit-only divergence is blamed on it)
    DEVICES                          the devices it can use when present (default: all DEVICES)
    LAYOUT                           {article name: path into to_native's result}, each path a
                                     tuple of attribute or key names and indices (mapping test)
    native_devices(native) -> set    the devices to_native's arrays live on (mapping test)
    SWEEP_MODE                       the mode `crosscheck sweep` runs train_many in by default
                                     (default: the first of MODES)
    BENCH                            the variants `crosscheck bench` times: (mode label,
                                     description, function name, keyword arguments, compiles)
    DTYPES                           the dtypes it computes in (default: both)
    UNAVAILABLE_MODES                {mode: why it cannot run here}, for a mode that needs
                                     something this machine lacks (a C compiler): its cases
                                     are skipped with that reason
    EXPECTED_SECONDS                 {mode: about how long compare's checks of one case take}, so
                                     that worker processes start the longest first (default 10 s;
                                     a guess for ordering, never a limit)
    STEP_CODE                        {"forward" | "gradients" | "update": names of its functions or
                                     classes ("Net", "Net.forward")}: the code the HTML report
                                     shows for each part of one SGD step (default: forward,
                                     loss_and_grads, train)

Parameters cross under the article's names (w1..w6, b1..b3); results come back as NumPy
float64 copies of the port's native values, so every comparison is made once, by the harness.
"""

from dataclasses import dataclass

import numpy as np

from nn_crosscheck.reference import PARAM_NAMES, Params

DTYPES = ("float32", "float64")
DEVICES = ("cpu", "cuda")

# The names above that every port module defines; checked against each port by a test.
PROTOCOL = (
    "NAME", "MODES", "version", "devices", "pin_precision", "precision", "matmul_canary",
    "to_native", "from_native", "mse_loss", "forward", "loss_and_grads", "train", "train_many",
)  # fmt: skip


GRADIENTS = ("autograd", "hand")  # what a port may declare in GRADIENTS

# The declarations above that a port may make for the harness to read.
DECLARATIONS = (
    "LABEL", "GRADIENTS", "COMPILED_MODE", "DEVICES", "LAYOUT", "native_devices", "SWEEP_MODE", "BENCH",
    "DTYPES", "UNAVAILABLE_MODES", "EXPECTED_SECONDS", "STEP_CODE",
)  # fmt: skip


class PortWarning(UserWarning):
    """A port that is valid but probably not what its author meant: it defines a name close to
    one of the protocol's that it lacks ('trian' and no train), so that family is skipped."""


class PortError(Exception):
    """A port was asked for something it cannot do (an absent device, an unknown dtype...)."""


class NotProvided(PortError):
    """A port was asked for a function it does not define (loss_and_grads or train, of a port
    that only evaluates): a family it takes no part in, skipped, never failed."""


@dataclass(frozen=True)
class TrainResult:
    """What a training run gives back, all as NumPy float64.

    losses: (epochs // 10,) the MSE over the four samples after epochs 0, 10, ..., 990.
    params: the nine parameters after the last step.
    steps:  (epochs * 4, 9) the parameters after every step, columns in PARAM_NAMES order,
            or None when not asked for.
    device: where the port's native arrays lived during training, as the framework reports it.
    """

    losses: np.ndarray
    params: Params
    steps: np.ndarray | None
    device: str


@dataclass(frozen=True)
class BatchResult:
    """N networks trained at once, all as NumPy float64.

    losses: (N, epochs // 10) each network's logged MSE; params: (N, 9) the final parameters in
    PARAM_NAMES order; predictions: (N, m) each network's output for the m rows of X_predict.
    devices: where the networks were trained ("cpu:0", "cuda:1"...), when the port says (a port
    that shards them over several devices lists each).
    """

    losses: np.ndarray
    params: np.ndarray
    predictions: np.ndarray
    devices: tuple[str, ...] = ()


def check_case(port, dtype: str, device: str, mode: str) -> None:
    """Raise PortError unless `port` knows `dtype` and `mode` and `device` is present."""
    if dtype not in DTYPES:
        raise PortError(f"{port.NAME}: unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}")
    if mode not in port.MODES:
        raise PortError(f"{port.NAME}: unknown mode {mode!r}; valid: {', '.join(port.MODES)}")
    if device not in port.devices():
        raise PortError(f"{port.NAME}: device {device!r} not present; present: {', '.join(port.devices())}")


def as_params(values) -> Params:
    """Nine values in PARAM_NAMES order -> {name: float}."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if values.shape != (len(PARAM_NAMES),):
        raise PortError(f"expected {len(PARAM_NAMES)} parameters, got shape {values.shape}")
    return dict(zip(PARAM_NAMES, values.tolist()))


# The matmul canary: a float32 (N x N) @ (N x N) product of CANARY_VALUE by ones. Every partial
# sum k (1 + 2^-16), k <= 64, fits float32's 24-bit significand, so IEEE float32 gives each entry
# exactly 64 + 2^-10 in any summation order; a TF32 matmul rounds its operands to 10 bits,
# turning 1 + 2^-16 into 1, so the entry comes out as 64.
CANARY_N = 64
CANARY_VALUE = 1 + 2**-16
TF32_CANARY_ERROR = 2**-16 / (1 + 2**-16)


def canary_operands() -> tuple[np.ndarray, np.ndarray]:
    a = np.full((CANARY_N, CANARY_N), CANARY_VALUE, dtype=np.float32)
    return a, np.ones((CANARY_N, CANARY_N), dtype=np.float32)


def canary_error(product) -> float:
    """Largest relative error of the canary product: 0 for IEEE float32, ~2^-16 for TF32."""
    exact = CANARY_N * CANARY_VALUE
    return float(np.max(np.abs(np.asarray(product, dtype=np.float64) - exact)) / exact)
