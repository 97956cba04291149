"""Error magnitudes: how much rounding each value the reference computes can carry.

A port and the reference compute the same expressions with different roundings (another
summation order, a fused multiply-add, another exact formula of the sigmoid or of its slope).
What they may differ by is bounded by a running error analysis of the reference's own
arithmetic: for every computed value v, its *magnitude* M(v) is the same expression with every
term taken in absolute value, the errors its inputs carry propagated to it, so that
|fl(v) - v| <= c * eps * M(v) for a small constant c (crosscheck/engine/tolerances.py). Where
nothing cancels M(v) is about |v|; where large terms cancel (w1 x1 = 600, w2 x2 = -600.3) M(v)
keeps their size, as their rounding does.

The rules (each rounding of a sum or product is at most eps times the sum of the absolute
terms; the constants of each rule are folded into c). r = c eps (tolerances.residue) is the
largest error a value carries per unit of its magnitude: where two factors are both rounding
residue (a neuron saturated at its target: y_true - y_pred and f'(sum_o1) both ~eps), their
product's error is r M(a) M(b), a second-order term no first-order rule sees.

    sum      s = w_a a + w_b b + c   M(s)  = |w_a| M(a) + |w_b| M(b) + |w_a a| + |w_b b| + |c| + U
    sigmoid  h = f(s)                M(h)  = f'(max(|s| - r M(s), 0)) M(s) + |h| + |1 - 2h| / 2 + U
    slope    f'(s)                   M(f') = |1 - 2h| M(h) + r M(h)^2 + f'(s)
    error    d = y_true - y_pred     M(d)  = M(y_pred) + |d|
    square   L = d^2                 M(L)  = 2 |d| M(d) + r M(d)^2 + L + U
    product  P = g_1 g_2 ... g_k     M(P)  = (prod (|g_i| + r M(g_i)) - prod |g_i|) / r
                                             + k (prod (|g_i| + r M(g_i)) + U prod max(1, |g_i|))

The sigmoid and its slope cover every exact formula (docs/budgets.md, "The contract"):
- Propagated: f' is largest where |s| is least, so the input's error moves f by at most
  f'(max(|s| - r M(s), 0)) M(s) (f' at the nearest point the error can reach: 1/4 once 0 is).
- Evaluated: 1 / (1 + e^-x), e^x / (1 + e^x), the two-branch form and the frameworks' own
  are accurate relative to f; 0.5 (1 + tanh(x/2)) and 0.5 tanh(x/2) + 0.5 round tanh(x/2), of
  size |1 - 2f|, and so are accurate only to eps |1 - 2f| / 2 absolutely: where f is tiny
  (s << 0) 1 + tanh cancels. The tanh forms are the worst where f -> 0, every form alike where
  f -> 1 (f = 1 - tiny is rounded relative to 1): |h| + |1 - 2h| / 2 covers both. Its price:
  |h| + |1 - 2h| / 2 >= 1/2 for every h, so every sigmoid's budget has an absolute floor of
  c eps / 2, and a value near 0 is judged to that, not relative to itself.
- The slope: from f as f (1 - f), its error is |1 - 2h| dh + dh^2; 0.25 (1 - tanh^2(x/2))
  rounds tanh^2 = (1 - 2h)^2, within |1 - 2h| M(h) since M(h) >= |1 - 2h| / 2; e^-x / (1 +
  e^-x)^2 and autograd of the relative forms are relative to f'.

Weights and inputs are exact: both sides round them to the dtype the same way.
U = tiny / eps is underflow, an absolute error of up to the dtype's smallest normal number
`tiny`: where e^-s overflows the article's 1 / (1 + e^-s) is 0 while a port may return a
subnormal number; XLA on the CPU flushes subnormal results to zero where NumPy keeps them; and a
product of tiny factors underflows in an order-dependent way, an error then carried through the
factors multiplied in after it (|dL/dy_pred| <= 2, |w5|, |w6|, |x|).

Everything here takes numbers or arrays that broadcast (N networks' parameters as (N, 1)
arrays against n inputs), like the reference itself.
"""

from dataclasses import dataclass
from math import prod

import numpy as np

from nn_crosscheck.reference import ALL_Y_TRUES, DATA, PARAM_NAMES, deriv_sigmoid, sigmoid

