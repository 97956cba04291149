"""The agreement families: each runs one implementation and the reference, and judges.

Every function returns Checks (see compare.py); the tests assert them and the command line
reports them, so both judge with the same code.
"""

import time
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache

import numpy as np

from nn_crosscheck import ports
from nn_crosscheck.reference import ALL_Y_TRUES, DATA, EMILY, FRANK, PARAM_NAMES, Params
from nn_crosscheck.reference.article import LOG_EVERY, N_LOGGED, NAMES

from .amplification import amplification
from .cases import Case, reference_case
from .judge import Check, assert_agree, compare, skipped, unjudged
from .locator import describe as describe_divergence
from .locator import first_divergence
from .magnitudes import (
    forward_magnitude,
    gradient_magnitudes,
    logged_loss_magnitude,
    loss_magnitude,
    prediction_magnitude,
)
from .tolerances import FD_HALVINGS, TOLERANCES, fd_budget, fd_rounding, fd_step, value_scale

PEOPLE = dict(zip(NAMES, zip(DATA, ALL_Y_TRUES)))
PREDICTION_CASES = {"Emily": EMILY, "Frank": FRANK}
EPOCH_LABELS = tuple(f"epoch {i * LOG_EVERY}" for i in range(N_LOGGED))


def forward_check(case: Case, params: Params, X, labels, quantity: str = "forward") -> Check:
    """o1 for each row of X: (n, 2), against the reference in the same dtype."""
    expected = reference_case(case.dtype).forward(params, X)
    return compare(
        quantity,
        case.forward(params, X),
        expected,
        dtype=case.dtype,
        case=case.id,
        labels=labels,
        magnitude=forward_magnitude(params, X, case.dtype),
    )


def trained_forward_check(case: Case, initial: Params, X, labels) -> Check:
    """For a port that only evaluates (no train): o1 for each row of X from the parameters the
    reference trained in float64 from `initial` (the network a port would be deployed with),
    against the reference's own o1 from them in the same dtype, within their forward budget."""
    trained = train(reference_case("float64"), initial).params
    return forward_check(case, trained, X, labels, quantity="trained_forward")


def gradient_checks(case: Case, params: Params, x, y_true, who: str) -> list[Check]:
    """The single-sample loss and its nine partials, against the hand derivation."""
    loss, grads = case.loss_and_grads(params, x, y_true)
    ref_loss, ref_grads = reference_case(case.dtype).loss_and_grads(params, x, y_true)
    kw = {"dtype": case.dtype, "case": case.id}
    magnitudes = gradient_magnitudes(params, x, y_true, case.dtype)
    return [
        compare(
            "loss",
            [loss],
            [ref_loss],
            labels=[who],
            magnitude=loss_magnitude(params, x, y_true, case.dtype).magnitude,
            **kw,
        ),
        compare(
            "gradients",
            [grads[p] for p in PARAM_NAMES],
            [ref_grads[p] for p in PARAM_NAMES],
            labels=[f"{who}/{p}" for p in PARAM_NAMES],
            magnitude=[magnitudes[p] for p in PARAM_NAMES],
            **kw,
        ),
    ]


def finite_differences(case: Case, params: Params, x, y_true) -> tuple[np.ndarray, ...]:
    """Central differences of the implementation's own float64 loss, in PARAM_NAMES order, each
    the Richardson extrapolation (4 D(h/2) - D(h)) / 3 (error O(h^4)) at the step h, halved from
    eps^(1/3) max(1, |p|), whose error bound is least: the measured |D(h) - D(h/2)| (large while
    h is beyond where the loss is near-polynomial: large weights, |x| up to 25) plus the
    rounding (tolerances.fd_rounding, which grows as h shrinks). Returns the estimates, their
    measured truncation bounds, the steps taken, and how far the port's loss was from the
    reference's at the points evaluated, in units of the float64 loss budget. Always float64, so
    one (cached) computation serves both dtypes of a port."""
    key = (replace(case, dtype="float64"), tuple(params.items()), tuple(np.ravel(x).tolist()), float(y_true))
    return _finite_differences(*key)


