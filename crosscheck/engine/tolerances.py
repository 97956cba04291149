"""Every tolerance of the suite, in one place, as multiples of the dtype's machine epsilon.

An element passes when |got - expected| <= budget, with

    budget = c * eps * magnitude

`magnitude` is what was rounded, not the result: for the forward pass, the loss and the partials
it is the error magnitude of the reference's own arithmetic (crosscheck/engine/magnitudes.py: the same
expression with every term in absolute value, errors propagated through each sigmoid by f' at
the nearest point they reach, every exact formula of f and f' covered, second-order terms where
two factors are both rounding residue),
so a sum of large terms that cancel carries their rounding, not the small result's. Where
nothing cancels it is about |expected|, and the budget a few eps of the value.

Worked example (docs/budgets.md; `python scripts/budget_example.py`): w3 = w4 = -30, b2 = 14,
w6 = 1, the others 0, at x = (17.875, -17.386304903836702). The hidden sum is -536.25 +
521.589... + 14 = -0.661, of magnitude 1071.8; through h2 (M = 241) the output o1 = 0.5843 gets
M = 59.3, and the float64 forward budget is 8 eps 59.3 = 1.05e-13. JAX differs from the
reference there by 3.2e-15 (0.03 of it), a difference a budget of 8 eps (|o1| + 1) = 2.8e-15
called a failure; and it is the one nearer the 50-digit value. A second example
(`python scripts/saturated_example.py`) is an output saturated at its target, where the
second-order terms of magnitudes.py are the whole budget.

`c` is per quantity: each leaves a margin of about five or more over the worst agreement measured
on the CPU (`python scripts/measure_agreement.py` prints it in the same units, over the shared
weights, random draws, saturating draws and draws aimed at cancellation), while a real porting
bug is still orders of magnitude beyond it (a float32 detour in a float64 run is ~1e8 eps).

For the training run the magnitude of a parameter is (|p| + scale), scale = max(1, max |p|): a
parameter near 0 still carries the rounding of the updates that brought it there, whose size
is that of the larger parameters. It is multiplied by the amplification the reference measures
on its own trajectory (below). The logged losses and the predictions take the larger of that
and the magnitude of their own evaluation at the reference's parameters of that moment.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    c: float
    why: str

    def budget(self, magnitude, dtype: str) -> np.ndarray:
        """The budget of each element whose rounding has this magnitude."""
        return self.c * float(np.finfo(dtype).eps) * np.asarray(magnitude, dtype=np.float64)


def value_scale(expected, axis: int | None = None) -> np.ndarray:
    """(|p| + scale), scale = max(1, max |p|): the magnitude of a training quantity before its
    amplification. With `axis`, the scale is taken along it (one per network, (N, k) with -1)."""
    expected = np.abs(np.asarray(expected, dtype=np.float64))
    # fmax ignores NaN: a NaN element fails on its own, it does not void the others' budgets.
    largest = np.fmax.reduce(expected, axis=axis, keepdims=axis is not None, initial=0)
    return expected + np.maximum(1.0, largest)


TOLERANCES = {
    "forward": Tolerance(
        c=8,
        why="three sigmoid neurons, each a two-term dot product and a sigmoid; frameworks "
        "differ in summation order, fused multiply-adds and the sigmoid's formula (measured: "
        "1.0 eps x magnitude, float32, cancelling draws)",
    ),
    "trained_forward": Tolerance(
        c=8,
        why="as forward, on the parameters the reference trained (a port that only evaluates): "
        "both sides evaluate the same numbers, so no training rounding enters, only the forward's",
    ),
    "loss": Tolerance(
        c=8,
        why="(y_true - y_pred)^2: the forward's error, doubled by the square (measured: 0.41)",
    ),
    "gradients": Tolerance(
        c=8,
        why="each partial is a product of up to six rounded factors (chain rule); autograd "
        "associates them in another order and evaluates f' as f (1 - f) or from e^-s (measured: "
        "1.0, float32, cancelling draws)",
    ),
    "loss_log": Tolerance(
        c=8,
        why="4000 SGD steps; the rounding of each step's update, summed, and the stretch of the "
        "dynamics are measured per run and multiply the magnitude (below); c is that of the values "
        "the steps are made of (measured: 0.2 of the budget on the shared weights)",
    ),
    "final_params": Tolerance(
        c=8,
        why="as loss_log: the parameters after 4000 steps, magnitudes up to ~5 (measured: 0.5)",
    ),
    "trajectory": Tolerance(
        c=8,
        why="as final_params, after each of the 4000 steps (measured: 0.5)",
    ),
    "predictions": Tolerance(
        c=8,
        why="as loss_log: a forward pass on the trained parameters (measured: 0.2)",
    ),
}

# The constant of the values every magnitude is built from: the forward pass, the loss and the
# partials (magnitudes.py) share one c, so that an error of at most c eps M(v) in one factor is
# what the next factor's second-order term multiplies.
ROUNDED = ("forward", "loss", "gradients")
assert len({TOLERANCES[q].c for q in ROUNDED}) == 1, "the rounded quantities share one c"


def residue(dtype: str) -> float:
    """r = c eps: the largest error a computed value carries per unit of its magnitude. Where two
    factors are both rounding residue (y_true - y_pred and f'(sum_o1) at a saturated output at
    its target) their product's error is r M(a) M(b): the second-order terms of magnitudes.py."""
    return TOLERANCES[ROUNDED[0]].c * float(np.finfo(dtype).eps)


