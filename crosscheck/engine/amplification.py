"""How far the reference's own training carries a one-ulp nudge of its initial weights: the
amplification the training budgets are multiplied by (tolerances.py, NUDGE_DIRECTIONS says why
three directions). One implementation, for one network (compare, every step) and for N at once
(sweep, where it compares)."""

from functools import lru_cache

import numpy as np

from reference import ALL_Y_TRUES, DATA, PARAM_NAMES, OurNeuralNetwork, Params

from .tolerances import NUDGE_DIRECTIONS, amplification_ratio


def nudged(params: dict, dtype: str, signs) -> dict:
    """Each parameter (a number or an array) moved by one unit in the last place of `dtype`."""
    t = np.dtype(dtype).type
    return {
        p: np.nextafter(np.asarray(v, dtype=dtype), t(s * np.inf)) for (p, v), s in zip(params.items(), signs)
    }


class NudgedRun:
    """N networks ((N,) arrays of the nine parameters) and a one-ulp-nudged copy of each along
    every NUDGE_DIRECTION, trained as one batch by the reference. `track()` records, per network,
    the largest drift of a copy so far, in units of the training tolerance's eps (|p| + scale),
    at least 1."""

    def __init__(self, params: dict, dtype: str):
        self.n, self.dtype = len(params[PARAM_NAMES[0]]), dtype
        copies = [params, *(nudged(params, dtype, signs) for signs in NUDGE_DIRECTIONS)]
        batch = {p: np.concatenate([np.asarray(c[p], dtype=dtype) for c in copies]) for p in PARAM_NAMES}
        self.net = OurNeuralNetwork(batch, dtype=dtype)
        self.worst = np.ones(self.n)
        self.history: list[np.ndarray] = []

    def values(self) -> np.ndarray:
        """(1 + k, N, 9): the networks, then each direction's copies, in PARAM_NAMES order."""
        return np.stack([getattr(self.net, p) for p in PARAM_NAMES], -1).reshape(-1, self.n, len(PARAM_NAMES))

    def track(self) -> np.ndarray:
        """Record the drift so far; returns the networks' parameters now, (N, 9)."""
        values = self.values()
        for other in values[1:]:
            np.maximum(self.worst, amplification_ratio(values[0], other, self.dtype), out=self.worst)
        self.history.append(self.worst.copy())
        return values[0]

    def train(self, on_step) -> np.ndarray:
        """The article's 1000 epochs; returns the networks' logged losses, (N, 100)."""
        losses = self.net.train(DATA, ALL_Y_TRUES, on_step=on_step)
        return np.stack(losses, -1)[: self.n]


@lru_cache(maxsize=64)
def _every_step(dtype: str, params: tuple) -> np.ndarray:
    run = NudgedRun({p: np.array([v]) for p, v in params}, dtype)
    run.train(on_step=lambda net: run.track())
    return np.array(run.history)[:, 0]


def amplification(dtype: str, params: Params) -> np.ndarray:
    """(steps,) the amplification of one network after each step of its training."""
    return _every_step(dtype, tuple((p, float(params[p])) for p in PARAM_NAMES))