@lru_cache(maxsize=256)
def _finite_differences(case: Case, params: tuple, x: tuple, y_true: float) -> tuple[np.ndarray, ...]:
    params = dict(params)
    loss_size = loss_magnitude(params, x, y_true, "float64").magnitude
    # The oracle's rounding term (fd_rounding) takes the port's loss to be rounded like float64's:
    # within the loss budget of the reference's. How far it is, at every point evaluated, in
    # units of that budget (above 1: the loss is rounded more coarsely, or is wrong).
    allowed = TOLERANCES["loss"].budget(loss_size, "float64")
    reference, off = reference_case("float64"), [0.0]

    def loss(p):
        value = case.loss_and_grads(p, x, y_true, dtype="float64")[0]
        off[0] = max(off[0], abs(value - reference.loss_and_grads(p, x, y_true)[0]) / allowed)
        return value

    def central(name: str, h: float) -> float:
        up, down = dict(params), dict(params)
        up[name] += h
        down[name] -= h
        return (loss(up) - loss(down)) / (up[name] - down[name])

    found = [
        _smallest_error(lambda h, n=name: central(n, h), fd_step(params[name]), loss_size)
        for name in PARAM_NAMES
    ]
    return (*(np.array(column) for column in zip(*found)), off[0])


def _smallest_error(central, h: float, loss_size: float) -> tuple[float, float, float]:
    """(estimate, truncation bound, step) at the step of least error bound, halving h until the
    rounding alone exceeds the best bound found (FD_HALVINGS at most). A step's truncation bound
    is the larger of |D(h) - D(h/2)| and |D(h/2) - D(h/4)|: two differences must be small, so a
    coincidence (both steps across a flat stretch of the loss) is not taken for convergence."""
    best, values = None, [central(h), central(h / 2)]
    for _ in range(FD_HALVINGS):
        values.append(central(h / 4))
        coarse, fine, finer = values[-3:]
        truncation = max(abs(fine - coarse), abs(finer - fine))
        if best is None or truncation + fd_rounding(h, loss_size) < best[1] + fd_rounding(best[2], loss_size):
            best = ((4 * fine - coarse) / 3, truncation, h)
        if fd_rounding(h / 2, loss_size) > best[1] + fd_rounding(best[2], loss_size):
            break
        h /= 2
    return best


def fd_check(case: Case, params: Params, x, y_true, who: str) -> Check:
    """The implementation's partials against an independent float64 finite-difference oracle.

    The oracle judges the derivative, which does not depend on the dtype, so the partials are
    taken in float64 for every case: a float32 partial can be rounding-limited far beyond any
    dtype-sized budget where a sigmoid saturates (f' = f (1 - f) cancels), and float32 rounding
    is judged like for like, against the float32 reference, by the gradient checks. A port
    that computes in float32 only is not called in float64: the oracle is a skip, saying so;
    so is a port whose float64 loss is rounded more coarsely than float64, where differences of
    it measure its rounding, not its slope (its loss check fails, naming the loss).
    """
    if "float64" not in ports.info(case.framework).dtypes:
        return skipped("fd_oracle", case.id, f"{case.framework} computes in float32 only, and the oracle "
                       "differentiates the float64 loss")  # fmt: skip
    oracle, oracle_error, steps, loss_off = finite_differences(case, params, x, y_true)
    if loss_off > 1:
        return skipped("fd_oracle", case.id, f"{who}: the port's float64 loss is {loss_off:.3g}x further "
                       "from the reference's than float64 rounding allows where the oracle evaluates "
                       "it: a loss rounded more coarsely (or wrong) cannot judge the partials by its "
                       "differences; the loss check judges it")  # fmt: skip
    _, grads = case.loss_and_grads(params, x, y_true, dtype="float64")
    magnitudes = gradient_magnitudes(params, x, y_true, "float64")
    magnitudes = np.array([magnitudes[p] for p in PARAM_NAMES], dtype=np.float64)
    loss = loss_magnitude(params, x, y_true, "float64").magnitude
    return compare(
        "fd_oracle",
        [grads[p] for p in PARAM_NAMES],
        oracle,
        dtype="float64",
        case=case.id,
        labels=[f"{who}/{p}" for p in PARAM_NAMES],
        magnitude=magnitudes,
        budget=fd_budget(steps, loss, oracle_error, magnitudes),
    )


@lru_cache(maxsize=64)
def _timed_train(case: Case, params: tuple[tuple[str, float], ...]):
    start = time.perf_counter()
    result = case.train(dict(params), DATA, ALL_Y_TRUES, record_steps=True)
    return result, time.perf_counter() - start


_ADOPTED: dict[tuple, tuple] = {}  # runs made in another process (the reference's: shared.py)


