"""Hypothesis strategies shared by the test families."""

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from nn_crosscheck.reference import PARAM_NAMES

finite = st.floats(min_value=-3, max_value=3, allow_nan=False, width=64)


@st.composite
def weights(draw, elements=finite):
    """Nine parameters, non-symmetric (w2 != w3, w5 != w6) so a swapped layout cannot hide."""
    params = {name: draw(elements) for name in PARAM_NAMES}
    assume(params["w2"] != params["w3"] and params["w5"] != params["w6"])
    return params


def inputs(max_rows=6, bound=30.0):
    """(n, 2) inputs, as the article's shifted (weight, height) pairs could be."""
    row = st.tuples(*[st.floats(-bound, bound, allow_nan=False, width=64)] * 2)
    return st.lists(row, min_size=1, max_size=max_rows).map(lambda rows: np.array(rows))


def cancel_at(params: dict, x, layer: str, big: float, target: float) -> dict:
    """`params` changed so that at input x the two weighted terms of one sum are about +-`big`
    and cancel, leaving `target`: layer "h1" (w1 x1 + w2 x2 + b1), "h2" (w3, w4, b2) or "o1"
    (w5 h1 + w6 h2 + b3, at the hidden values these parameters give)."""
    from nn_crosscheck.reference import sigmoid

    p = dict(params)
    if layer == "o1":
        a = sigmoid(p["w1"] * x[0] + p["w2"] * x[1] + p["b1"])
        b = sigmoid(p["w3"] * x[0] + p["w4"] * x[1] + p["b2"])
        first, second, bias = "w5", "w6", "b3"
    else:
        a, b = x
        first, second, bias = ("w1", "w2", "b1") if layer == "h1" else ("w3", "w4", "b2")
    if min(abs(a), abs(b)) < 1e-3:
        return p  # an input too small to cancel against
    p[first] = big / a
    p[second] = (target - p[bias] - big) / b
    return p


@st.composite
def cancelling(draw, inputs: dict):
    """Weights whose terms cancel at one input of `inputs` ({name: (x1, x2)}): a layer's two
    weighted terms drawn large (1 to ~1e6) and opposite, leaving a sum of order 1, the rest
    drawn as usual. Returns (params, name)."""
    person = draw(st.sampled_from(list(inputs)))
    x = inputs[person]
    layer = draw(st.sampled_from(["h1", "h2", "o1"]))
    big = draw(st.floats(1, 4)) ** 10 * draw(st.sampled_from([-1, 1]))  # 1 to ~1e6
    target = draw(st.floats(-4, 4, allow_nan=False))
    return cancel_at(draw(weights()), x, layer, big, target), person
