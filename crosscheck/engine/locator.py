"""First-divergence locator: where a training run first left the reference, and a likely cause.

Works on the parameters recorded after every step (TrainResult.steps). The first step at which
any parameter's difference from the reference exceeds its trajectory budget is reported with
that parameter, both values and the budget. The cause is read from the relative error of that
step's update (how far the two runs moved, compared with how far the reference moved):
- about 2^-27 .. 2^-15 in a float64 run, from the first epoch: float32 arithmetic somewhere
  (JAX x64 off, a cast); lower precision rounds every step, so it cannot wait to show;
- about 2^-14 .. 2^-8, from the first epoch: operands rounded to 10 mantissa bits (TF32);
- the sum of that step's reference update and the one before it, at step 1 or later: gradients
  accumulated across steps (a forgotten optimizer.zero_grad(), or its equivalent);
- 5% or more: a different update altogether (learning rate, loss scale, sample order, a term);
- a JAX jit run that diverges while its nojit twin agrees: XLA reordering or fusion under jit.
"""

import numpy as np

from nn_crosscheck.reference import PARAM_NAMES, Params
from nn_crosscheck.reference.article import NAMES

from .judge import Check

FLOAT32_SIZED = (2.0**-27, 2.0**-15)
TF32_SIZED = (2.0**-14, 2.0**-8)
LOGIC_SIZED = 0.05
# An update within this of the sum of two reference updates is that sum: far above rounding (the
# two runs agree up to that step), far below how different any other bug's update is.
ACCUMULATED_SIZED = 1e-3

CAUSE_FLOAT32 = "float32-sized error where float64 was asked: JAX x64 off or a float32 cast"
CAUSE_TF32 = "relative error near 2^-11: TF32 matmuls (operands rounded to a 10-bit mantissa)"
CAUSE_LOGIC = "a different update: learning rate, loss scaling, sample order or a dropped term"
CAUSE_JIT = (
    "differs only in the compiled mode ({mode}): the compiler reordering or fusing floating-point "
    "operations (XLA under jax.jit or TensorFlow's jit_compile, inductor under torch.compile)"
)
CAUSE_ACCUMULATED = (
    "gradients accumulated across steps: that step's update is the sum of its gradient and the "
    "previous step's (a forgotten optimizer.zero_grad(), or its equivalent)"
)
CAUSE_NAN = "a NaN appeared in the parameters"
CAUSE_STEPS = "a different number of steps: a skipped or extra sample, or another epoch count"


def likely_cause(update_rel_err: float, dtype: str, step: int) -> str | None:
    if not np.isfinite(update_rel_err):
        return CAUSE_NAN
    # Lower precision rounds every step, so it shows in the first epoch, many budgets over.
    early = step < len(NAMES)
    if early and dtype == "float64" and FLOAT32_SIZED[0] <= update_rel_err < FLOAT32_SIZED[1]:
        return CAUSE_FLOAT32
    if early and TF32_SIZED[0] <= update_rel_err <= TF32_SIZED[1]:
        return CAUSE_TF32
    if update_rel_err >= LOGIC_SIZED:
        return CAUSE_LOGIC
    return None


def first_divergence(trajectory: Check, initial: Params, dtype: str) -> dict | None:
    """The first step where `trajectory` (a Check over steps x parameters) leaves its budget."""
    n_params = len(PARAM_NAMES)
    if trajectory.note:  # the runs did not even take the same number of steps
        return {"step": None, "likely_cause": CAUSE_STEPS, "detail": trajectory.note}
    ratios = trajectory.ratios.reshape(-1, n_params)
    bad_steps = np.flatnonzero(~np.all(ratios <= 1.0, axis=1))
    if not bad_steps.size:
        return None
    step = int(bad_steps[0])
    param = int(np.argmax(np.where(np.isnan(ratios[step]), np.inf, ratios[step])))
    got = trajectory.got.reshape(-1, n_params)
    expected = trajectory.expected.reshape(-1, n_params)
    budget = trajectory.budget.reshape(-1, n_params)
    start = np.array([initial[p] for p in PARAM_NAMES])
    before_got = got[step - 1] if step else start
    before_expected = expected[step - 1] if step else start
    moved = expected[step] - before_expected
    update_rel_err = _relative(got[step] - before_got, moved)
    cause = likely_cause(update_rel_err, dtype, step)
    if step and cause == CAUSE_LOGIC:
        before_that = expected[step - 2] if step > 1 else start
        if _relative(got[step] - before_got, moved + (before_expected - before_that)) < ACCUMULATED_SIZED:
            cause = CAUSE_ACCUMULATED
    return {
        "step": step,
        "epoch": step // len(NAMES),
        "sample": NAMES[step % len(NAMES)],
        "parameter": PARAM_NAMES[param],
        "got": float(got[step, param]),
        "expected": float(expected[step, param]),
        "abs_err": float(abs(got[step, param] - expected[step, param])),
        "tolerance": float(budget[step, param]),
        "update_rel_err": update_rel_err,
        "likely_cause": cause,
    }


def _relative(update: np.ndarray, reference: np.ndarray) -> float:
    """How far `update` is from `reference`, relative to the reference's largest component."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.max(np.abs(update - reference)) / max(np.max(np.abs(reference)), 1e-300))


def describe(divergence: dict) -> str:
    d = divergence
    if d["step"] is None:
        return f"the trajectories differ in length ({d['detail']}); likely cause: {d['likely_cause']}"
    line = (
        f"first divergence at step {d['step']} (epoch {d['epoch']}, sample {d['sample']}), "
        f"parameter {d['parameter']}: got {d['got']!r}, expected {d['expected']!r}, "
        f"|error| {d['abs_err']:.3g} > tolerance {d['tolerance']:.3g}; "
        f"relative error of that step's update {d['update_rel_err']:.3g}"
    )
    return line + (f"; likely cause: {d['likely_cause']}" if d["likely_cause"] else "")
