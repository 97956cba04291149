"""How far the reference's own training carries a one-ulp nudge of its initial weights: the
amplification the training budgets are multiplied by (tolerances.py, NUDGE_DIRECTIONS says why
three directions). One implementation, for one network (compare) and for N at once (sweep):
both record the drift after every one of the 4000 steps, so a network is judged with the same
budget by either command.

The N networks and their nudged copies train as one batch, by the reference's arithmetic
(`reference.partials` and the update of `OurNeuralNetwork.train`): the same operations on the
same operands in the same order, written with reused buffers (`out=`) instead of a temporary
array per operation, which makes it about twice as fast for large N. The results are bit for
bit the reference's (tests/test_sweep_scale.py trains both and compares with ==).
"""

from types import SimpleNamespace

import numpy as np

from nn_crosscheck.reference import ALL_Y_TRUES, DATA, PARAM_NAMES, OurNeuralNetwork, Params, mse_loss
from nn_crosscheck.reference.article import EPOCHS, LEARN_RATE, LOG_EVERY

from .tolerances import NUDGE_DIRECTIONS, residue, training_multiplier, value_scale

W1, W2, W3, W4, W5, W6, B1, B2, B3 = range(len(PARAM_NAMES))


def nudged(params: dict, dtype: str, signs) -> dict:
    """Each parameter (a number or an array) moved by one unit in the last place of `dtype`."""
    t = np.dtype(dtype).type
    return {
        p: np.nextafter(np.asarray(v, dtype=dtype), t(s * np.inf)) for (p, v), s in zip(params.items(), signs)
    }


class _Scratch:
    """The step's intermediates, one (M,) buffer each, reused every step."""

    NAMES = ("s1", "s2", "s3", "t", "h1", "h2", "y", "d", "f1", "f2", "fo", "c1", "c2")

    def __init__(self, m: int, dtype):
        for name in self.NAMES:
            setattr(self, name, np.empty(m, dtype))


def _sigmoid(s, out):
    # 1 / (1 + e^-s), as reference.sigmoid
    np.negative(s, out=out)
    np.exp(out, out=out)
    np.add(1, out, out=out)
    np.divide(1, out, out=out)


def _neuron(wa, a, wb, b, bias, s, t, h):
    # s = wa a + wb b + bias (left to right, as the reference writes it); h = f(s)
    np.multiply(wa, a, out=s)
    np.multiply(wb, b, out=t)
    np.add(s, t, out=s)
    np.add(s, bias, out=s)
    _sigmoid(s, h)


def sgd_step(P: np.ndarray, x, y_true, learn_rate, z: _Scratch, G: np.ndarray) -> None:
    """p <- p - learn_rate dL/dp for the networks in the columns of P (9, M), in place: the
    operations of `reference.partials(net, x, y_true, scale=learn_rate)` and the update, in
    their order. A product the reference forms twice (d_L_d_ypred * d_ypred_d_h1 for w1, w2
    and b1) is formed once: the same operands give the same rounded value."""
    w = P
    _neuron(w[W1], x[0], w[W2], x[1], w[B1], z.s1, z.t, z.h1)
    _neuron(w[W3], x[0], w[W4], x[1], w[B2], z.s2, z.t, z.h2)
    _neuron(w[W5], z.h1, w[W6], z.h2, w[B3], z.s3, z.t, z.y)
    np.subtract(y_true, z.y, out=z.d)  # d_L_d_ypred = scale * (-2 * (y_true - y_pred))
    np.multiply(-2, z.d, out=z.d)
    np.multiply(learn_rate, z.d, out=z.d)
    for h, f in ((z.h1, z.f1), (z.h2, z.f2), (z.y, z.fo)):  # f'(s) = h (1 - h)
        np.subtract(1, h, out=f)
        np.multiply(h, f, out=f)
    np.multiply(z.h1, z.fo, out=z.t)  # w5: d_L_d_ypred * (h1 f'(o1))
    np.multiply(z.d, z.t, out=G[W5])
    np.multiply(z.h2, z.fo, out=z.t)  # w6
    np.multiply(z.d, z.t, out=G[W6])
    np.multiply(z.d, z.fo, out=G[B3])  # b3: d_L_d_ypred * f'(o1)
    for c, w_out, f, (gw_a, gw_b, gb) in ((z.c1, W5, z.f1, (W1, W2, B1)), (z.c2, W6, z.f2, (W3, W4, B2))):
        np.multiply(w[w_out], z.fo, out=c)  # d_ypred_d_h = w_out f'(o1)
        np.multiply(z.d, c, out=c)  # d_L_d_ypred * d_ypred_d_h
        np.multiply(x[0], f, out=z.t)  # x1 f'(h)
        np.multiply(c, z.t, out=G[gw_a])
        np.multiply(x[1], f, out=z.t)  # x2 f'(h)
        np.multiply(c, z.t, out=G[gw_b])
        np.multiply(c, f, out=G[gb])
    np.subtract(P, G, out=P)


