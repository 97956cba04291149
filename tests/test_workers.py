"""Implementations in worker processes (crosscheck/engine/workers.py): a worker that dies or runs
out of time is an ERROR row saying so, the others finish; Ctrl-C ends every worker; the results
are those of one process (tests/test_determinism.py compares the numbers)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nn_crosscheck.cli import main
from nn_crosscheck.engine import workers

needs_pebble = pytest.mark.skipif(not workers.have_pool(), reason="worker processes need pebble")
OUTSIDE = Path(__file__).parent / "outside"
COMMAND = [sys.executable, "-m", "nn_crosscheck"]


def _run(argv, cwd):
    env = {**os.environ, "NN_CROSSCHECK_JOBS": ""}  # the default: a worker a core
    return subprocess.run([*COMMAND, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@needs_pebble
def test_a_worker_that_dies_and_one_out_of_time_are_error_rows(tmp_path):
    """os._exit(1) in train, and a train that sleeps past --timeout 5: each an ERROR row naming
    what happened, the others PASS, exit 1, no traceback, the JSON written (from a directory
    outside the repository, as a user would)."""
    report = tmp_path / "report.json"
    proc = _run(
        ["compare", "--port", str(OUTSIDE / "exits_in_train.py"), "--port",
         str(OUTSIDE / "sleeps_in_train.py"), "--frameworks", "numpy,exits,sleeps", "--jobs", "2",
         "--timeout", "5", "--json", str(report)],
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    out = proc.stdout
    assert "not checked: worker exited with status 1 before returning (os._exit, or a crash)" in out
    assert "not checked: timed out after 5 s (--timeout)" in out
    assert "ERROR: 2 of 4 implementations ended early: exits-cpu-float64, sleeps-cpu-float64" in out
    data = json.loads(report.read_text())
    verdicts = {i["id"]: (i["verdict"], i["ended"]) for i in data["implementations"]}
    assert verdicts == {
        "numpy-cpu-float32": ("pass", None),
        "numpy-cpu-float64": ("pass", None),
        "exits-cpu-float64": ("error", "worker exited with status 1 before returning (os._exit, or a crash)"),
        "sleeps-cpu-float64": ("error", "timed out after 5 s (--timeout)"),
    }
    assert data["verdict"] == "error"
    assert data["timing"]["jobs"] == 2


@needs_pebble
def test_a_worker_killed_by_a_signal_is_named_by_it(tmp_path):
    """A segfault, as a broken extension would: the signal by number and name."""
    port = OUTSIDE / "segfaults_in_train.py"
    proc = _run(["compare", "--port", str(port), "--frameworks", "segfaults", "--jobs", "2"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "not checked: worker died with signal 11 (SIGSEGV)" in proc.stdout
    assert "ERROR: segfaults-cpu-float64 ended early" in proc.stdout


# Ctrl-C's default action restored, then the command: a test runner may have started this process
# with SIGINT ignored, which its children would inherit.
INTERRUPTIBLE = (
    "import os, signal as s, sys; s.signal(s.SIGINT, s.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)


@needs_pebble
def test_a_worker_that_dies_blames_only_its_own_case(tmp_path):
    """The two cases of one framework and mode share a worker; when it dies, each runs again
    alone: the float32 case is judged (PASS), the float64 one is the ERROR."""
    report = tmp_path / "r.json"
    port = OUTSIDE / "segfaults_in_float64.py"
    proc = _run(["compare", "--port", str(port), "--frameworks", "numpy,halfbroken", "--jobs", "2",
                 "--json", str(report)], cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    verdicts = {i["id"]: i["verdict"] for i in json.loads(report.read_text())["implementations"]}
    assert verdicts["halfbroken-cpu-float32"] == "pass" and verdicts["halfbroken-cpu-float64"] == "error"
    assert "ERROR: 1 of 4 implementations ended early: halfbroken-cpu-float64" in proc.stdout


def _group(pid: int) -> list[str]:
    """The live processes of the process group `pid` leads (a zombie has ended: it waits only to
    be reaped, by init where its parent has gone)."""
    ps = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-g", str(pid)], capture_output=True, text=True)
    return [line for line in ps.stdout.strip().splitlines() if line.split()[1][0] != "Z"]


@needs_pebble
def test_ctrl_c_ends_every_worker_with_one_line(tmp_path):
    """SIGINT to the whole process group (what a terminal's Ctrl-C sends) while a worker runs:
    one line, exit 130, no process of the group left."""
    env = {**os.environ, "NN_CROSSCHECK_JOBS": "2"}
    sleeps = str(OUTSIDE / "sleeps_in_train.py")
    argv = [*COMMAND, "compare", "--port", sleeps, "--frameworks", "numpy,sleeps"]
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTIBLE, *argv], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while proc.poll() is None and len(_group(proc.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.5)  # the command, its resource tracker and a worker at least
    time.sleep(5)  # the sleeping port's train under way
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert err.strip().splitlines()[-1] == "crosscheck: interrupted"
    assert "Traceback" not in err
    deadline = time.monotonic() + 10  # the resource tracker leaves once its pipe closes
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _group(proc.pid) == []


@pytest.mark.parametrize(("flag", "value"), [("--jobs", "0"), ("--jobs", "two"), ("--timeout", "-1")])
def test_bad_worker_options_are_usage_errors(flag, value, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["compare", "--frameworks", "numpy", flag, value])
    assert stop.value.code == 2
    assert f"argument {flag}: must be" in capsys.readouterr().err


def test_a_bad_jobs_variable_names_itself(monkeypatch, capsys):
    monkeypatch.setenv("NN_CROSSCHECK_JOBS", "many")
    assert main(["compare", "--frameworks", "numpy", "--quiet"]) == 2
    assert "NN_CROSSCHECK_JOBS='many': must be a whole number of workers" in capsys.readouterr().err


def test_the_longest_expected_cases_start_first():
    """Ordering only: TensorFlow's eager mode is declared the slowest of the built-in ports."""
    assert workers.expected_seconds("tensorflow", "eager") > workers.expected_seconds("torch", "eager")
    assert workers.expected_seconds("numpy", "eager") < workers.DEFAULT_EXPECTED


def test_without_pebble_the_default_runs_here_and_says_why(monkeypatch, capsys):
    """A plain checkout with only numpy: compare still runs, in this process, and says so; asking
    for workers by --jobs is a usage error naming what is missing."""
    monkeypatch.setattr(workers, "have_pool", lambda: False)
    monkeypatch.setenv("NN_CROSSCHECK_JOBS", "")
    monkeypatch.setattr(workers, "default_jobs", lambda: 2)
    assert main(["compare", "--frameworks", "numpy", "--dtypes", "float64", "--quiet"]) == 0
    assert "in this process (pebble is not installed: pip install pebble for worker processes)" in (
        capsys.readouterr().out
    )
    assert main(["compare", "--frameworks", "numpy", "--jobs", "2", "--quiet"]) == 2
    assert "--jobs 2: worker processes need the package pebble" in capsys.readouterr().err


def test_the_cases_of_a_framework_and_mode_go_together_unless_too_long(monkeypatch):
    """plan: a group is one worker's task unless it would take more than a worker's share."""
    from types import SimpleNamespace as Case

    seconds = {("tf", "eager"): 50, ("torch", "compile"): 10, ("halfbroken", "eager"): 0.1}
    monkeypatch.setattr(workers, "expected_seconds", lambda framework, mode: seconds[(framework, mode)])
    cases = [Case(framework=f, mode=m, dtype=d) for (f, m) in seconds for d in ("float32", "float64")]
    ids = [[(c.framework, c.dtype) for c in group] for group in workers.plan(cases, jobs=2)]
    assert ids == [
        [("tf", "float32")], [("tf", "float64")],  # 100 s together, over the share of 60
        [("torch", "float32"), ("torch", "float64")],
        [("halfbroken", "float32"), ("halfbroken", "float64")],
    ]  # fmt: skip
    assert len(workers.plan(cases, jobs=16)) == 5  # a share of 7.5 s: only the cheapest stay together
