"""The article's network in exact arithmetic: mpmath at 50 significant digits, far beyond any
rounding a float64 computation makes, so that its values are the truth each implementation (and
the budget model, tests/test_exact.py) is measured against.

The same formulas as `reference.partials` (f = 1 / (1 + e^-x), the article's chain rule), every
operation carried to 50 digits; `rounded` then rounds a value once to a dtype. The weights and
inputs are taken as the exact binary numbers the dtype holds (both sides round them the same way).
mpmath is imported here only (the `exact` extra): nothing else of the harness needs it.
"""

from functools import cache

import numpy as np

from nn_crosscheck.reference import PARAM_NAMES
from nn_crosscheck.reference.article import EPOCHS, LEARN_RATE, LOG_EVERY

DIGITS = 50
# The significand bits of each dtype: a value rounded once to it is exact in a float64.
BITS = {"float32": 24, "float64": 53}


@cache
def context():
    """A private mpmath context at DIGITS digits (the global one is left as it is)."""
    import mpmath

    ctx = mpmath.MPContext()
    ctx.dps = DIGITS
    return ctx


def _exact(value, dtype: str):
    """The dtype's value of `value` as an exact mpf (a float32 or float64 is a binary fraction)."""
    return context().mpf(float(np.asarray(value, dtype=dtype)))


def weights(params, dtype: str) -> dict:
    return {p: _exact(params[p], dtype) for p in PARAM_NAMES}


def sigmoid(x):
    ctx = context()
    return 1 / (1 + ctx.exp(-x))


def forward(p: dict, x) -> object:
    """o1 at one input pair (exact mpf parameters and inputs)."""
    h1 = sigmoid(p["w1"] * x[0] + p["w2"] * x[1] + p["b1"])
    h2 = sigmoid(p["w3"] * x[0] + p["w4"] * x[1] + p["b2"])
    return sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b3"])


def partials(p: dict, x, y_true) -> tuple[object, dict]:
    """The single-sample loss (y_true - y_pred)^2 and its nine partials, exactly."""
    sum_h1 = p["w1"] * x[0] + p["w2"] * x[1] + p["b1"]
    sum_h2 = p["w3"] * x[0] + p["w4"] * x[1] + p["b2"]
    h1, h2 = sigmoid(sum_h1), sigmoid(sum_h2)
    y_pred = sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b3"])
    d_ypred = -2 * (y_true - y_pred)
    d_o1, d_h1, d_h2 = y_pred * (1 - y_pred), h1 * (1 - h1), h2 * (1 - h2)
    d_hidden1, d_hidden2 = d_ypred * p["w5"] * d_o1, d_ypred * p["w6"] * d_o1
    grads = {
        "w1": d_hidden1 * x[0] * d_h1,
        "w2": d_hidden1 * x[1] * d_h1,
        "w3": d_hidden2 * x[0] * d_h2,
        "w4": d_hidden2 * x[1] * d_h2,
        "w5": d_ypred * h1 * d_o1,
        "w6": d_ypred * h2 * d_o1,
        "b1": d_hidden1 * d_h1,
        "b2": d_hidden2 * d_h2,
        "b3": d_ypred * d_o1,
    }
    return (y_true - y_pred) ** 2, grads


def rounded(value, dtype: str) -> float:
    """`value` rounded once, to nearest, to `dtype`'s significand (as a Python float; exact for
    float32 too, whose values a float64 holds). Below the dtype's smallest normal number the
    float64 conversion rounds a second time, to the dtype's subnormal grid."""
    ctx = context()
    with ctx.workprec(BITS[dtype]):
        once = +ctx.mpf(value)
    return float(np.asarray(float(once), dtype=dtype))


def at_inputs(params, X, dtype: str) -> list:
    """The exact o1 at each row of X: (n, 2), as mpf."""
    p = weights(params, dtype)
    return [forward(p, [_exact(v, dtype) for v in row]) for row in np.asarray(X)]


def at_sample(params, x, y_true, dtype: str) -> tuple[object, dict]:
    """The exact single-sample loss and partials at the dtype's weights, as mpf."""
    return partials(weights(params, dtype), [_exact(v, dtype) for v in x], _exact(y_true, dtype))


def as_float64(values) -> np.ndarray:
    """Exact values rounded once to float64 (an error measured against them is the error from the
    exact value, up to half an ulp of float64)."""
    return np.array([rounded(v, "float64") for v in values])


def train(params, data, all_y_trues, dtype: str, *, learn_rate=LEARN_RATE, epochs=EPOCHS, record_steps=False):
    """The article's training run in exact arithmetic from the dtype's initial weights: every
    step exact, each reported value (losses, parameters, steps) rounded once to `dtype`."""
    ctx = context()
    p = weights(params, dtype)
    rate = _exact(learn_rate, dtype)
    samples = [([_exact(v, dtype) for v in x], _exact(y, dtype)) for x, y in zip(data, all_y_trues)]
    losses, steps = [], []
    for epoch in range(epochs):
        for x, y_true in samples:
            _, grads = partials(p, x, y_true)
            p = {name: p[name] - rate * grads[name] for name in PARAM_NAMES}
            if record_steps:
                steps.append([rounded(p[name], dtype) for name in PARAM_NAMES])
        if epoch % LOG_EVERY == 0:
            mse = ctx.fsum((y - forward(p, x)) ** 2 for x, y in samples) / len(samples)
            losses.append(rounded(mse, dtype))
    return {
        "losses": losses,
        "params": {name: rounded(p[name], dtype) for name in PARAM_NAMES},
        "steps": steps if record_steps else None,
    }


def ulps(values, exact_values, dtype: str, scales=None) -> np.ndarray:
    """|value - exact| in units in the last place of `dtype` at the exact value (mpf): the ulp
    of the binade the exact value lies in (that of the smallest normal number below it), the
    difference taken exactly. A non-finite value is infinitely far. With `scales` (an element's
    magnitude: the size of the terms rounded on the way to it, engine/magnitudes.py), the ulp at
    the larger of |exact| and the scale: an exact value near 0 (a partial of a saturated neuron,
    -1.1e-17 where its terms are 0.43) has an ulp so small that any rounding of its terms is
    quadrillions of them."""
    ctx = context()
    lowest = int(np.frexp(np.finfo(dtype).tiny)[1])  # the smallest normal number's binade
    values = np.asarray(values, dtype=np.float64).tolist()
    scales = [0.0] * len(values) if scales is None else np.asarray(scales, dtype=np.float64).tolist()
    found = []
    for value, truth, scale in zip(values, exact_values, scales, strict=True):
        if not np.isfinite(value):
            found.append(float("inf"))
            continue
        size = max(abs(ctx.mpf(truth)), ctx.mpf(scale))
        binade = max(int(ctx.frexp(size)[1]), lowest) if size else lowest
        unit = ctx.ldexp(1, binade - BITS[dtype])  # |truth| in [2^(e-1), 2^e): ulp 2^(e - p)
        found.append(float(abs(ctx.mpf(value) - truth) / unit))
    return np.array(found)


def require() -> None:
    """Raise a UsageError naming the extra when mpmath is missing."""
    try:
        import mpmath  # noqa: F401
    except ImportError:
        from ..errors import UsageError

        raise UsageError(
            "--exact computes the exact values with mpmath, which is not installed: "
            "pip install mpmath (or the project's 'exact' extra)"
        ) from None