# Training amplifies rounding. Each step's rounding differences are carried into the next, and
# some initial draws pass through regions where the dynamics stretch them (measured: a one-ulp
# change of the initial weights grows to ~1 eps for the shared weights; over 100,000 draws the
# median is 1 and the largest ~1,500, seed 14606, mid-run). The budgets of the training
# quantities are therefore multiplied by the amplification the reference itself shows, measured
# per run (engine/amplification.py): the largest growth so far of a one-ulp nudge of the
# initial weights over three sign patterns, each with a twin renewed whenever it has died back
# to one ulp (rounding enters at every step: seed 871405 stretches it fourteenfold mid-run after
# its first nudge died out). One pattern is not enough: the growth depends on the
# direction (for seed 95410: 3.2 along the first pattern, 186 with every sign negative). A real
# bug is still many orders of magnitude beyond the budget; the sweep counts the networks whose
# multiplier passes 100, which are verified only that loosely.
# To the stretch is added each step's own rounding, summed over the steps (training_multiplier):
# two correct implementations' updates differ by up to an ulp a step, and those differences can
# keep one sign; where the dynamics neither stretch nor shrink them they add up linearly. For the
# shared weights the stretch is 1 and the sum ~1,700 units of eps (|p| + scale) over the run
# (multiplier ~215 at the end); without it the exact-arithmetic port (tests/exact_port.py) failed
# the float64 final parameters at 2.18 of the budget.
NUDGE_DIRECTIONS = (
    (1, -1, 1, 1, -1, 1, -1, -1, 1),
    (1, 1, 1, 1, 1, 1, 1, 1, 1),
    (1, -1, -1, 1, 1, -1, -1, 1, -1),
)


def training_multiplier(stretch, accumulated):
    """The training budgets' multiplier: the stretch of a one-ulp nudge times (1 + the per-step
    rounding summed over the steps so far / c). `accumulated` is that sum in units of eps (|p| +
    scale), an absolute bound; every rounding it sums is carried to the end by at most the
    stretch, as the nudge's own (engine/amplification.py, NudgedRun.accumulate)."""
    return stretch * (1 + np.asarray(accumulated) / TOLERANCES["trajectory"].c)


def amplification_ratio(a: np.ndarray, b: np.ndarray, dtype: str, axis=-1) -> np.ndarray:
    """max over `axis` of |a - b| / (eps (|a| + scale)), scale = max(1, max |a|) along it."""
    return np.max(np.abs(a - b) / (float(np.finfo(dtype).eps) * value_scale(a, axis)), axis=axis)


# The finite-difference oracle: central differences of the float64 loss at steps h and h/2,
# combined by Richardson extrapolation, (4 D(h/2) - D(h)) / 3.
# Rounding: each loss evaluation errs by at most e = c_loss eps M(L) (the loss's magnitude, not
# |L|: where terms cancel the evaluations carry their rounding), so D(h) errs by e / h, D(h/2) by
# 2 e / h, and the extrapolation by (4 * 2 + 1) / 3 e / h = 3 e / h (fd_rounding).
# Truncation: bounded by |D(h) - D(h/2)|, which the oracle measures for each partial. That holds
# only while h is small enough for the loss to be near-polynomial over [p - h, p + h], which a
# step relative to |p| is not when a large weight multiplies an input (w3 = 2^19 at |x| = 2: h = 3
# moves the pre-activation by 6, across the whole sigmoid). So the oracle starts from
# h = eps^(1/3) max(1, |p|) and halves h, up to FD_HALVINGS times, keeping the step whose bound
# (truncation + rounding) is least; it stops once the rounding alone exceeds that bound.
# The budget is that bound plus the gradient's own float64 budget: no constant of its own.
FD_STEP_EXPONENT = 1 / 3
FD_HALVINGS = 16  # 2^-16: from the largest step of a weight of 1e6 down to where a sigmoid is smooth


def fd_step(value: float) -> float:
    """The float64 central-difference step the oracle starts from, for a parameter of this value."""
    return float(np.finfo(np.float64).eps) ** FD_STEP_EXPONENT * max(1.0, abs(value))


def fd_rounding(step, loss_magnitude) -> np.ndarray:
    """The rounding error of the extrapolated central difference at this step: 3 e / h."""
    return 3 * TOLERANCES["loss"].budget(loss_magnitude, "float64") / np.asarray(step)


def fd_budget(steps, loss_magnitude, truncation, gradient_magnitudes) -> np.ndarray:
    """Budget for float64 partials against the finite-difference oracle: the oracle's rounding
    at each parameter's step, its measured truncation bound, and the partials' own rounding."""
    return (
        fd_rounding(steps, loss_magnitude)
        + np.asarray(truncation)
        + TOLERANCES["gradients"].budget(gradient_magnitudes, "float64")
    )
