"""The first-divergence locator's reading of error signatures."""

import numpy as np
import pytest

from nn_crosscheck.engine.judge import compare
from nn_crosscheck.engine.locator import (
    CAUSE_FLOAT32,
    CAUSE_LOGIC,
    CAUSE_NAN,
    CAUSE_TF32,
    first_divergence,
    likely_cause,
)
from nn_crosscheck.reference import SHARED_WEIGHTS, OurNeuralNetwork
from nn_crosscheck.reference.article import ALL_Y_TRUES, DATA


@pytest.mark.parametrize(
    ("rel", "dtype", "step", "cause"),
    [
        (3e-8, "float64", 0, CAUSE_FLOAT32),
        (2.0**-11, "float32", 1, CAUSE_TF32),
        (0.5, "float64", 900, CAUSE_LOGIC),
        (float("nan"), "float32", 7, CAUSE_NAN),
        (3e-8, "float64", 900, None),  # precision errors do not wait 225 epochs to show
        (3e-8, "float32", 0, None),  # float32-sized is expected in a float32 run
        (1e-3, "float64", 2000, None),
    ],
)
def test_likely_cause(rel, dtype, step, cause):
    assert likely_cause(rel, dtype, step) == cause


def _trajectory(dtype=np.float64, **options):
    """The parameters after each step of a 3-epoch run, (12, 9)."""
    steps = []
    OurNeuralNetwork(SHARED_WEIGHTS, dtype=dtype).train(
        DATA, ALL_Y_TRUES, epochs=3, on_step=lambda n: steps.append(list(n.params().values())), **options
    )
    return np.array(steps)


def test_float32_detour_is_named_from_step_zero():
    expected = _trajectory()
    got = _trajectory(dtype=np.float32)
    check = compare("trajectory", got, expected, dtype="float64", case="t", labels=[""] * got.size)
    divergence = first_divergence(check, SHARED_WEIGHTS, "float64")
    assert divergence["step"] == 0
    assert divergence["likely_cause"] == CAUSE_FLOAT32


def test_other_learning_rate_is_a_different_update():
    expected, got = _trajectory(), _trajectory(learn_rate=0.01)
    check = compare("trajectory", got, expected, dtype="float64", case="t", labels=[""] * got.size)
    divergence = first_divergence(check, SHARED_WEIGHTS, "float64")
    assert (divergence["step"], divergence["likely_cause"]) == (0, CAUSE_LOGIC)


def test_agreeing_trajectories_have_no_divergence():
    expected = _trajectory()
    check = compare("trajectory", expected, expected, dtype="float64", case="t", labels=[""] * expected.size)
    assert first_divergence(check, SHARED_WEIGHTS, "float64") is None


def test_a_divergence_only_in_the_compiled_mode_is_blamed_on_the_compiler(tmp_path, capsys):
    """A port whose compiled mode drifts while its eager twin agrees: the hint names the mode."""
    import json
    from pathlib import Path

    from nn_crosscheck import ports
    from nn_crosscheck.cli import main

    port = Path(__file__).parent / "compiled_drift_port.py"
    report = tmp_path / "r.json"
    argv = ["compare", "--port", str(port), "--frameworks", "numpy,compiledtoy", "--dtypes", "float64"]
    try:
        assert main([*argv, "--quiet", "--json", str(report)]) == 1
    finally:  # --port registered it for this process: the other tests must not see it
        ports.unregister("compiledtoy")
    capsys.readouterr()
    implementations = {i["id"]: i for i in json.loads(report.read_text())["implementations"]}
    assert implementations["compiledtoy-cpu-float64-eager"]["passed"]
    divergence = implementations["compiledtoy-cpu-float64-compiled"]["divergence"]
    assert divergence["likely_cause"].startswith("differs only in the compiled mode (compiled)")