def timed_train(case: Case, params: Params):
    """(TrainResult, seconds) of the article's full training run for `case`, made once per case
    and weights in a process, or adopted from another (`adopt_train`)."""
    key = (case, tuple(params.items()))
    return _ADOPTED.get(key) or _timed_train(*key)


def adopt_train(case: Case, params: Params, run: tuple) -> bool:
    """Take `run` (timed_train's, made in another process) as this process's run of `case`;
    False where it has one already."""
    key = (case, tuple(params.items()))
    if key in _ADOPTED:
        return False
    _ADOPTED[key] = run
    return True


@contextmanager
def fresh_runs():
    """Within the block, each training run and finite difference is made afresh, as for a port
    whose code may have changed under the same Case (a file edited between two checks); those
    made before are kept for after it."""
    global _timed_train, _finite_differences
    saved = _timed_train, _finite_differences
    fresh = [lru_cache(f.cache_parameters()["maxsize"])(f.__wrapped__) for f in saved]
    _timed_train, _finite_differences = fresh
    try:
        yield
    finally:
        _timed_train, _finite_differences = saved


def train(case: Case, params: Params):
    """The article's full training run for `case`, run once per case and weights."""
    return timed_train(case, params)[0]


def train_seconds(case: Case, params: Params) -> float:
    """Wall time of that run (for JAX jit, compilation included)."""
    return timed_train(case, params)[1]


PREDICT = np.array(list(PREDICTION_CASES.values()))


def predictions(case: Case, trained: Params) -> np.ndarray:
    return case.forward(trained, PREDICT)


def step_labels(n_steps: int, n_samples: int = len(NAMES)) -> list[str]:
    """ "epoch E, Name/p" for each parameter after each step, in the order of TrainResult.steps."""
    return [
        f"epoch {step // n_samples}, {NAMES[step % n_samples]}/{p}"
        for step in range(n_steps)
        for p in PARAM_NAMES
    ]


def training_checks(case: Case, params: Params) -> list[Check]:
    """The 1000-epoch run: the 100 logged losses, the nine final parameters, and the Emily and
    Frank predictions, against the reference trained from the same weights in the same dtype;
    and the parameters after every one of the 4000 steps (the trajectory), which sees a skipped
    or reordered sample at the step it happens rather than in its faint effect on the losses."""
    ref = reference_case(case.dtype)
    got, expected = train(case, params), train(ref, params)
    if got.device.split(":")[0] != case.device:  # a silent fall-back to another device is a failure
        return [unjudged("device", case.id, f"asked for {case.device}, the arrays lived on {got.device}")]
    amp = amplification(case.dtype, params)
    n = len(DATA)
    kw = {"dtype": case.dtype, "case": case.id}
    expected_params = [expected.params[p] for p in PARAM_NAMES]
    expected_predictions = predictions(ref, expected.params)
    at_logged = expected.steps[n - 1 :: n * LOG_EVERY]  # the parameters after each logged epoch
    logged = {p: at_logged[:, i] for i, p in enumerate(PARAM_NAMES)}
    return [
        compare(
            "loss_log",
            got.losses,
            expected.losses,
            labels=EPOCH_LABELS,
            magnitude=logged_loss_magnitude(logged, amp[n - 1 :: n * LOG_EVERY], case.dtype),
            **kw,
        ),
        compare(
            "final_params",
            [got.params[p] for p in PARAM_NAMES],
            expected_params,
            labels=PARAM_NAMES,
            magnitude=value_scale(expected_params) * amp[-1],
            **kw,
        ),
        compare(
            "predictions",
            predictions(case, got.params),
            expected_predictions,
            labels=tuple(PREDICTION_CASES),
            magnitude=prediction_magnitude(expected.params, PREDICT, amp[-1], case.dtype),
            **kw,
        ),
        compare(
            "trajectory",
            got.steps,
            expected.steps,
            labels=step_labels(len(expected.steps)),
            magnitude=value_scale(expected.steps) * amp[:, None],
            **kw,
        ),
    ]


def assert_training_agrees(case: Case, params: Params) -> None:
    """training_checks, asserted; a trajectory that leaves the reference adds the locator's
    sentence (where it first diverged, and the likely cause), as compare shows it."""
    __tracebackhide__ = True
    found = training_checks(case, params)
    trajectory = next((c for c in found if c.quantity == "trajectory"), None)
    divergence = None
    if trajectory is not None and not trajectory.passed and trajectory.outcome != "error":
        divergence = first_divergence(trajectory, params, case.dtype)
    assert_agree(*found, why=[describe_divergence(divergence)] if divergence else [])
