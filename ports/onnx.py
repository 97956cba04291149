"""The article's network where it is deployed: the torch port's Net, exported to ONNX by torch's
exporter (`torch.onnx.export`, the torch.export-based one), run by ONNX Runtime on the CPU.

A port that only evaluates: forward, and no gradients or training (ONNX Runtime runs a trained
network), so compare judges its forward pass from the initial weights and from the weights the
reference trained (trained_forward). Each dtype's graph is exported once, from a Net of that
dtype; a call writes its nine parameters into the graph's four weight initializers (LAYOUT: the
names torch gives Net's parameters), as loading a trained network's weights into a deployed
graph does, and runs it. `to_native` returns those initializers read back from the serialized
graph, so the mapping test reads the nine numbers where ONNX Runtime finds them.
"""

import functools
import logging
import warnings

import numpy as np
import onnx
import onnxruntime
import torch
from onnx import numpy_helper

from nn_crosscheck.reference import PARAM_NAMES, Params

from . import torch as torch_port
from .protocol import PortError

NAME = "onnx"
MODES = ("ort",)  # ONNX Runtime's CPU execution provider
DEVICES = ("cpu",)
LABEL = "ONNX Runtime"
OPSET = 18
PROVIDER = "CPUExecutionProvider"
EXPECTED_SECONDS = {"ort": 8}  # the first export of a process imports the exporter (~5 s)
STEP_CODE = {"forward": ("export", "forward", "graph_nodes()")}  # the code, then the graph it made
_DTYPES = {"float32": torch.float32, "float64": torch.float64}
# {article name: (initializer, index...)}: Net's nn.Linear weights, (out, in), and biases.
LAYOUT = {name: (f"{path[0]}.{path[1]}", *path[2:]) for name, path in torch_port.LAYOUT.items()}
WEIGHTS = tuple(dict.fromkeys(path[0] for path in LAYOUT.values()))  # the four initializers


def version() -> str:
    return f"{onnx.__version__} (onnxruntime {onnxruntime.__version__}, opset {OPSET})"


def devices() -> tuple[str, ...]:
    return ("cpu",)


def precision() -> dict:
    return {
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "opset": OPSET,
        "exporter": f"torch.onnx.export (dynamo) of torch {torch.__version__}",
        "execution_provider": PROVIDER,
    }


@functools.cache
def export(dtype: str) -> bytes:
    """The serialized ONNX graph of torch's Net in `dtype`, for inputs of shape (n, 2)."""
    net = torch_port.Net().to(dtype=_DTYPES[dtype]).eval()
    x = torch.zeros(2, 2, dtype=_DTYPES[dtype])
    exporter = logging.getLogger("torch.onnx")  # it logs the torchvision ops it cannot register
    level, exporter.level = exporter.level, logging.ERROR
    with warnings.catch_warnings():  # and warns of torch's own internals
        warnings.simplefilter("ignore")
        try:
            program = torch.onnx.export(
                net, (x,), dynamo=True, dynamic_shapes=({0: torch.export.Dim("n")},),
                opset_version=OPSET, verbose=False, optimize=True,
            )  # fmt: skip
        finally:
            exporter.setLevel(level)
    return program.model_proto.SerializeToString()


def with_weights(params: Params, dtype: str) -> onnx.ModelProto:
    """The exported graph of `dtype` with `params` in its weight initializers."""
    _check(dtype)
    model = onnx.load_from_string(export(dtype))
    values = {name: np.zeros_like(numpy_helper.to_array(_initializer(model, name))) for name in WEIGHTS}
    for article_name, (name, *index) in LAYOUT.items():
        values[name][tuple(index)] = params[article_name]  # rounded once, to the dtype
    for name, value in values.items():
        _initializer(model, name).CopyFrom(numpy_helper.from_array(value, name))
    return model


def _initializer(model: onnx.ModelProto, name: str) -> onnx.TensorProto:
    found = [t for t in model.graph.initializer if t.name == name]
    if len(found) != 1:
        raise PortError(f"onnx: the exported graph has {len(found)} initializers named {name!r}, not one")
    return found[0]


def _check(dtype: str, device: str = "cpu", mode: str = "ort") -> None:
    if dtype not in _DTYPES:
        raise PortError(f"onnx: unknown dtype {dtype!r}")
    if device != "cpu":
        raise PortError(f"onnx: runs on the cpu (its {PROVIDER}), not {device!r}")
    if mode not in MODES:
        raise PortError(f"onnx: unknown mode {mode!r}; valid: {', '.join(MODES)}")


def to_native(params: Params, *, dtype: str = "float64", device: str = "cpu") -> dict[str, np.ndarray]:
    """{initializer name: array}: the weights as the serialized graph holds them (read back from
    its protobuf, which ONNX Runtime is given)."""
    _check(dtype, device)
    model = onnx.load_from_string(with_weights(params, dtype).SerializeToString())
    return {name: numpy_helper.to_array(_initializer(model, name)) for name in WEIGHTS}


def from_native(native: dict[str, np.ndarray]) -> Params:
    return {p: float(native[LAYOUT[p][0]][LAYOUT[p][1:]]) for p in PARAM_NAMES}


def forward(params: Params, X, *, dtype="float64", device="cpu", mode="ort") -> np.ndarray:
    """X: (n, 2) inputs -> (n,) outputs o1, computed by ONNX Runtime."""
    _check(dtype, device, mode)
    session = onnxruntime.InferenceSession(
        with_weights(params, dtype).SerializeToString(), providers=[PROVIDER]
    )
    (name,) = [i.name for i in session.get_inputs()]
    (o1,) = session.run(None, {name: np.asarray(X, dtype=dtype).reshape(-1, 2)})
    return o1.astype(np.float64)


def graph_nodes(dtype: str = "float64") -> list[str]:
    """The exported graph, one line a node: `Gemm(x, hidden.weight, hidden.bias) -> ...`."""
    model = onnx.load_from_string(export(dtype))
    return [f"{n.op_type}({', '.join(n.input)}) -> {', '.join(n.output)}" for n in model.graph.node]
