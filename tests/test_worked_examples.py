"""The article's worked examples (crosscheck/engine/lesson.py) on the HTML page and in `crosscheck
article`: computed where each case runs (compare's workers, or this process), carried back as
plain data, and only rendered by the page; a port's wrong value marked, and each port's chain-rule
factors labelled by what it declares (GRADIENTS)."""

import importlib.util
import json
import pickle
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nn_crosscheck import ports
from nn_crosscheck.engine import lesson
from nn_crosscheck.engine.cases import Case
from nn_crosscheck.reference import PARAM_NAMES, article

ROOT = Path(__file__).resolve().parent.parent
HOMEWORK = ROOT / "examples" / "homework" / "homework.py"
SLIP = ("d_hidden1 * x[1]", "d_hidden1 * x[0]")  # README's slip: dL/dw2 takes x1 where it has x2
FRAMEWORKS = ("jax", "torch", "tensorflow", "tfjs")  # what a page's parent must not import for it

needs_html = pytest.mark.skipif(
    not (importlib.util.find_spec("jinja2") and importlib.util.find_spec("matplotlib")),
    reason="the HTML report needs the html extra (jinja2, matplotlib)",
)


class Articles(HTMLParser):
    """The page's article tables: for each, its header and rows of (cell text, cell class)."""

    def __init__(self, text: str):
        super().__init__()
        self.tables: list[dict] = []
        self.off_lines: list[str] = []
        self._cell: list | None = None
        self._para = False
        self.feed(text)
        for table in self.tables:  # the header's row holds no td
            table["rows"] = [row for row in table["rows"] if row]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "article" in (attrs.get("class") or "").split():
            self.tables.append({"header": [], "rows": []})
        elif not self.tables:
            return
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = [tag, "", attrs.get("class") or ""]
        elif tag == "p" and attrs.get("class") == "off":
            self._para = True
            self.off_lines.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            kind, text, cls = self._cell
            target = self.tables[-1]
            if kind == "th":
                target["header"].append(text.strip())
            else:
                target["rows"][-1].append((text.strip(), cls))
            self._cell = None
        elif tag == "p":
            self._para = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data
        elif self._para:
            self.off_lines[-1] += data


def _run(*argv: str, timeout: int = 600) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "nn_crosscheck", *argv]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _buggy(folder: Path) -> Path:
    source = HOMEWORK.read_text()
    assert source.count(SLIP[0]) == 1
    path = folder / "buggy.py"
    path.write_text(source.replace(*SLIP))
    return path


@needs_html
def test_the_page_with_jax_in_workers_is_written_and_its_parent_imports_no_framework(tmp_path):
    """The workers pin JAX's precision, the parent does not: the page's worked examples come back
    from the workers with the run, and the parent, which only renders them, imports no framework."""
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed")
    page, json_path = tmp_path / "r.html", tmp_path / "r.json"
    argv = ["report", "--html", str(page), "--json", str(json_path), "--frameworks", "numpy,jax"]
    argv += ["--jobs", "2"]
    script = (
        "import json, sys; from nn_crosscheck.cli import main; "
        f"code = main({argv!r} + ['--quiet']); "
        f"print(json.dumps({{'code': code, 'imported': [f for f in {FRAMEWORKS!r} if f in sys.modules]}}))"
    )
    command = [sys.executable, "-c", script]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = json.loads(proc.stdout.strip().splitlines()[-1])
    assert said == {"code": 0, "imported": []}, proc.stderr
    assert "error" not in proc.stderr
    data = json.loads(json_path.read_text())
    assert {i["framework"] for i in data["implementations"]} == {"numpy", "jax"}
    tables = Articles(page.read_text()).tables
    partials = next(t for t in tables if t["header"][0] == "partial")
    assert partials["header"][1:3] == [ports.info("numpy").label, ports.info("jax").label]
    for row in partials["rows"]:  # jax's nine partials, computed in its worker, equal the hand derivation's
        assert row[1][0] == row[2][0] and "off" not in row[2][1], row


def test_worked_examples_are_plain_data_and_rendering_calls_no_port(monkeypatch):
    """work() returns data that pickles (it crosses from a worker); worked_examples() lays it out
    without calling any port."""
    case = Case("numpy", "cpu", "float64", "eager")
    worked = pickle.loads(pickle.dumps(lesson.work(case, code=True)))
    assert worked.usable and set(worked.code) == {"forward", "gradients", "update"}

    def called(*args, **kwargs):
        raise AssertionError("rendering called a port")

    monkeypatch.setattr(Case, "forward", called)
    monkeypatch.setattr(Case, "loss_and_grads", called)
    sections = lesson.worked_examples({"numpy": worked})
    assert [s.number for s in sections] == [1, 2, 3, 4, 5]
    assert sections[-1].tables[0].rows[0][1] == worked.values["dL/dw1"]


def _as(worked: lesson.Worked, name: str, gradients) -> lesson.Worked:
    return lesson.Worked(**{**vars(worked), "framework": name, "case": f"{name}-cpu-float64", "label": name,
                            "gradients": gradients})  # fmt: skip


