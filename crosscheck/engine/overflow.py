"""Initial weights past what the comparison can judge: where the reference's own arithmetic (or
the bound on its rounding) overflows, there is no finite truth to compare a port against, and
an infinite budget would pass anything."""

import numpy as np

from nn_crosscheck.reference import DATA, EMILY, FRANK, PARAM_NAMES, Params
from nn_crosscheck.reference.article import NAMES

from .magnitudes import gradient_magnitudes, intermediates

INPUTS = dict(zip(NAMES, DATA)) | {"Emily": EMILY, "Frank": FRANK}
LARGEST_INPUT = float(np.abs(np.array(list(INPUTS.values()))).max())


def first_overflow(params: Params, dtype: str) -> str | None:
    """Where the reference overflows `dtype` from these weights, as a phrase ("the forward pass
    at Bob"), or None when every value and rounding bound is finite."""
    typed = {p: np.array(v, dtype=dtype) for p, v in params.items()}
    with np.errstate(all="ignore"):  # the overflow is what is being looked for
        for who, x in INPUTS.items():
            names = ("h1", "h1'", "h2", "h2'", "o1", "o1'")
            for name, rounded in zip(names, intermediates(typed, x[0], x[1], dtype)):
                if not np.isfinite(rounded.value) or not np.isfinite(rounded.magnitude):
                    return f"the forward pass at {who} ({name})"
        for who, x in zip(NAMES, DATA):
            partials = gradient_magnitudes(typed, x, 1.0, dtype)
            bad = [p for p in PARAM_NAMES if not np.isfinite(partials[p])]
            if bad:
                return f"the rounding bound of dL/d{bad[0]} at {who}"
    return None


def describe(where: str, dtype: str) -> str:
    """Why such weights are refused, with the bound they must keep."""
    return (
        f"the reference's arithmetic overflows {dtype} in {where}: with no finite result there "
        f"is nothing to compare against; keep each weight times an input (|x| up to "
        f"{LARGEST_INPUT:g}), and their sum, below {np.finfo(dtype).max:.3g}"
    )
