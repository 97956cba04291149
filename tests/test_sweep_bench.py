"""`crosscheck sweep` and `crosscheck bench`: a small sweep agrees; bench runs (no timing asserts)."""

import json

import numpy as np
import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.reference import ALL_Y_TRUES, DATA, EMILY, FRANK, PARAM_NAMES, draw, draw_many


def test_draw_many_is_draw_for_each_seed():
    many = draw_many(40, 25)
    for i in range(25):
        assert {p: many[p][i] for p in PARAM_NAMES} == draw(40 + i)


@pytest.mark.parametrize("framework", list(ports.PORTS))
def test_train_many_leaves_the_callers_arrays_alone_and_matches_train(framework):
    if ports.availability()[framework]:
        pytest.skip(ports.availability()[framework])
    port = ports.load(framework)
    if not hasattr(port, "train_many"):
        pytest.skip(f"{framework} defines no train_many (optional: the sweep skips it)")
    port.pin_precision()
    params = draw_many(7, 3)
    before = {p: v.copy() for p, v in params.items()}
    mode = getattr(port, "SWEEP_MODE", None) or port.MODES[0]  # the mode the sweep trains in
    many = port.train_many(params, DATA, ALL_Y_TRUES, np.array([EMILY, FRANK]), mode=mode)
    assert all(np.array_equal(params[p], before[p]) for p in PARAM_NAMES)
    one = port.train(draw(8), DATA, ALL_Y_TRUES, mode=mode)
    np.testing.assert_allclose(many.params[1], [one.params[p] for p in PARAM_NAMES], rtol=0, atol=1e-12)
    np.testing.assert_allclose(many.losses[1], one.losses, rtol=0, atol=1e-14)


def test_sweep_of_64_networks_agrees(capsys, tmp_path):
    status = ports.availability()
    batched = [f for f, error in status.items() if not error and hasattr(ports.load(f), "train_many")]
    if not set(batched) - {"numpy"}:
        missing = "; ".join(error for error in status.values() if error)
        pytest.skip(f"no importable port besides the reference trains N networks at once ({missing})")
    path = tmp_path / "sweep.json"
    code = main(["sweep", "--seeds", "64", "--first-seed", "1000", "--quiet", "--json", str(path)])
    out, _ = capsys.readouterr()
    report = json.loads(path.read_text())
    assert code == 0, out
    assert report["verdict"] == "pass"
    frameworks = {r["framework"] for r in report["checks"]}
    batched = {
        f for f, err in ports.availability().items() if err is None and hasattr(ports.load(f), "train_many")
    }
    assert frameworks == batched - {"numpy"}
    assert {r["quantity"] for r in report["checks"]} == {"loss_log", "final_params", "predictions"}
    for r in report["checks"]:
        assert r["failing_networks"] == 0
        assert r["worst_seed"] == 1000 + r["worst_network"]
        assert r["rerun"].startswith(f"crosscheck compare --seed {r['worst_seed']} ")
    assert sum(report["teaching"]["final_loss_bins"].values()) == 64
    assert report["amplification"]["max_seed"] >= 1000
    assert out.splitlines()[-1] == "PASS: every framework agrees with the reference on all 64 networks"


def test_sweep_catches_a_port_that_drifts_on_one_network(capsys, monkeypatch):
    """A torch train_many that nudges network 5's final w4 must fail with seed 5 named."""
    if ports.availability()["torch"]:
        pytest.skip(ports.availability()["torch"])
    torch_port = ports.load("torch")
    real = torch_port.train_many

    def drifting(*args, **kw):
        result = real(*args, **kw)
        result.params[5, PARAM_NAMES.index("w4")] += 1e-9
        return result

    monkeypatch.setattr(torch_port, "train_many", drifting)
    code = main(["sweep", "--seeds", "16", "--frameworks", "torch", "--quiet"])
    out, _ = capsys.readouterr()
    assert code == 1
    row = next(line for line in out.splitlines() if "final_params" in line)
    assert row.split()[-3:] == ["1", "5", "FAIL"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "--seeds", "0"], "--seeds must be between 1 and 10,000,000, got 0"),
        (["sweep", "--seeds", "20000000"], "--seeds must be between 1 and 10,000,000"),
        (["sweep", "--frameworks", "numpy"], "nothing to compare with the reference"),
        (["sweep", "--dtypes", "float16"], "unknown dtype 'float16'; valid: float32, float64"),
        (["sweep", "--dtypes", "float32,float64"], "sweep runs one dtype at a time"),
        (["sweep", "--first-seed", "-1"], "seeds must stay within [0, 2**32)"),
        (["sweep", "--json", "/nonexistent/s.json"], "directory /nonexistent does not exist"),
        (["bench", "--repeats", "0"], "--repeats must be at least 1"),
        (["bench", "--json", "/nonexistent/b.json"], "directory /nonexistent does not exist"),
    ],
)
def test_sweep_and_bench_bad_arguments(capsys, argv, message):
    try:
        code = main(argv)
    except SystemExit as exit_info:
        code = exit_info.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_bench_runs_once_and_writes_its_json(capsys, tmp_path):
    path = tmp_path / "bench.json"
    argv = [
        "bench",
        "--repeats",
        "1",
        "--epochs",
        "20",
        "--dtypes",
        "float64",
        "--quiet",
        "--json",
        str(path),
    ]
    code = main(argv)
    out, _ = capsys.readouterr()
    assert code == 0, out
    results = json.loads(path.read_text())["results"]
    keys = {"framework", "mode", "dtype", "device", "median_s", "min_s", "max_s", "compile_s"}
    assert all(set(r) >= keys for r in results)
    assert all(r["agrees"] for r in results)
    modes = {(r["framework"], r["mode"]) for r in results}
    assert ("numpy", "reference loop") in modes
    available = {f for f, err in ports.availability().items() if err is None}
    if "jax" in available:
        assert {("jax", "no jit"), ("jax", "jit per step"), ("jax", "compiled scan")} <= modes
    if "torch" in available:
        assert {("torch", "eager"), ("torch", "torch.func")} <= modes


def test_bench_flags_a_variant_that_disagrees(capsys, monkeypatch):
    """A fast but wrong variant (learning rate 0.01) must show `agrees: NO` and exit 1."""
    port = ports.load("numpy")
    wrong = ("wrong", "lr 0.01", "train", {"mode": "eager", "learn_rate": 0.01}, False)
    monkeypatch.setattr(port, "BENCH", (*port.BENCH, wrong))
    code = main(["bench", "--repeats", "1", "--epochs", "20", "--dtypes", "float64", "--quiet"])
    out, _ = capsys.readouterr()
    assert code == 1
    row = next(line for line in out.splitlines() if " wrong " in line)
    assert row.split()[-1] == "NO"
