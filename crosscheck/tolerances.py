"""Every tolerance of the suite, in one place, as multiples of the dtype's machine epsilon.

An element passes when |got - expected| <= budget, with

    budget = eps * (rel * |expected| + abs * scale),    scale = max(1, max |expected|)

`rel` covers rounding proportional to the value itself; `abs` covers rounding inherited from
the O(1) terms the value was computed from (y_true - y_pred, sigmoids in (0, 1)), which does not
shrink when the value does: a partial of 1e-12 still carries the ~eps absolute error of
y_true - y_pred times its Jacobian factor. Each budget leaves a margin of about five or more over
the worst agreement measured on the CPU (in the same units; `python scripts/measure_agreement.py`
prints them), while staying far below what a real porting bug produces (a float32 detour in a
float64 run is ~1e8 eps).
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    rel: float
    abs: float
    why: str

    def budget(self, expected: np.ndarray, dtype: str) -> np.ndarray:
        eps = float(np.finfo(dtype).eps)
        scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
        return eps * (self.rel * np.abs(expected) + self.abs * scale)


TOLERANCES = {
    "forward": Tolerance(
        rel=8,
        abs=8,
        why="three sigmoid neurons, each a two-term dot product and a sigmoid; frameworks "
        "differ by an ulp or two in sigmoid and summation order at each (measured: 1.3)",
    ),
    "loss": Tolerance(
        rel=16,
        abs=16,
        why="(y_true - y_pred)^2 doubles the forward's relative error (measured: 2.6)",
    ),
    "gradients": Tolerance(
        rel=16,
        abs=16,
        why="each partial is a product of up to five rounded factors (chain rule), autograd "
        "evaluates f' as f(1 - f) or from exp directly, and |x| up to 25 scales the error "
        "(measured: 3.1)",
    ),
    "loss_log": Tolerance(
        rel=8,
        abs=8,
        why="4000 SGD steps; per-step rounding differences do not grow because the dynamics "
        "contract (measured: 0.2)",
    ),
    "final_params": Tolerance(
        rel=8,
        abs=8,
        why="as loss_log: the parameters after 4000 steps, magnitudes up to ~5 (measured: 0.5)",
    ),
    "trajectory": Tolerance(
        rel=8,
        abs=8,
        why="as final_params, after each of the 4000 steps (measured: 0.5)",
    ),
    "predictions": Tolerance(
        rel=8,
        abs=8,
        why="as loss_log: a forward pass on the trained parameters (measured: 0.2)",
    ),
}

# Central differences with step h = eps^(1/3) * max(1, |p|) err by about
# h^2/6 |L'''| + eps |L| / h, i.e. eps^(2/3) times a constant set by the curvature of L.
# Measured over the article's data and 900 random draws: at most 3 eps^(2/3) (relative to
# max(1, max |grad|)); 32 leaves a wide margin for saturated draws.
FD_STEP_EXPONENT = 1 / 3
FD_ABS = 32


def fd_step(value: float) -> float:
    """The float64 central-difference step for a parameter of this value."""
    return float(np.finfo(np.float64).eps) ** FD_STEP_EXPONENT * max(1.0, abs(value))


def fd_budget(expected: np.ndarray, dtype: str) -> np.ndarray:
    """Budget for a `dtype` gradient against the float64 finite-difference oracle: the oracle's
    own truncation and rounding error plus the gradient's rounding in `dtype`."""
    eps64 = float(np.finfo(np.float64).eps)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return FD_ABS * eps64 ** (2 / 3) * scale + TOLERANCES["gradients"].budget(expected, dtype)