from .tolerances import residue, value_scale


@dataclass(frozen=True)
class Rounded:
    """A value and its error magnitude."""

    value: np.ndarray
    magnitude: np.ndarray


def exact(value) -> Rounded:
    return Rounded(value, np.zeros_like(np.asarray(value, dtype=np.float64)))


def underflow(dtype: str) -> float:
    """The magnitude of an underflowed sigmoid: tiny / eps of `dtype`."""
    info = np.finfo(dtype)
    return float(info.tiny / info.eps)


def neuron(pairs, bias, dtype: str) -> tuple[Rounded, Rounded]:
    """h = f(w_a a + w_b b + bias) for exact weights and inputs a, b that may carry error;
    returns h and f'(s), each with its magnitude (the rules above, every exact formula)."""
    floor, r = underflow(dtype), residue(dtype)
    s = bias + sum(w * a.value for w, a in pairs)
    m_s = np.abs(bias) + sum(np.abs(w * a.value) + np.abs(w) * a.magnitude for w, a in pairs) + floor
    h = sigmoid(s)
    fprime = h * (1 - h)
    nearest = np.maximum(np.abs(np.asarray(s, dtype=np.float64)) - r * m_s, 0)
    m_h = deriv_sigmoid(nearest) * m_s + np.abs(h) + np.abs(1 - 2 * h) / 2 + floor
    return Rounded(h, m_h), Rounded(fprime, np.abs(1 - 2 * h) * m_h + r * m_h**2 + fprime)


def product(*factors: Rounded, dtype: str) -> Rounded:
    """The error of a product of factors that each carry error: prod (|g_i| + r M_i) - prod |g_i|
    (every order, so a product of two residues is seen), summed as a telescoping series of
    non-negative terms so that nothing cancels; plus one rounding a factor of the largest the
    product can be. An intermediate product that underflows is carried through the factors
    multiplied in after it, at most the product of the factors above 1."""
    floor, r = underflow(dtype), residue(dtype)
    sizes = [np.abs(f.value) for f in factors]
    reach = [a + r * f.magnitude for a, f in zip(sizes, factors)]
    # prod(reach) - prod(sizes) = sum_i M_i prod_{j<i} reach_j prod_{j>i} sizes_j (times r)
    propagated = sum(f.magnitude * prod(reach[:i]) * prod(sizes[i + 1 :]) for i, f in enumerate(factors))
    carried = floor * prod(np.maximum(1.0, a) for a in sizes)
    value = prod(f.value for f in factors)
    return Rounded(value, propagated + len(factors) * (prod(reach) + carried))


def intermediates(params, x0, x1, dtype: str):
    """The forward pass of `reference.partials`, value and magnitude of every intermediate."""
    p = params
    h1, d_h1 = neuron([(p["w1"], exact(x0)), (p["w2"], exact(x1))], p["b1"], dtype)
    h2, d_h2 = neuron([(p["w3"], exact(x0)), (p["w4"], exact(x1))], p["b2"], dtype)
    y, d_o1 = neuron([(p["w5"], h1), (p["w6"], h2)], p["b3"], dtype)
    return h1, d_h1, h2, d_h2, y, d_o1


def forward_magnitude(params, X, dtype: str) -> np.ndarray:
    """M(o1) for each row of X: (n, 2); with (N, 1) parameter arrays, (N, n)."""
    X = np.asarray(X, dtype=np.float64)
    return intermediates(params, X[:, 0], X[:, 1], dtype)[4].magnitude


def loss_magnitude(params, x, y_true, dtype: str) -> Rounded:
    """The single-sample loss (y_true - y_pred)^2 and its magnitude."""
    y = intermediates(params, x[0], x[1], dtype)[4]
    d = y_true - y.value
    m_d = y.magnitude + np.abs(d)  # M(d) = M(y_pred) + |d|
    return Rounded(d * d, 2 * np.abs(d) * m_d + residue(dtype) * m_d**2 + d * d + underflow(dtype))


def mean_loss_magnitude(params, data, all_y_trues, dtype: str) -> np.ndarray:
    """M of the MSE over the samples (the training's logged loss): the mean of each sample's
    magnitude plus the rounding of the sum."""
    losses = [loss_magnitude(params, x, y, dtype) for x, y in zip(np.asarray(data), all_y_trues)]
    return sum(m.magnitude for m in losses) / len(losses) + np.abs(sum(m.value for m in losses) / len(losses))


