"""`compare --repro DIR`: on a FAIL, a bundle whose command reruns only the failing case."""

import json
import shlex

from crosscheck.cli import main
from crosscheck.engine import checks


def test_repro_bundle_reruns_the_failing_case(capsys, tmp_path, drifted):
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
    assert argv[1:4] == ["-m", "crosscheck", "compare"]
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
