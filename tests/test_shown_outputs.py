"""The outputs README and the pages of docs/ show are what the commands print today.

Each block a page marks with `<!-- output: NAME -->` is checked against a fresh run of what the
text beside it says produced it. A `...` line in a block stands for lines left out; the rest must
appear in the output in order. Whitespace runs count as one space (README wraps long lines and
the tables realign), and the seconds a training took are not compared.
"""

import os
import re
import sys
from pathlib import Path

import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.engine.checks import training_checks
from nn_crosscheck.engine.mutants import MUTANTS, PROTOCOL_CATALOGUE, protocol_mutants
from nn_crosscheck.reference import SHARED_WEIGHTS

ROOT = Path(__file__).resolve().parent.parent
PAGES = {path: path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]}
README = PAGES[ROOT / "README.md"]
HOMEWORK = ROOT / "examples" / "homework" / "homework.py"
# README's sed line, as Python: dL/dw2 takes x1 where the chain rule has x2.
SED = r"sed 's/d_hidden1 \* x\[1\]/d_hidden1 * x[0]/' examples/homework/homework.py > /tmp/demo/buggy.py"
SLIP = ("d_hidden1 * x[1]", "d_hidden1 * x[0]")
SHOWN_AS = "/tmp/demo"  # where README's commands run
DEMO = re.compile(r"^(    mkdir -p /tmp/demo\n(?:    .*\n)+)", re.M)  # the demo's lines


def blocks(name: str) -> list[list[str]]:
    """Every block README or a page marks with `name`: its indented lines, the indentation removed."""
    marked = rf"<!-- output: {re.escape(name)} -->\n\n((?:    .*\n|\n(?=    ))+)"
    found = [block for text in PAGES.values() for block in re.findall(marked, text)]
    assert found, f"no page has a block marked <!-- output: {name} -->"
    return [[line[4:] for line in block.rstrip("\n").split("\n")] for block in found]


def _flat(text: str) -> str:
    text = re.sub(r"trained in [0-9.]+ s", "trained in T s", text)
    return " ".join(text.split())


def assert_shown(name: str, output: str) -> None:
    """Each block's runs of lines between `...` lines appear in `output`, in order."""
    flat = _flat(output)
    for block in blocks(name):
        at = 0
        runs = "\n".join("\0" if line.strip() == "..." else line for line in block).split("\0")
        for run in (_flat(r) for r in runs):
            if not run:
                continue
            found = flat.find(run, at)
            assert found >= 0, f"the block {name!r} is not what the command prints now:\n{run}\n\n{output}"
            at = found + len(run)


def _needs(*frameworks: str) -> None:
    status = ports.availability()
    missing = [status.get(f) or f"{f}: not registered" for f in frameworks if status.get(f, True)]
    if missing:
        pytest.skip("; ".join(missing))


def run(capsys, *argv: str) -> str:
    main(list(argv))
    return capsys.readouterr().out


def test_compare_excerpt(capsys):
    _needs("torch")
    argv = ("--frameworks", "torch", "--dtypes", "float32", "--modes", "eager", "--quiet")
    out = run(capsys, "compare", *argv)
    assert_shown("compare", out)


def test_a_buggy_copy_of_the_homework_port_and_its_bundle(
    capsys, tmp_path, monkeypatch, own_registry, private_caches
):
    assert SED in README
    text = HOMEWORK.read_text()
    assert text.count(SLIP[0]) == 1, "README's sed line no longer makes one change to homework.py"
    (tmp_path / "buggy.py").write_text(text.replace(*SLIP))
    monkeypatch.chdir(tmp_path)
    args = ("--port", "buggy.py", "--frameworks", "homework", "--dtypes", "float64", "--repro", "bundle")
    out = run(capsys, "compare", *args, "--quiet")
    assert_shown("buggy-homework", out)
    commands = (tmp_path / "bundle" / "commands.sh").read_text()
    shown = commands.replace(str(tmp_path), SHOWN_AS).replace(sys.executable, "python")
    assert_shown("repro-commands", shown)


def test_the_drift_the_locator_finds(capsys, drifted):
    out = run(capsys, "compare", "--frameworks", "drifted", "--dtypes", "float64", "--quiet")
    assert_shown("drifted", out)


def test_selftest_table(selftest_run):
    _needs(*sorted({m.framework for m in MUTANTS}))
    _, out, _ = selftest_run
    assert_shown("selftest", out)


def test_the_selftest_counts_say_what_the_catalogue_makes():
    """The page counts the mutants of the built-in ports alone, then what each outside port adds
    (the table below it is CI's run, with examples/loopnet installed)."""
    text = PAGES[ROOT / "docs" / "commands.md"]
    counts = (
        r"With the seven built-in ports it runs\s+(\d+) mutants.*?for each installed outside"
        r"\s+port\s+that trains\s+(\d+) more in float64 and (\d+) in float32.*?: (\d+) with"
        r" `examples/loopnet`"
    )
    found = re.search(counts, text, re.S)
    assert found, "docs/commands.md no longer counts the self-test's mutants"
    builtin, in_float64, in_float32, with_loopnet = map(int, found.groups())
    made = len(MUTANTS) + sum(len(protocol_mutants(f)) for f in ("tensorflow", "scalar", "onnx", "tfjs"))
    assert builtin == made
    assert (in_float64, in_float32) == tuple(
        sum(dtype in applies for _, applies, _, _ in PROTOCOL_CATALOGUE) for dtype in ("float64", "float32")
    )
    if "loopnet" in ports.names():
        assert with_loopnet == made + len(protocol_mutants("loopnet"))


def test_article_sections(article_run):
    _needs("torch", "jax", "tensorflow", "scalar")
    _, out, _ = article_run
    assert_shown("article", out)


def test_a_failure_message_under_pytest():
    (mutant,) = [m for m in MUTANTS if m.name == "reversed_samples"]
    _needs(mutant.framework)
    checks = training_checks(mutant.case(), SHARED_WEIGHTS)
    (loss_log,) = [c for c in checks if c.quantity == "loss_log"]
    assert not loss_log.passed
    assert_shown("reversed-samples", loss_log.describe())


def test_the_demo_is_the_same_wherever_it_is_shown():
    """README and the page on outside ports show one demo: the test below runs README's."""
    shown = [block for text in PAGES.values() for block in DEMO.findall(text)]
    assert len(shown) >= 2 and set(shown) == {shown[0]}, shown
    assert SED in shown[0]


def test_the_demo_runs_as_written_in_a_fresh_directory(tmp_path):
    """README's failing-port demo, its lines run by bash as a user would paste them (the
    directory made by its own first line), with /tmp/demo moved under this test's own."""
    import shutil
    import subprocess

    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])  # its venv's
    if shutil.which("crosscheck", path=path) is None:
        pytest.skip("the crosscheck command is not installed (pip install -e .)")
    (block,) = DEMO.findall(README)
    demo = tmp_path / "demo"
    script = block.replace("    ", "", 1).replace("\n    ", "\n").replace(SHOWN_AS, str(demo))
    assert script.startswith("mkdir -p ")
    proc = subprocess.run(["bash", "-c", f"set -e\n{script}"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PATH": path, "NN_CROSSCHECK_JOBS": "1"})  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the slip is found: a FAIL, not a crash
    assert "gradients [Alice/w2] homework-cpu-float64" in proc.stdout
    assert (demo / "bundle" / "weights.json").is_file()