def _chains(params, x, dtype: str):
    """The network's intermediates at x, and for each parameter the factors of dy_pred/dp."""
    h1, d_h1, h2, d_h2, y, d_o1 = intermediates(params, x[0], x[1], dtype)
    w5, w6, x0, x1 = (exact(v) for v in (params["w5"], params["w6"], x[0], x[1]))
    chains = {
        "w1": (w5, d_o1, x0, d_h1),  # w5 f'(sum_o1) x1 f'(sum_h1)
        "w2": (w5, d_o1, x1, d_h1),
        "w3": (w6, d_o1, x0, d_h2),
        "w4": (w6, d_o1, x1, d_h2),
        "w5": (h1, d_o1),  # h1 f'(sum_o1)
        "w6": (h2, d_o1),
        "b1": (w5, d_o1, d_h1),
        "b2": (w6, d_o1, d_h2),
        "b3": (d_o1,),
    }
    return y, chains


def gradient_magnitudes(params, x, y_true, dtype: str) -> dict[str, np.ndarray]:
    """M of each of the nine partials, factor by factor as `reference.partials` forms them:
    dL/dy_pred times dy_pred/dp."""
    y, chains = _chains(params, x, dtype)
    d = y_true - y.value
    d_L_d_ypred = Rounded(-2 * d, 2 * (y.magnitude + np.abs(d)))  # -2 (y_true - y_pred)
    return {name: product(d_L_d_ypred, *chains[name], dtype=dtype).magnitude for name in PARAM_NAMES}


def output_sensitivities(params, X) -> dict[str, np.ndarray]:
    """|dy_pred/dp| for each parameter at each row of X: (n, 2) -> (n,), or (N, n) with (N, 1)
    parameter arrays."""
    X = np.asarray(X, dtype=np.float64)
    _, chains = _chains(params, (X[:, 0], X[:, 1]), "float64")
    return {name: np.abs(prod(f.value for f in chains[name])) for name in PARAM_NAMES}


def mean_loss_sensitivities(params, data, all_y_trues) -> dict[str, np.ndarray]:
    """The mean over the samples of |dL_i/dp| = 2 |y_true - y_pred| |dy_pred/dp|: at least the
    MSE's |dL/dp|."""
    data = np.asarray(data, dtype=np.float64)
    total = dict.fromkeys(PARAM_NAMES, 0.0)
    for x, y_true in zip(data, all_y_trues):
        y, chains = _chains(params, x, "float64")
        for name in PARAM_NAMES:
            total[name] = total[name] + 2 * np.abs(y_true - y.value) * np.abs(
                prod(f.value for f in chains[name])
            )
    return {name: value / len(data) for name, value in total.items()}


def carried(sensitivities: dict, params, amplification) -> np.ndarray:
    """sum_p |dq/dp| (|p| + scale) amplification: how far a quantity evaluated on trained
    parameters moves when each parameter is off by the magnitude of its trajectory budget
    (tolerances.py). params: the nine values (numbers or arrays) under their names."""
    values = np.stack([np.asarray(params[p], dtype=np.float64) for p in PARAM_NAMES], -1)
    scale = value_scale(values, axis=-1)
    terms = np.stack([np.asarray(sensitivities[p]) for p in PARAM_NAMES], -1)
    return np.sum(terms * scale, axis=-1) * amplification


def logged_loss_magnitude(params, amplification, dtype: str) -> np.ndarray:
    """A logged MSE's magnitude during training: its own evaluation's rounding, plus how far the
    parameters' trajectory budget carries it. params: the nine values after that epoch."""
    sensitivities = mean_loss_sensitivities(params, DATA, ALL_Y_TRUES)
    return mean_loss_magnitude(params, DATA, ALL_Y_TRUES, dtype) + carried(
        sensitivities, params, amplification
    )


def prediction_magnitude(params, X, amplification, dtype: str) -> np.ndarray:
    """A prediction's magnitude after training: the forward pass's rounding, plus how far the
    parameters' trajectory budget carries it. With (N, 1) parameter arrays, (N, n)."""
    return forward_magnitude(params, X, dtype) + carried(
        output_sensitivities(params, X), params, amplification
    )
