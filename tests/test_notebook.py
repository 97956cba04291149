"""docs/lesson.ipynb: executed start to end in a fresh kernel (nbclient), as a reader would run
it; a cell that raises, or an asserted number of the article that drifts, fails the test. The
committed copy holds no outputs, and uses only the public API."""

import json
import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
NOTEBOOK = ROOT / "docs" / "lesson.ipynb"


@pytest.fixture
def client(monkeypatch):
    """A function that executes a notebook in a fresh python3 kernel started at the repository's
    root (so a plain checkout imports reference, ports and crosscheck too)."""
    # jupyter_core warns (DeprecationWarning, an error here) unless told to use platformdirs,
    # its future default.
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    nbclient = pytest.importorskip("nbclient", reason="the notebook extra (nbclient) is not installed")
    nbformat = pytest.importorskip("nbformat", reason="the notebook extra (nbformat) is not installed")
    pytest.importorskip("ipykernel", reason="the notebook extra (ipykernel) is not installed")

    def execute(notebook):
        nb = nbformat.reads(json.dumps(notebook), as_version=4)
        runner = nbclient.NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
        )
        runner.execute(env={**os.environ, "PYTHONPATH": str(ROOT)})
        return nb

    execute.error = nbclient.exceptions.CellExecutionError
    return execute


def _notebook() -> dict:
    return json.loads(NOTEBOOK.read_text())


def test_the_lesson_runs_start_to_end(client, capsys):
    start = time.perf_counter()
    nb = client(_notebook())
    seconds = time.perf_counter() - start
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "PASS: numpy-cpu-float64 agrees with the reference" in printed  # the verifier's table
    # The exercise: the slipped chain rule, caught at dL/dw2 and at the first step of training.
    assert "FAIL: student-cpu-float64 disagrees with the reference" in printed
    assert "first divergence at step 0 (epoch 0, sample Alice), parameter w2" in printed
    with capsys.disabled():
        print(f"\ndocs/lesson.ipynb executed in {seconds:.1f} s")


def test_a_drifted_number_fails_the_run(client):
    """The assertions bite: the one-neuron cell asserting 0.998 instead of the article's 0.999
    stops the run with an AssertionError (the cells after it never run)."""
    notebook = _notebook()
    cell = next(c for c in notebook["cells"] if "assert round(neuron, 3) == 0.999" in "".join(c["source"]))
    cell["source"] = "".join(cell["source"]).replace("== 0.999", "== 0.998")
    with pytest.raises(client.error, match="AssertionError"):
        client(notebook)


def test_the_committed_notebook_holds_no_outputs():
    code = [c for c in _notebook()["cells"] if c["cell_type"] == "code"]
    assert code, "no code cells"
    with_outputs = [i for i, c in enumerate(code) if c.get("outputs") or c.get("execution_count") is not None]
    assert with_outputs == [], f"code cells {with_outputs} hold outputs: clear them before committing"


def test_the_lesson_uses_only_the_public_api():
    """The lesson's code names only nn_crosscheck, check, ports.load / PortError and
    nn_crosscheck.reference: no internal module (engine, cli) and no port internals."""
    code = "\n".join("".join(c["source"]) for c in _notebook()["cells"] if c["cell_type"] == "code")
    for internal in ("nn_crosscheck.engine", "nn_crosscheck.cli", "to_native", "reference_case", "fd_check"):
        assert internal not in code, f"the lesson uses {internal}"
