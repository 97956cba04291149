"""The mutation self-test: every catalogued porting bug is caught by the compare checks, in this
process and in worker processes; a mutant that could not be run is an error, never caught and
never a survivor; a port's self-test imports no framework but its own."""

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.engine import workers
from nn_crosscheck.engine.mutants import MUTANTS, MutantTask, find, protocol_mutants

ROOT = Path(__file__).parent.parent
HOMEWORK = ROOT / "examples" / "homework" / "homework.py"
OUTSIDE = Path(__file__).parent / "outside"
needs_pebble = pytest.mark.skipif(not workers.have_pool(), reason="worker processes need pebble")

REQUIRED = {
    "hidden_transposed", "output_swapped", "bias_dropped", "learning_rate_0.01", "half_loss",
    "reversed_samples", "epochs_999", "full_batch", "loss_before_pass", "sequential_updates",
    "float32_compute", "tf32_matmul", "fast_sigmoid", "nan_partial",
}  # fmt: skip


def test_catalogue_has_the_required_mutants():
    assert {m.name for m in MUTANTS} >= REQUIRED
    assert len(MUTANTS) >= 12


def test_every_mutant_is_caught(selftest_run):
    unavailable = {m.framework for m in MUTANTS if ports.availability()[m.framework]}
    if unavailable:
        pytest.skip(f"mutants need {', '.join(sorted(unavailable))}")
    code, out, results = selftest_run
    survivors = [m["name"] for m in results["mutants"] if not m["caught"]]
    assert not survivors, out
    assert code == 0
    assert results["verdict"] == "pass"
    # The catalogue's mutants, and the protocol-level ones of every other available port
    # (TensorFlow, the scalar engine, an installed outside port): each port is mutated.
    others = [
        f
        for f, error in ports.availability().items()
        if not error and f not in {m.framework for m in MUTANTS}
    ]
    expected = [m.case().id for m in MUTANTS] + [m.case().id for f in others for m in protocol_mutants(f)]
    assert sorted(m["case"] for m in results["mutants"]) == sorted(expected)
    assert {m["case"].split("-")[0] for m in results["mutants"]} == {m.framework for m in MUTANTS} | set(
        others
    )
    for m in results["mutants"]:
        assert set(m) >= {"name", "caught", "check", "ratio", "narrow", "error"}
        assert m["error"] is None
        assert m["check"] in m["checks_failed"]
        assert m["narrow"] == (m["ratio"] is not None and m["ratio"] < 10)
        assert ("narrow margin" in out.split(m["name"], 1)[1].splitlines()[0]) == m["narrow"]
    assert out.splitlines()[-1] == f"PASS: all {len(expected)} mutants caught"


