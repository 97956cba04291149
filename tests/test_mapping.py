"""Family d: the article's names onto each framework's layout and back."""

import numpy as np
import pytest

from nn_crosscheck.reference import PARAM_NAMES

# Non-symmetric on purpose: a transposed hidden layer (w2 <-> w3) or swapped output weights
# (w5 <-> w6) changes every value read back.
ASYMMETRIC = dict(w1=0.5, w2=-1.25, w3=2.0, w4=-0.75, w5=1.5, w6=-2.5, b1=0.25, b2=-0.125, b3=3.0)


def _at(native, path):
    """Follow a port's LAYOUT path: names are attributes or keys, integers are indices."""
    for step in path:
        if isinstance(step, int):
            native = native[step]
        elif isinstance(native, dict):
            native = native[step]
        else:
            native = getattr(native, step)
    return native


def _declared(case, name):
    value = getattr(case.port, name, None)
    if value is None:
        pytest.skip(f"{case.framework} declares no {name}")
    return value


def test_round_trip(case):
    _declared(case, "to_native")
    native = case.port.to_native(ASYMMETRIC, dtype=case.dtype, device=case.device)
    expected = {p: float(np.array(v, dtype=case.dtype)) for p, v in ASYMMETRIC.items()}
    assert case.port.from_native(native) == expected


@pytest.mark.parametrize("name", PARAM_NAMES)
def test_native_layout(case, name):
    layout = _declared(case, "LAYOUT")
    native = case.port.to_native(ASYMMETRIC, dtype=case.dtype, device=case.device)
    value = _at(native, layout[name])
    value = getattr(value, "detach", lambda: value)()  # torch: a leaf that requires grad
    assert float(value) == ASYMMETRIC[name], (
        f"{case.id}: {name} should hold {ASYMMETRIC[name]}, holds {value}"
    )
    if type(value) is float:  # a Python float (the scalar port) is a float64
        dtype = "float64"
    else:  # NumPy's and TensorFlow's dtypes have a name; torch's print as "torch.float64"
        dtype = getattr(value.dtype, "name", str(value.dtype).removeprefix("torch."))
    assert dtype == case.dtype, f"{case.id}: {name} is {dtype}, asked {case.dtype}"


def test_native_arrays_live_on_the_device(case):
    native_devices = _declared(case, "native_devices")
    native = case.port.to_native(ASYMMETRIC, dtype=case.dtype, device=case.device)
    assert native_devices(native) == {case.device}
