"""The TensorFlow.js port (ports/tfjs.py): one JavaScript file, run by Node.js and by a page in
headless Chromium, checked like every other port; a slip in its JavaScript fails compare naming
the quantity and the element; without the npm package, node or Chromium, it says which is missing.

Skipped, with the reason, where the port is unavailable (no `npm install --prefix
~/.cache/nn-crosscheck/tfjs @tensorflow/tfjs`, which `.ci/run` runs)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.engine.step_code import step_code

ROOT = Path(__file__).resolve().parent.parent
SLIP = ROOT / "tests" / "tfjs_slip_port.py"
DEPLOYED = {  # every mode and dtype of the two ports that run where the network is deployed
    "onnx-cpu-float32", "onnx-cpu-float64", "tfjs-cpu-float32-node", "tfjs-cpu-float32-chromium",
}  # fmt: skip


def _needs(*frameworks: str) -> None:
    status = ports.availability()
    missing = [status[f] for f in frameworks if status.get(f)]
    if missing:
        pytest.skip("; ".join(missing))
    unavailable = ports.info("tfjs").declared("UNAVAILABLE_MODES", {}) if "tfjs" in frameworks else {}
    if unavailable:
        pytest.skip("; ".join(unavailable.values()))


def test_numpy_onnx_and_tfjs_agree_in_every_mode_and_dtype(capsys, tmp_path):
    """`crosscheck compare --frameworks numpy,onnx,tfjs`: exit 0, a row for each of ONNX's dtypes
    and each of TensorFlow.js's hosts."""
    _needs("onnx", "tfjs")
    path = tmp_path / "r.json"
    code = main(["compare", "--frameworks", "numpy,onnx,tfjs", "--quiet", "--json", str(path)])
    out = capsys.readouterr().out
    assert code == 0, out
    ids = {i["id"] for i in json.loads(path.read_text())["implementations"]}
    assert ids >= DEPLOYED, ids
    partial = sum(i.startswith("onnx") for i in ids)  # ONNX only evaluates
    verdict = f"PASS: all {len(ids)} implementations agree with the reference on every quantity they compute"
    not_checked = "loss, gradients, fd_oracle (no loss_and_grads); "
    not_checked += "loss_log, final_params, predictions, trajectory (no train)"
    assert out.splitlines()[-1] == f"{verdict}; not checked in {partial} of them (SKIP rows): {not_checked}"


def test_a_chain_rule_slip_in_the_javascript_fails_naming_the_quantity_and_the_element(capsys):
    """tests/tfjs_slip_port.py: the hidden sigmoid's slope taken as f. forward agrees; the
    partials of the hidden weights do not, in both hosts, and training leaves the reference at
    step 0."""
    _needs("tfjs")
    code = main(["compare", "--port", str(SLIP), "--frameworks", "tfjsslip", "--quiet"])
    out = capsys.readouterr().out
    assert code == 1, out
    for mode in ("node", "chromium"):
        case = f"tfjsslip-cpu-float32-{mode}"
        rows = out.split(case, 1)[1]
        assert re.match(r"\s+forward\s.*PASS", rows), rows[:200]
        assert re.search(rf"gradients \[(Alice|Bob|Charlie|Diana)/(w[1-4]|b[12])\] {case}: got", out), out
        assert re.search(
            r"first divergence at step 0 \(epoch 0, sample Alice\), parameter (w[1-4]|b[12])", rows
        )


def test_the_reports_code_columns_show_the_javascript_and_the_onnx_graph():
    for framework in ("tfjs", "onnx"):  # the code is read from the ports' files: no host needed
        if ports.availability()[framework]:
            pytest.skip(ports.availability()[framework])
    js = step_code("tfjs")
    assert js["forward"][0].code.startswith("function network(X, [hiddenW, hiddenB, outputW, outputB]) {")
    assert (
        js["gradients"][1].code.startswith("function lossAndGrads(")
        and "tf.grads(" in js["gradients"][1].code
    )
    assert "tf.train.sgd(learnRate)" in js["update"][0].code
    assert all(s.path == "ports/tfjs_network.js" and s.line > 0 for part in js.values() for s in part)
    graph = step_code("onnx")["forward"][-1]
    assert (
        graph.name == "graph_nodes()"
        and graph.code.splitlines()[0] == "Gemm(x, hidden.weight, hidden.bias) -> linear"
    )


def _crosscheck(env: dict, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NN_CROSSCHECK_JOBS": "1", **env}
    argv = [sys.executable, "-m", "nn_crosscheck", *argv]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def test_without_the_npm_package_the_port_says_how_to_install_it(tmp_path):
    proc = _crosscheck({"NN_CROSSCHECK_TFJS": str(tmp_path)}, "compare", "--frameworks", "tfjs", "--quiet")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert (
        f"TensorFlow.js is not installed in {tmp_path}: npm install --prefix {tmp_path} @tensorflow/tfjs"
        in proc.stderr
    )


def test_without_node_and_chromium_each_mode_is_skipped_saying_which_is_missing():
    """Each mode's case says why it cannot run, and compare skips its rows with that reason (exit
    0), the canary saying it was not run."""
    _needs("tfjs")
    bare = {"PATH": str(Path(sys.executable).parent), "NN_CROSSCHECK_CHROMIUM": ""}  # no node, no Chromium
    code = (
        "from nn_crosscheck.engine.cases import Case\n"
        "for mode in ('node', 'chromium'): print(Case('tfjs', 'cpu', 'float32', mode).unavailable())"
    )
    env = {**os.environ, **bare}
    reasons = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                             timeout=120, env=env)  # fmt: skip
    assert reasons.stdout.splitlines() == [
        "tfjs: no node on PATH (Node.js runs the node mode)",
        "tfjs: no Chromium found (apt-get install chromium, or set NN_CROSSCHECK_CHROMIUM)",
    ], reasons.stderr
    proc = _crosscheck(bare, "compare", "--frameworks", "numpy,tfjs", "--dtypes", "float32", "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "skipped: tfjs: no node on PATH (Node.js runs the node mode) [tfjs-cpu-float32-node]" in proc.stdout  # noqa: E501
    assert "skipped: tfjs: no Chromium found" in proc.stdout and "[tfjs-cpu-float32-chromium]" in proc.stdout
    assert "matmul canary: cpu: not run (matmul_canary raised PortError: tfjs: no node on PATH" in proc.stdout