def test_a_surviving_mutant_fails_the_selftest(capsys, monkeypatch):
    """A 'mutant' that changes nothing must survive, and the self-test must say so and exit 1."""
    from nn_crosscheck.commands import selftest as selftest_command
    from nn_crosscheck.engine import mutants

    harmless = mutants.Mutant("harmless", "no bug at all", "numpy", "float64", "eager", mutants.derive)
    monkeypatch.setattr(selftest_command, "MUTANTS", [harmless])
    code = main(["selftest", "--quiet", "--frameworks", "numpy"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "harmless" in out and "NO" in out
    assert out.splitlines()[-1] == "FAIL: the mutant survived: harmless"


def test_a_mutant_is_found_again_from_its_names_as_a_worker_finds_it():
    """A worker gets a mutant by its names alone (its build does not pickle): each of the
    catalogue and each protocol-level one of the catalogue's frameworks is found again, itself,
    though the two catalogues share names (JAX's hidden_transposed in float64 and jit is in both)."""
    frameworks = sorted({m.framework for m in MUTANTS})
    for mutant in [*MUTANTS, *(m for f in frameworks for m in protocol_mutants(f))]:
        task = pickle.loads(pickle.dumps(MutantTask.of(mutant)))
        assert task.mutant is None
        found = find(task.framework, task.name, task.dtype, task.mode, task.protocol)
        assert (found.description, found.protocol, found.build) == (
            mutant.description, mutant.protocol, mutant.build,
        )  # fmt: skip


def _selftest(argv: list[str], cwd: Path, **env) -> subprocess.CompletedProcess:
    """`crosscheck selftest` in a fresh process, a worker a core unless `argv` says otherwise."""
    env = {**os.environ, "NN_CROSSCHECK_JOBS": "", **env}
    command = [sys.executable, "-m", "nn_crosscheck", "selftest", *argv]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@needs_pebble
def test_the_jax_mutants_are_caught_in_worker_processes(tmp_path):
    if ports.availability()["jax"]:
        pytest.skip(ports.availability()["jax"])
    report = tmp_path / "selftest.json"
    proc = _selftest(["--frameworks", "jax", "--jobs", "2", "--json", str(report)], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    mutants = json.loads(report.read_text())["mutants"]
    assert sorted(m["name"] for m in mutants) == sorted(m.name for m in MUTANTS if m.framework == "jax")
    assert all(m["caught"] and m["error"] is None for m in mutants), mutants
    assert proc.stdout.splitlines()[-1] == f"PASS: all {len(mutants)} mutants caught"


@needs_pebble
def test_a_mutant_that_raises_or_whose_worker_dies_is_an_error_not_a_survivor(tmp_path):
    """The fixture port's train raises under the learning_rate_0.01 mutant and ends its worker
    under epochs_999: both are errors of the harness (exit 3), the other mutants caught."""
    report = tmp_path / "selftest.json"
    port = OUTSIDE / "breaks_its_mutants.py"
    proc = _selftest(["--port", str(port), "--frameworks", "breaks", "--jobs", "2", "--json", str(report)],
                     tmp_path)  # fmt: skip
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    data = json.loads(report.read_text())
    assert data["verdict"] == "error"
    errors = {m["name"]: m["error"] for m in data["mutants"] if m["error"]}
    assert errors == {
        "learning_rate_0.01": "train raised RuntimeError: no learning rate but 0.1 here, not 0.01",
        "epochs_999": "worker exited with status 1 before returning (os._exit, or a crash)",
    }
    assert all(m["caught"] == (m["name"] not in errors) for m in data["mutants"]), data["mutants"]
    assert proc.stdout.splitlines()[-1] == (
        f"ERROR: 2 of {len(data['mutants'])} mutants could not be run: learning_rate_0.01, epochs_999"
    )
    assert "] learning_rate_0.01: ERROR" in proc.stderr and "] epochs_999: ERROR" in proc.stderr


def test_a_mutant_that_raises_in_this_process_is_an_error(capsys, monkeypatch, tmp_path):
    """--jobs 1: a mutant whose making raises is reported as an error (exit 3), not a crash, not
    caught, not a survivor; a survivor beside it is named after it."""
    from nn_crosscheck.commands import selftest as selftest_command
    from nn_crosscheck.engine import mutants

    def broken(base):
        raise KeyError("w7")

    made = [
        mutants.Mutant("broken", "cannot be made", "numpy", "float64", "eager", broken),
        mutants.Mutant("harmless", "no bug at all", "numpy", "float64", "eager", mutants.derive),
    ]
    monkeypatch.setattr(selftest_command, "MUTANTS", made)
    report = tmp_path / "selftest.json"
    code = main(["selftest", "--quiet", "--frameworks", "numpy", "--jobs", "1", "--json", str(report)])
    out, _ = capsys.readouterr()
    assert code == 3
    results = {m["name"]: m for m in json.loads(report.read_text())["mutants"]}
    assert results["broken"]["error"] == "raised KeyError: 'w7'"
    assert not results["broken"]["caught"] and results["harmless"]["error"] is None
    assert out.splitlines()[-1] == "ERROR: 1 of 2 mutants could not be run: broken; 1 survived: harmless"
    assert "could not be run: raised KeyError: 'w7'; cannot be made" in out


def test_a_numpy_ports_selftest_imports_no_other_framework(tmp_path):
    """The whole self-test of the homework port in one process (--jobs 1): what it leaves in
    sys.modules holds no other framework."""
    frameworks = ("torch", "jax", "jaxlib", "tensorflow", "onnx", "onnxruntime")
    code = (
        "import sys; from nn_crosscheck.cli import main;"
        f"code = main(['selftest', '--port', {str(HOMEWORK)!r}, '--frameworks', 'homework', '--quiet']);"
        f"print(code, sorted(m for m in sys.modules if m.split('.')[0] in {frameworks!r}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "NN_CROSSCHECK_JOBS": "1", "PYTHONPATH": str(ROOT)},
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "0 []", proc.stdout[-3000:] + proc.stderr
