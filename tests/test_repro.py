"""`compare --repro DIR`: on a FAIL, a bundle whose command reruns only the failing case."""

import json
import shlex
from pathlib import Path

import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.engine import checks
from nn_crosscheck.reports import repro
from nn_crosscheck.reports.repro import BUNDLE


def test_repro_bundle_reruns_the_failing_case(capsys, tmp_path, drifted, private_caches):
    bundle = tmp_path / "bundle"
    code = main(
        ["compare", "--frameworks", "numpy,drifted", "--seed", "7", "--quiet", "--repro", str(bundle)]
    )
    out, _ = capsys.readouterr()
    assert code == 1
    assert f"reproduction bundle written to {bundle}" in out
    assert {p.name for p in bundle.iterdir()} == {
        "weights.json",
        "environment.json",
        "report.json",
        "commands.sh",
    }
    script = bundle / "commands.sh"
    assert script.stat().st_mode & 0o111, "commands.sh should be executable"
    lines = script.read_text().splitlines()
    assert lines[2].startswith("cd ")
    commands = [line for line in lines[3:] if not line.startswith("#")]
    # Only drifted-cpu-float64 fails: a 1e-9 drift is below float32's resolution at w4 ~ 2.
    first = json.loads((bundle / "report.json").read_text())["divergence"]
    assert len(commands) == 1
    assert first["id"] == "drifted-cpu-float64"

    argv = shlex.split(commands[0])
    assert argv[1:4] == ["-m", "nn_crosscheck", "compare"]
    checks._timed_train.cache_clear()  # a real rerun, not a cached one
    code = main([*argv[3:], "--quiet", "--json", str(tmp_path / "rerun.json")])
    rerun = json.loads((tmp_path / "rerun.json").read_text())
    assert code == 1
    assert [i["id"] for i in rerun["implementations"]] == [first["id"]]
    assert rerun["divergence"] == first
    assert json.loads((bundle / "weights.json").read_text()) == rerun["weights"]["params"]


def test_no_bundle_when_everything_passes(capsys, tmp_path):
    bundle = tmp_path / "bundle"
    assert main(["compare", "--frameworks", "numpy", "--quiet", "--repro", str(bundle)]) == 0
    assert not bundle.exists()


@pytest.fixture
def nan_port():
    """tests/nan_port.py registered as framework "nanport", as --port FILE would."""
    ports.load_spec(str(Path(__file__).parent / "nan_port.py"))
    yield
    ports.unregister("nanport")


def test_a_bundle_with_nan_results_is_strict_json_and_whole(capsys, tmp_path, nan_port):
    bundle = tmp_path / "bundle"
    code = main(["compare", "--frameworks", "nanport", "--quiet", "--repro", str(bundle)])
    _, err = capsys.readouterr()
    assert code == 1, err
    assert "Traceback" not in err
    assert sorted(p.name for p in bundle.iterdir()) == sorted(BUNDLE)
    report = json.loads((bundle / "report.json").read_text(), parse_constant=_no_constants)
    forward = next(c for c in report["checks"] if c["quantity"] == "forward")
    assert forward["ratio"] is None and not forward["passed"]  # NaN is written as null
    assert "--frameworks nanport" in (bundle / "commands.sh").read_text()
    assert not list(tmp_path.glob(".repro-*")), "the staging directory is left behind"


def _no_constants(name):
    raise AssertionError(f"report.json holds {name}, which strict JSON does not allow")


def test_a_bundle_that_cannot_be_finished_leaves_nothing(capsys, tmp_path, nan_port, monkeypatch):
    def refuse(params, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(repro, "dump_weights", refuse)
    bundle = tmp_path / "bundle"
    code = main(["compare", "--frameworks", "nanport", "--quiet", "--repro", str(bundle)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "cannot write the reproduction bundle: No space left on device" in err
    assert list(tmp_path.iterdir()) == []


def test_a_bundle_path_that_is_a_file_fails_before_any_work(capsys, tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a directory\n")
    code = main(["compare", "--frameworks", "numpy", "--repro", str(target)])
    _, err = capsys.readouterr()
    assert code == 2
    message = f"{target}: cannot write the reproduction bundle: it is a file, not a directory"
    assert err.splitlines() == [f"crosscheck compare: error: {message}"]  # before any progress line
    assert target.read_text() == "not a directory\n"
