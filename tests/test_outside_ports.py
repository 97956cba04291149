"""A port from outside this repository, checked as its author would check it: a file named by
--port or NN_CROSSCHECK_PORTS, an installed package's entry point, the pytest plugin; its buggy
twin fails with the gradient and parameter named; bad ports are one clear line."""

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main

ROOT = Path(__file__).parent.parent
HOMEWORK = ROOT / "examples" / "homework" / "homework.py"
OUTSIDE = Path(__file__).parent / "outside"
# The buggy twin: dL/dw2 takes x1 where the chain rule has x2 (one partial of the hidden chain).
CORRECT_LINE = '        "w2": d_hidden1 * x[1] * d_h1,\n'
BUGGY_LINE = '        "w2": d_hidden1 * x[0] * d_h1,\n'


@pytest.fixture(autouse=True)
def registry(own_registry, private_caches):
    """Each test registers its ports afresh (conftest's own_registry, which also sets aside a
    port of NN_CROSSCHECK_PORTS: it may share a name with the examples), with per-case caches of
    its own (the good and the buggy homework share a name, so they would share cached results)."""


@pytest.fixture
def buggy(tmp_path) -> Path:
    text = HOMEWORK.read_text()
    assert text.count(CORRECT_LINE) == 1, "the line the twin changes is gone from homework.py"
    path = tmp_path / "homework_buggy.py"
    path.write_text(text.replace(CORRECT_LINE, BUGGY_LINE))
    return path


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_homework_imports_nothing_of_this_project():
    source = HOMEWORK.read_text()
    names = ("nn_crosscheck", "ports", "crosscheck", "reference")
    assert not any(f"import {m}" in source or f"from {m}" in source for m in names)


def test_compare_passes_the_homework_port_in_both_dtypes(capsys, tmp_path):
    path = tmp_path / "report.json"
    code, out, err = _run(capsys, "compare", "--port", str(HOMEWORK), "--frameworks", "homework",
                          "--quiet", "--json", str(path))  # fmt: skip
    assert code == 0, out + err
    assert "homework-cpu-float32" in out and "homework-cpu-float64" in out
    ids = [i["id"] for i in json.loads(path.read_text())["implementations"]]
    assert ids == ["homework-cpu-float32", "homework-cpu-float64"]


def test_the_buggy_twin_fails_naming_the_gradient_and_the_parameter(capsys, buggy):
    code, out, err = _run(capsys, "compare", "--port", str(buggy), "--frameworks", "homework",
                          "--dtypes", "float64", "--quiet")  # fmt: skip
    assert code == 1, out + err
    gradients = next(line for line in out.splitlines() if " gradients " in line)
    assert gradients.rstrip().endswith("FAIL")
    assert "parameter w2" in out  # the locator: the first diverging step's parameter
    assert "FAIL: homework-cpu-float64 disagrees with the reference" in out


def test_junit_report_is_valid_xml_with_one_testcase_per_quantity(capsys, tmp_path, buggy):
    path = tmp_path / "junit.xml"
    code, out, err = _run(capsys, "compare", "--port", str(buggy), "--frameworks", "homework",
                          "--quiet", "--junit", str(path))  # fmt: skip
    assert code == 1, out + err
    suite = ET.parse(path).getroot().find("testsuite")
    testcases = suite.findall("testcase")
    assert len(testcases) == 2 * 8 == int(suite.get("tests"))
    failed = {
        (t.get("classname"), t.get("name")): t.find("failure")
        for t in testcases
        if t.find("failure") is not None
    }
    assert ("homework-cpu-float64", "gradients") in failed
    assert int(suite.get("failures")) == len(failed)
    assert "gradients [Alice/w2] homework-cpu-float64: got" in failed[
        "homework-cpu-float64", "gradients"
    ].get("message")


def _selftest_mutants(capsys, tmp_path, port: Path, name: str) -> list[dict]:
    """`crosscheck selftest` on an outside port, which must pass: its JSON report's mutants."""
    path = tmp_path / "selftest.json"
    argv = ("--port", str(port), "--frameworks", name, "--quiet", "--json", str(path))
    code, out, err = _run(capsys, "selftest", *argv)
    assert code == 0, out + err
    return json.loads(path.read_text())["mutants"]


