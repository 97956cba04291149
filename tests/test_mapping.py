"""Family d: the article's names onto each framework's layout and back."""

import numpy as np
import pytest

from reference import PARAM_NAMES

# Non-symmetric on purpose: a transposed hidden layer (w2 <-> w3) or swapped output weights
# (w5 <-> w6) changes every value read back.
ASYMMETRIC = dict(w1=0.5, w2=-1.25, w3=2.0, w4=-0.75, w5=1.5, w6=-2.5, b1=0.25, b2=-0.125, b3=3.0)

# Where each article parameter must sit in the framework's own structures.
LAYOUT = {
    "numpy": lambda net: {p: getattr(net, p) for p in PARAM_NAMES},
    "torch": lambda net: {
        "w1": net.hidden.weight[0, 0], "w2": net.hidden.weight[0, 1],
        "w3": net.hidden.weight[1, 0], "w4": net.hidden.weight[1, 1],
        "w5": net.output.weight[0, 0], "w6": net.output.weight[0, 1],
        "b1": net.hidden.bias[0], "b2": net.hidden.bias[1], "b3": net.output.bias[0],
    },
    "jax": lambda p: {
        "w1": p["hidden"]["w"][0, 0], "w2": p["hidden"]["w"][0, 1],
        "w3": p["hidden"]["w"][1, 0], "w4": p["hidden"]["w"][1, 1],
        "w5": p["output"]["w"][0, 0], "w6": p["output"]["w"][0, 1],
        "b1": p["hidden"]["b"][0], "b2": p["hidden"]["b"][1], "b3": p["output"]["b"][0],
    },
    # Keras' Dense layout, (inputs, outputs): transposed against nn.Linear's weight rows.
    "tensorflow": lambda net: {
        "w1": net.hidden.kernel[0, 0], "w2": net.hidden.kernel[1, 0],
        "w3": net.hidden.kernel[0, 1], "w4": net.hidden.kernel[1, 1],
        "w5": net.output.kernel[0, 0], "w6": net.output.kernel[1, 0],
        "b1": net.hidden.bias[0], "b2": net.hidden.bias[1], "b3": net.output.bias[0],
    },
    "scalar": lambda net: {p: getattr(net, p).data for p in PARAM_NAMES},
}  # fmt: skip


def _devices(framework, native):
    if framework == "torch":
        return {p.device.type for p in native.parameters()}
    if framework == "tensorflow":
        from ports.tensorflow import device_name

        return {device_name(v.device).split(":")[0] for v in native.variables}
    if framework == "jax":
        import jax

        return {
            ("cuda" if d.platform == "gpu" else d.platform)
            for leaf in jax.tree.leaves(native)
            for d in leaf.devices()
        }
    return {"cpu"}


def test_round_trip(case):
    native = case.port.to_native(ASYMMETRIC, dtype=case.dtype, device=case.device)
    expected = {p: float(np.array(v, dtype=case.dtype)) for p, v in ASYMMETRIC.items()}
    assert case.port.from_native(native) == expected


@pytest.mark.parametrize("name", PARAM_NAMES)
def test_native_layout(case, name):
    native = case.port.to_native(ASYMMETRIC, dtype=case.dtype, device=case.device)
    if case.framework == "torch":
        native = native.requires_grad_(False)
    value = LAYOUT[case.framework](native)[name]
    assert float(value) == ASYMMETRIC[name], (
        f"{case.id}: {name} should hold {ASYMMETRIC[name]}, holds {value}"
    )
    if type(value) is float:  # the scalar port: a Python float is a float64
        dtype = "float64"
    else:  # NumPy's and TensorFlow's dtypes have a name; torch's print as "torch.float64"
        dtype = getattr(value.dtype, "name", str(value.dtype).removeprefix("torch."))
    assert dtype == case.dtype, f"{case.id}: {name} is {dtype}, asked {case.dtype}"


def test_native_arrays_live_on_the_device(case):
    native = case.port.to_native(ASYMMETRIC, dtype=case.dtype, device=case.device)
    assert _devices(case.framework, native) == {case.device}