def test_factor_cells_say_how_each_port_declares_its_gradients():
    """(autograd) only for a port that declares GRADIENTS = "autograd"; (by hand) for "hand";
    (not returned) for a port that declares nothing; a note says what each means."""
    reference = lesson.work(Case("numpy", "cpu", "float64", "eager"))
    kinds = (("auto", "autograd"), ("byhand", "hand"), ("silent", None))
    worked = {"numpy": reference, **{n: _as(reference, n, g) for n, g in kinds}}
    section = lesson.backprop(worked)
    table = section.tables[0]
    factors = [row for row in table.rows if row[0] in ("dL/dypred", "dypred/dh1", "dh1/dw1")]
    assert [row[3:] for row in factors] == [["(autograd)", "(by hand)", "(not returned)"]] * 3
    notes = " ".join(section.notes)
    for label in ("(autograd): ", "(by hand): ", "(not returned): "):
        assert label in notes
    assert "autograd in auto" in lesson.all_partials(worked).what
    assert "by hand in byhand" in lesson.all_partials(worked).what


def test_the_ports_declare_how_they_compute_their_gradients():
    """Every built-in port with loss_and_grads says how it computes them, and the homework
    example, written by hand, says so."""
    for name in ports.registry.BUILTINS:
        info = ports.info(name)
        if info.error or not info.provides("loss_and_grads"):
            continue
        assert info.declared("GRADIENTS") in ("autograd", "hand"), name
    assert 'GRADIENTS = "hand"' in HOMEWORK.read_text()


def test_a_gradients_declaration_of_another_kind_is_refused(tmp_path):
    """GRADIENTS = "autodiff" would otherwise be taken for a port that says nothing."""
    path = tmp_path / "autodiff.py"
    path.write_text(HOMEWORK.read_text().replace('GRADIENTS = "hand"', 'GRADIENTS = "autodiff"'))
    with pytest.raises(ports.PortError, match=r"GRADIENTS is 'autodiff'; valid: autograd, hand"):
        ports.load_spec(str(path))


def _article_tables(out: str) -> dict[str, list[list[str]]]:
    """{row name: its cells} of every table `crosscheck article` prints."""
    rows = {}
    for line in out.splitlines():
        if line.startswith("   ") and not line.startswith("    ") and "  " in line.strip():
            name, *cells = [c for c in line.strip().split("  ") if c.strip()]
            rows.setdefault(name.strip(), [c.strip() for c in cells])
    return rows


@needs_html
def test_a_wrong_partial_is_marked_on_the_page_and_in_the_article(tmp_path):
    """README's buggy homework port (dL/dw2 takes x1): its dL/dw2 is marked, on the page (in
    workers) and in `crosscheck article`, with the reference's value; no other value is; its
    factors are labelled by hand, not autograd."""
    buggy = _buggy(tmp_path)
    page = tmp_path / "buggy.html"
    argv = ["--port", str(buggy), "--frameworks", "numpy,homework", "--dtypes", "float64"]
    proc = _run("compare", *argv, "--jobs", "2", "--quiet", "--html", str(page))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    parsed = Articles(page.read_text())
    marked = [(t["header"], row[0][0], i) for t in parsed.tables for row in t["rows"]
              for i, (_, cls) in enumerate(row) if "off" in cls.split()]  # fmt: skip
    assert [(header[i], name) for header, name, i in marked] == [("homework", "dL/dw2")]
    assert len(parsed.off_lines) == 1 and parsed.off_lines[0].startswith("* homework dL/dw2: 0.02146953527")
    factors = [row for t in parsed.tables for row in t["rows"] if row[0][0] == "dh1/dw1"]
    assert [cell[0] for cell in factors[0][3:]] == ["(by hand)"]

    proc = _run("article", *argv)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = _article_tables(proc.stdout)
    partials = {name: rows[name] for name in (f"dL/d{q}" for q in PARAM_NAMES)}
    starred = [name for name, cells in partials.items() if any(c.endswith(lesson.OFF_MARK) for c in cells)]
    assert starred == ["dL/dw2"]
    assert "* homework dL/dw2: 0.02146953527, the reference 0.01073476763" in proc.stdout
    assert "(autograd)" not in proc.stdout and "(by hand)" in proc.stdout


def test_the_article_in_float32_says_so_and_derives_by_hand_in_float32():
    """Every number of `crosscheck article --dtypes float32` is a float32 one: the header says
    so, and the hand derivation's dL/dw1 is the reference's own float32 partial."""
    proc = subprocess.run(
        [sys.executable, "-m", "nn_crosscheck", "article", "--dtypes", "float32", "--frameworks", "numpy"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "beside what each framework computes (float32, CPU)." in proc.stdout
    hand = lesson.work(Case("numpy", "cpu", "float32", "eager")).by_hand
    ex = article.BACKPROP_EXAMPLE
    grads = ports.load("numpy").loss_and_grads(ex["params"], ex["x"], ex["y_true"], dtype="float32")[1]
    in_float64 = lesson.work(Case("numpy", "cpu", "float64", "eager")).by_hand["dL/dw1"]
    assert hand["dL/dw1"] == grads["w1"] != in_float64
    assert f"{hand['dL/dw1']:.10g}" in proc.stdout
