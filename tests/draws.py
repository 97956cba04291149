"""Seeded draws of initial weights aimed at the weak spots, for the tests judged against exact
arithmetic (tests/test_exact.py): random, large, cancelling and saturating, a quarter each."""

import numpy as np

from nn_crosscheck.engine import checks
from nn_crosscheck.engine.overflow import INPUTS
from nn_crosscheck.reference import PARAM_NAMES

from strategies import cancel_at

X = np.array(list(INPUTS.values()), dtype=np.float64)  # the four people, Emily and Frank
KINDS = ("random", "large", "cancelling", "saturating")
BIASES = ("b1", "b2", "b3")


def _draw(rng, kind: str) -> tuple[dict, str]:
    params = dict(zip(PARAM_NAMES, rng.uniform(-3, 3, len(PARAM_NAMES)).tolist()))
    if kind == "large":
        params = dict(zip(PARAM_NAMES, rng.uniform(-12, 12, len(PARAM_NAMES)).tolist()))
    elif kind == "cancelling":
        who = str(rng.choice(list(INPUTS)))
        big = float(rng.uniform(1, 4) ** 10 * rng.choice([-1, 1]))
        layer = str(rng.choice(["h1", "h2", "o1"]))
        params = cancel_at(params, INPUTS[who], layer, big, float(rng.uniform(-4, 4)))
        return params, f"cancelling at {who} ({layer}, {big:.3g})"
    elif kind == "saturating":  # one neuron's bias near or past where the dtype rounds f to 1 or 0
        bias = str(rng.choice(BIASES))
        params = {p: v / 10 for p, v in params.items()} | {
            bias: float(rng.uniform(10, 50) * rng.choice([-1, 1]))
        }
        return params, f"saturating ({bias} = {params[bias]:.4g})"
    return params, kind


def draws(n: int, seed: int) -> list[tuple[str, dict, tuple]]:
    """n draws: (description, params, (x, y_true) of a person), the kinds in turn."""
    rng = np.random.default_rng(seed)
    people = list(checks.PEOPLE.items())
    found = []
    for i in range(n):
        params, what = _draw(rng, KINDS[i % len(KINDS)])
        who, person = people[int(rng.integers(len(people)))]
        found.append((f"draw {i} {what} at {who}", params, person))
    return found


def overflows(table: dict, mode: str, params, X, dtype: str) -> bool:
    """Whether a zoo member's exponentials overflow `dtype` at any input row of X: (n, 2). `table`
    is its port's OVERFLOWS, {formula: "+" or "-"}: the side of the pre-activation sums where the
    formula overflows (beyond +-log(max)); `mode` names its formulas, joined by "-"."""
    sides = {table[part] for part in mode.split("-") if part in table}
    if not sides:
        return False
    p = {name: float(params[name]) for name in PARAM_NAMES}
    X = np.asarray(X, dtype=np.float64)
    s1 = p["w1"] * X[:, 0] + p["w2"] * X[:, 1] + p["b1"]
    s2 = p["w3"] * X[:, 0] + p["w4"] * X[:, 1] + p["b2"]
    with np.errstate(over="ignore"):
        so = p["w5"] / (1 + np.exp(-s1)) + p["w6"] / (1 + np.exp(-s2)) + p["b3"]
    sums, limit = np.concatenate([s1, s2, so]), np.log(np.finfo(dtype).max)
    return bool(("+" in sides and np.any(sums > limit)) or ("-" in sides and np.any(sums < -limit)))
