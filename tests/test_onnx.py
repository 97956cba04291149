"""The ONNX port (ports/onnx.py): the exported graph is the article's network, its preflight says
what ran it, and a wrong export fails compare naming the quantity and the element.

Skipped, with the reason, where onnx, onnxruntime or the exporter's onnxscript is not installed
(the `onnx` extra)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.reference import PARAM_NAMES

ROOT = Path(__file__).resolve().parent.parent
WRONG_EXPORT = ROOT / "tests" / "wrong_export_port.py"
ASYMMETRIC = dict(w1=0.5, w2=-1.25, w3=2.0, w4=-0.75, w5=1.5, w6=-2.5, b1=0.25, b2=-0.125, b3=3.0)


@pytest.fixture(scope="module")
def onnx_port():
    error = ports.availability().get("onnx")
    if error:
        pytest.skip(error)
    return ports.load("onnx").module


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_exported_graph_is_the_network(onnx_port, dtype):
    """Two Gemm + Sigmoid layers, the output squeezed; its float initializers are the four weight
    tensors, holding the nine parameters where LAYOUT (the mapping test's) says."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load_from_string(onnx_port.with_weights(ASYMMETRIC, dtype).SerializeToString())
    onnx.checker.check_model(model)
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Sigmoid", "Gemm", "Sigmoid", "Squeeze"]
    floats = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer if t.data_type in (1, 11)}
    assert sorted(floats) == sorted(onnx_port.WEIGHTS)
    assert sum(a.size for a in floats.values()) == len(PARAM_NAMES)
    assert {a.dtype.name for a in floats.values()} == {dtype}
    for name, (tensor, *index) in onnx_port.LAYOUT.items():
        assert floats[tensor][tuple(index)] == np.array(ASYMMETRIC[name], dtype=dtype), name
    gemms = [n for n in model.graph.node if n.op_type == "Gemm"]
    assert [n.input[1:] for n in gemms] == [
        ["hidden.weight", "hidden.bias"],
        ["output.weight", "output.bias"],
    ]
    assert all({a.name: a.i for a in n.attribute}.get("transB") == 1 for n in gemms)  # (out, in), as torch's


def test_the_preflight_names_onnx_the_runtime_and_the_opset(onnx_port):
    from nn_crosscheck.engine.precision import preflight

    settings = preflight(("onnx",))["onnx"]["settings"]
    import onnx
    import onnxruntime

    assert settings["onnx"] == onnx.__version__ and settings["onnxruntime"] == onnxruntime.__version__
    assert settings["opset"] == onnx_port.OPSET == {o.domain: o.version for o in
        onnx.load_from_string(onnx_port.export("float64")).opset_import}[""]  # fmt: skip


def test_a_wrong_export_fails_compare_naming_the_quantity_and_the_element(onnx_port, capsys, tmp_path):
    """hidden.weight transposed in the graph (w2 <-> w3): forward fails at a person, and the
    network the reference trained too."""
    path = tmp_path / "r.json"
    code = main(["compare", "--port", str(WRONG_EXPORT), "--frameworks", "wrongexport", "--quiet",
                 "--json", str(path)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1, out
    for dtype in ("float32", "float64"):
        for quantity in ("forward", "trained_forward"):
            person = "(Alice|Bob|Charlie|Diana|Emily|Frank)"
            named = rf"(^|\s){quantity} \[{person}\] wrongexport-cpu-{dtype}: got"
            assert re.search(named, out, re.M), out
    failed = {(c["dtype"], c["quantity"]) for c in json.loads(path.read_text())["checks"] if not c["passed"]}
    assert failed == {(d, q) for d in ("float32", "float64") for q in ("forward", "trained_forward")}


def test_the_onnx_port_passes_from_the_initial_and_the_trained_weights(onnx_port, capsys):
    code = main(["compare", "--frameworks", "onnx", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    for dtype in ("float32", "float64"):
        assert f"onnx-cpu-{dtype}" in out
    assert out.count("not provided by the port (no train)") == 2
    assert "initial weights: shared" in out