def as_network(P: np.ndarray, dtype) -> SimpleNamespace:
    """The columns of P (9, M) as the attributes the reference's methods read (views)."""
    return SimpleNamespace(dtype=np.dtype(dtype), **dict(zip(PARAM_NAMES, P)))


def feedforward(P: np.ndarray, x, dtype) -> np.ndarray:
    """The reference's own `feedforward` over the networks in the columns of P: (M,)."""
    return OurNeuralNetwork.feedforward(as_network(P, dtype), x)


class NudgedRun:
    """N networks ((N,) arrays of the nine parameters) and one-ulp-nudged copies of each along
    every NUDGE_DIRECTION, trained as one batch with the reference's arithmetic. After every
    step it records, per network, the largest drift of a copy so far, in units of the training
    tolerance's eps (|p| + scale), at least 1 (`worst`).

    Two copies a direction. The first is nudged once, at the start: training turns its
    difference toward the directions that grow most, and it measures how far that goes. The
    second is nudged afresh from the network, one ulp along its direction, whenever it has died
    back to one ulp or less in every parameter (`renew`): rounding enters at every step, not only
    at the first, and a phase of training that stretches differences must be seen even after an
    earlier one shrank the first nudge. (Seed 871405: the first nudge dies out, then steps ~100
    to ~400 stretch differences some fourteenfold; a port's rounding from step 100 grew to 10
    units while the nudge from step 0 never passed 1. Renewing alone is not enough either: a
    fresh nudge along a fixed direction grows less than one training has already turned, which
    the first copy keeps.) With renew=False there are only the first copies, each a plain
    reference run; with nudge=False no copy at all: the networks alone, `worst` staying 1 (the
    sweep's first pass, sweep/reference.py).

    Besides the stretch, every step's own rounding (`accumulate`): each update p - step is
    rounded to nearest, half an ulp each side, and two correct implementations' differences may
    keep one sign step after step (an update smaller than half an ulp is lost whole, every step,
    by one and kept by the other); where the dynamics neither stretch nor shrink them they add
    up, which no nudge at one moment measures. `accumulated` (9, N) sums, for each parameter of
    each network, one ulp of it after every update plus the step's own rounding, r |step|
    (tolerances.residue), in eps units: an absolute bound, carried through training by at most
    the stretch. `multiplier()` combines the two (tolerances.training_multiplier); with
    nudge=False the stretch stays 1 and the multiplier is the accumulation's alone.
    """

    def __init__(self, params: dict, dtype: str, renew: bool = True, nudge: bool = True):
        self.n, self.dtype = len(params[PARAM_NAMES[0]]), np.dtype(dtype)
        directions = NUDGE_DIRECTIONS * (2 if renew else 1) if nudge else ()
        self.signs = [np.array(signs, dtype=float)[:, None] for signs in directions]
        self.renewed = [renew and k >= len(NUDGE_DIRECTIONS) for k in range(len(directions))]
        copies = [params, *(nudged(params, dtype, signs) for signs in directions)]
        self.P = np.stack(
            [np.concatenate([np.asarray(c[p], dtype=dtype).reshape(-1) for c in copies]) for p in PARAM_NAMES]
        )
        self.worst = np.ones(self.n)
        self.eps = float(np.finfo(dtype).eps)
        self.accumulated = np.zeros((len(PARAM_NAMES), self.n))
        self._step_ulps = np.empty((len(PARAM_NAMES), self.n))
        self._residue = residue(dtype) / self.eps  # r |step| in eps units
        shape = (len(PARAM_NAMES), self.n)
        self._drift, self._scale = (np.empty(shape) for _ in range(2))
        self._ulp = np.empty(shape, self.dtype)
        self._within, self._shrunk = np.empty(shape, bool), np.empty(self.n, bool)
        self._largest, self._ratio = np.empty(self.n), np.empty(self.n)

    @property
    def networks(self) -> np.ndarray:
        """(9, N): the networks' parameters now (a view)."""
        return self.P[:, : self.n]

    def track(self) -> None:
        """worst = max(worst, max over parameters and copies of |a - b| / (eps (|a| + scale))),
        scale = max(1, max |a|) over the network's parameters: tolerances.amplification_ratio.
        Then each renewed copy that is back within one ulp of the network is nudged afresh."""
        if not self.signs:
            return
        a, drift, scale, ulp = self.networks, self._drift, self._scale, self._ulp
        np.abs(a, out=ulp)
        np.spacing(ulp, out=ulp)  # one ulp of each parameter, in its dtype: a fresh nudge's size
        np.abs(a, out=scale)
        np.fmax.reduce(scale, axis=0, initial=0, out=self._largest)
        np.maximum(1.0, self._largest, out=self._largest)
        np.add(scale, self._largest, out=scale)
        np.multiply(self.eps, scale, out=scale)
        for k, (signs, renewed) in enumerate(zip(self.signs, self.renewed), 1):
            copy = self.P[:, k * self.n : (k + 1) * self.n]
            np.subtract(a, copy, out=drift)
            np.abs(drift, out=drift)
            if renewed:  # back to the size of a fresh nudge: at most one ulp in every parameter
                np.less_equal(drift, ulp, out=self._within)
                shrunk = np.logical_and.reduce(self._within, axis=0, out=self._shrunk)
                if shrunk.any():
                    copy[:, shrunk] = np.nextafter(a[:, shrunk], signs * np.inf).astype(self.dtype)
            np.divide(drift, scale, out=drift)
            np.max(drift, axis=0, out=self._ratio)
            np.maximum(self.worst, self._ratio, out=self.worst)

    def accumulate(self, G: np.ndarray) -> None:
        """accumulated += |p| + (r / eps) |step| for the networks' columns (eps |p| >= one ulp
        of p): the bound on the update's own rounding, summed over the steps, in eps units."""
        a, t = self.networks, self._step_ulps
        np.abs(a, out=t)
        np.add(self.accumulated, t, out=self.accumulated)
        np.abs(G[:, : self.n], out=t)
        np.multiply(self._residue, t, out=t)
        np.add(self.accumulated, t, out=self.accumulated)

    def multiplier(self) -> np.ndarray:
        """(N,): the training budgets' multiplier now, the stretch with the accumulated per-step
        rounding (tolerances.training_multiplier)."""
        units = self.accumulated / value_scale(self.networks, axis=0)  # of eps (|p| + scale)
        return training_multiplier(self.worst, np.max(units, axis=0))

    def train(self, on_logged=None, on_step=None, epochs: int = EPOCHS) -> np.ndarray:
        """The article's epochs, tracking after every step; `on_step(self)` after each step,
        `on_logged(self)` after each logged epoch (0, 10, ...), when its loss is taken. Returns
        the networks' logged losses, (N, epochs // 10), as `OurNeuralNetwork.train` logs them."""
        data, ys = np.asarray(DATA, dtype=self.dtype), np.asarray(ALL_Y_TRUES, dtype=self.dtype)
        scratch, G = _Scratch(self.P.shape[1], self.dtype), np.empty_like(self.P)
        losses = []
        with np.errstate(over="ignore"):  # e^-s overflowing to inf is the sigmoid's limit 0
            for epoch in range(epochs):
                for x, y_true in zip(data, ys):
                    sgd_step(self.P, x, y_true, LEARN_RATE, scratch, G)
                    self.accumulate(G)
                    self.track()
                    if on_step is not None:
                        on_step(self)
                if epoch % LOG_EVERY == 0:
                    y_preds = np.array([feedforward(self.networks, x, self.dtype) for x in data])
                    losses.append(mse_loss(ys, y_preds.T))
                    if on_logged is not None:
                        on_logged(self)
        return np.stack(losses, -1)


