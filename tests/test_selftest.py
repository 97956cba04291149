"""The mutation self-test: every catalogued porting bug is caught by the compare checks."""


import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.engine.mutants import MUTANTS, protocol_mutants

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
        assert set(m) >= {"name", "caught", "check", "ratio", "narrow"}
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