def test_selftest_catches_every_protocol_mutant_on_the_homework_port(capsys, tmp_path):
    mutants = _selftest_mutants(capsys, tmp_path, HOMEWORK, "homework")
    assert len(mutants) == 17  # 8 protocol mutants in float32, 9 in float64 (the float32 detour)
    assert all(m["caught"] and not m["narrow"] for m in mutants), mutants


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("missing_forward.py", "missing_forward.py: missing forward (a port defines NAME and forward"),
        (
            "wrong_signature.py",
            "forward(params, X) cannot be called as forward(params, X, *, dtype, device, mode)",
        ),
        ("clashing.py", "port name 'numpy' from --port"),
    ],
    ids=["missing-forward", "wrong-signature", "name-clash"],
)
def test_a_bad_port_is_one_line_and_exit_2(capsys, fixture, message):
    code, out, err = _run(capsys, "compare", "--port", str(OUTSIDE / fixture), "--quiet")
    assert code == 2, out + err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("crosscheck compare: error: ") and message in err
    assert "nn_crosscheck_port_" not in err  # the file, not the name it is imported under
    if fixture == "clashing.py":
        assert "clashes with 'numpy' from " in err and "(module nn_crosscheck.ports.numpy)" in err


FORWARD_ONLY = OUTSIDE / "forward_only.py"
NOT_PROVIDED = {"loss", "gradients", "fd_oracle", "loss_log", "final_params", "predictions", "trajectory"}


def test_a_port_that_only_evaluates_passes_its_families_listed_as_not_provided(capsys, tmp_path):
    """NAME and forward alone: forward is judged, and the network the reference trained
    (trained_forward); every other family is a skip saying the port does not provide it."""
    path = tmp_path / "report.json"
    code, out, err = _run(capsys, "compare", "--port", str(FORWARD_ONLY), "--frameworks", "fwdonly",
                          "--json", str(path), "--quiet")  # fmt: skip
    assert code == 0, out + err
    checks = {(c["dtype"], c["quantity"]): c for c in json.loads(path.read_text())["checks"]}
    for dtype in ("float32", "float64"):
        assert checks[dtype, "forward"]["verdict"] == checks[dtype, "trained_forward"]["verdict"] == "pass"
        skipped = {q for (d, q), c in checks.items() if d == dtype and c["verdict"] == "skip"}
        assert skipped == NOT_PROVIDED
        assert checks[dtype, "loss"]["note"] == "not provided by the port (no loss_and_grads)"
        assert checks[dtype, "trajectory"]["note"] == "not provided by the port (no train)"
    assert "not trained: the port has no train" in out
    assert "PASS: all 2 implementations agree" in out


def test_a_slip_in_a_port_that_only_evaluates_is_caught(capsys, tmp_path):
    """A slip in the port's forward (h2 reads x2 with w3 and x1 with w4) fails forward and the
    trained network both, each naming the person."""
    text = FORWARD_ONLY.read_text()
    slip = ('p["w3"] * X[:, 0] + p["w4"] * X[:, 1]', 'p["w4"] * X[:, 0] + p["w3"] * X[:, 1]')
    assert text.count(slip[0]) == 1
    bad = tmp_path / "fwdonly_bad.py"
    bad.write_text(text.replace(*slip))
    code, out, err = _run(capsys, "compare", "--port", str(bad), "--frameworks", "fwdonly",
                          "--dtypes", "float64", "--quiet")  # fmt: skip
    assert code == 1, out + err
    for quantity in ("forward", "trained_forward"):
        who = "|".join(["Alice", "Bob", "Charlie", "Diana", "Emily", "Frank"])
        assert re.search(rf"{quantity} \[({who})\] fwdonly-cpu-float64: got", out), out