_CACHE: dict[tuple, np.ndarray] = {}


def _key(dtype: str, params: Params) -> tuple:
    return (str(dtype), tuple((p, float(params[p])) for p in PARAM_NAMES))


def prefetch(dtype: str, many: list[Params]) -> None:
    """Measure the amplification of several networks in one batch (the recheck of a sweep);
    `amplification` then finds them. Per network the numbers are those of a run alone: every
    operation is elementwise over the networks, and the maximum over parameters exact."""
    todo = list(dict.fromkeys(k for k in (_key(dtype, p) for p in many) if k not in _CACHE))
    if not todo:
        return
    run = NudgedRun({p: np.array([dict(k[1])[p] for k in todo]) for p in PARAM_NAMES}, dtype)
    history: list[np.ndarray] = []
    run.train(on_step=lambda r: history.append(r.multiplier()))
    steps = np.array(history)
    for i, k in enumerate(todo):
        _CACHE[k] = steps[:, i].copy()
    while len(_CACHE) > 256:
        _CACHE.pop(next(iter(_CACHE)))


def adopt_amplification(dtype: str, params: Params, values: np.ndarray) -> None:
    """Take `values` (amplification's, measured in another process) as this network's."""
    _CACHE.setdefault(_key(dtype, params), values)


def amplification(dtype: str, params: Params) -> np.ndarray:
    """(steps,) the amplification of one network after each step of its training."""
    key = _key(dtype, params)
    if key not in _CACHE:
        prefetch(dtype, [params])
    return _CACHE[key]
