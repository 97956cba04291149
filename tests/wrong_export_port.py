"""A test fixture: the ONNX port with one weight transposed in the graph, as a wrong export would
have it (hidden.weight written (in, out) where torch's Gemm reads (out, in): w2 and w3 trade
places). Everything else is ports/onnx.py's."""

import numpy as np
import onnx
from onnx import numpy_helper

from nn_crosscheck.ports import onnx as onnx_port

NAME = "wrongexport"
MODES, DEVICES, DTYPES = onnx_port.MODES, onnx_port.DEVICES, ("float32", "float64")


def with_weights(params, dtype):
    model = onnx_port.with_weights(params, dtype)
    (hidden,) = [t for t in model.graph.initializer if t.name == "hidden.weight"]
    hidden.CopyFrom(
        numpy_helper.from_array(np.ascontiguousarray(numpy_helper.to_array(hidden).T), hidden.name)
    )
    return model


def forward(params, X, *, dtype, device, mode):
    import onnxruntime

    session = onnxruntime.InferenceSession(with_weights(params, dtype).SerializeToString(),
                                           providers=[onnx_port.PROVIDER])  # fmt: skip
    (name,) = [i.name for i in session.get_inputs()]
    return session.run(None, {name: np.asarray(X, dtype=dtype)})[0]


assert onnx.__version__  # the fixture needs what the port needs