def test_selftest_on_a_port_that_only_evaluates_makes_the_mutants_of_forward(capsys, tmp_path):
    mutants = _selftest_mutants(capsys, tmp_path, FORWARD_ONLY, "fwdonly")
    names = sorted({m["name"] for m in mutants})
    assert names == ["b1_perturbed", "float32_detour", "hidden_transposed", "output_swapped"]
    assert len(mutants) == 7 and all(m["caught"] for m in mutants), mutants


def test_a_port_that_raises_on_import_is_unavailable_and_the_others_run(capsys):
    path = OUTSIDE / "raises_on_import.py"
    code, out, err = _run(capsys, "compare", "--port", str(path), "--frameworks", "numpy", "--quiet")
    assert code == 0, out + err
    # Every framework selected, as by default; where JAX is here, its jit mode alone runs (the
    # others' training would only repeat test_training.py, ~20 s with TensorFlow eager).
    quick = ("--modes", "jit") if ports.availability().get("jax") is None else ()
    code, out, err = _run(capsys, "compare", "--port", str(path), "--dtypes", "float64", *quick, "--quiet")
    assert code == 0, out + err
    assert "skipped: raises_on_import: cannot be imported (RuntimeError: simulated: libhomework.so" in out
    assert "PASS:" in out.splitlines()[-1]
    code, out, err = _run(capsys, "compare", "--port", str(path), "--frameworks", "raises_on_import")
    assert code == 2 and "was requested but is unavailable: raises_on_import: cannot be imported" in err


def test_a_missing_port_file_is_a_usage_error(capsys, tmp_path):
    code, _, err = _run(capsys, "compare", "--port", str(tmp_path / "absent.py"))
    assert code == 2 and "absent.py: no such file" in err


def test_the_sweep_skips_a_port_without_train_many_with_the_reason(capsys):
    code, _, err = _run(capsys, "sweep", "--port", str(HOMEWORK), "--frameworks", "homework", "--seeds", "4")
    assert code == 2 and "homework-cpu-float64: the port defines no train_many" in err


def _installed(name: str) -> bool:
    return any(ep.name == name for ep in importlib.metadata.entry_points(group=ports.GROUP))


@pytest.mark.skipif(not _installed("loopnet"), reason="the example package examples/loopnet is not installed "
                    "(pip install -e examples/loopnet; .ci/run does)")  # fmt: skip
def test_an_installed_package_is_discovered_with_no_flag(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "nn_crosscheck", "compare", "--frameworks", "loopnet", "--quiet"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, ports.ENVIRONMENT: ""},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.split()[0] for line in proc.stdout.splitlines() if line.startswith("loopnet-")]
    assert rows == ["loopnet-cpu-float64"]  # its DTYPES: float64 only, float32 a skip with the reason
    assert "skipped: loopnet: no float32: the port computes in float64 only" in proc.stdout


def _plugin() -> tuple[str, ...]:
    """What pytest needs to be told to load the plugin: nothing where its entry point is installed."""
    installed = any(
        ep.value == "nn_crosscheck.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11")
    )
    return () if installed else ("-p", "nn_crosscheck.pytest_plugin")


def _pytest(cwd: Path, *argv: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *argv],
        cwd=cwd, capture_output=True, text=True, env={**os.environ, **env}, timeout=600,
    )  # fmt: skip


