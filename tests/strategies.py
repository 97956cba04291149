"""Hypothesis strategies shared by the test families."""

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from reference import PARAM_NAMES

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