def test_the_pytest_plugin_from_outside_the_repository(tmp_path, buggy):
    """From a directory of the user's own, with a copy of the port: the families run and pass;
    on the twin they fail with the same message."""
    shutil.copy(HOMEWORK, tmp_path / "homework.py")
    env = {"PYTHONPATH": str(ROOT), ports.ENVIRONMENT: ""}
    plugin = _plugin()
    good = _pytest(tmp_path, *plugin, "--crosscheck-port", "homework.py", "-v", env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "test_gradients_each_person[homework-cpu-float64-Alice] PASSED" in good.stdout
    assert "homework: --crosscheck-port homework.py" in good.stdout  # the header says where it came from
    bad = _pytest(tmp_path, *plugin, "--crosscheck-port", str(buggy), "-q", env=env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "gradients [Alice/w2] homework-cpu-float64: got" in bad.stdout


def test_the_pytest_plugin_skips_what_a_port_that_only_evaluates_does_not_provide(tmp_path):
    """Outside the repository, where only the plugin's hook can turn a family the port lacks into a
    skip: forward and the trained network pass, every gradient and training test is skipped."""
    shutil.copy(FORWARD_ONLY, tmp_path / "forward_only.py")
    env = {"PYTHONPATH": str(ROOT), ports.ENVIRONMENT: ""}
    plugin = _plugin()
    proc = _pytest(tmp_path, *plugin, "--crosscheck-port", "forward_only.py", "-rs", "-v", env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "test_forward_on_the_people[fwdonly-cpu-float64] PASSED" in out
    assert "test_forward_on_the_trained_network[fwdonly-cpu-float32] PASSED" in out
    assert "test_gradients_each_person[fwdonly-cpu-float64-Alice] SKIPPED" in out
    assert "fwdonly.loss_and_grads: not provided by the port" in out and " failed" not in out


def test_the_html_report_and_exact_of_a_port_that_only_evaluates(capsys, tmp_path):
    """--html shows its forward code and says it computes no gradients or update; --exact gives
    its forward's distance from the exact value."""
    pytest.importorskip("jinja2", reason="the HTML report needs the html extra (jinja2)")
    pytest.importorskip("matplotlib", reason="the HTML report needs the html extra (matplotlib)")
    pytest.importorskip("mpmath", reason="--exact needs the exact extra (mpmath)")
    page, path = tmp_path / "r.html", tmp_path / "r.json"
    argv = ("--port", str(FORWARD_ONLY), "--frameworks", "fwdonly", "--dtypes", "float64", "--quiet")
    code, out, err = _run(capsys, "compare", *argv, "--html", str(page), "--exact", "--json", str(path))
    assert code == 0, out + err
    html = page.read_text()
    assert "def forward(params, X, *, dtype, device, mode):" in html.replace("&#39;", "'")
    assert html.count("not computed by this port: not provided") == 2  # gradients, update
    (fwdonly,) = [i for i in json.loads(path.read_text())["implementations"] if i["framework"] == "fwdonly"]
    assert set(fwdonly["exact_ulps"]) == {"forward"}


# Correct outside ports under the whole suite, and their buggy twins: the article's formulas in
# plain NumPy (its exp overflows, harmlessly, at a large negative sum; no train_many) and the
# homework port. The files that once broke on such a port (its warnings failing its checks, the
# registry losing it, the sweep's train_many, a name shared with the examples) and the gradients.
SUITE_FILES = tuple(
    f"tests/test_{name}.py"
    for name in ("gradients", "saturation", "training", "sweep_bench", "shown_outputs", "forward")
)
FORMULAS = OUTSIDE / "article_formulas.py"
FORMULAS_SLIP = ('"w2": d * do * p["w5"] * x[1] * dh1', '"w2": d * do * p["w5"] * x[0] * dh1')


@pytest.mark.parametrize("port", ["formulas", "homework"])
def test_a_correct_port_passes_the_suite_and_its_twin_fails(tmp_path, buggy, port):
    good = FORMULAS if port == "formulas" else HOMEWORK
    if port == "formulas":
        text = FORMULAS.read_text()
        assert text.count(FORMULAS_SLIP[0]) == 1
        bad = tmp_path / "formulas_buggy.py"
        bad.write_text(text.replace(*FORMULAS_SLIP))
    else:
        bad = buggy
    passed = _pytest(ROOT, *SUITE_FILES, "-k", port, "-q", env={ports.ENVIRONMENT: str(good)})
    assert passed.returncode == 0 and " passed" in passed.stdout, passed.stdout[-3000:] + passed.stderr
    failed = _pytest(ROOT, "tests/test_gradients.py", "-k", port, "-q", env={ports.ENVIRONMENT: str(bad)})
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr
    assert f"gradients [Alice/w2] {port}-cpu-float64: got" in failed.stdout
