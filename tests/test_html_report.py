"""`crosscheck report --html` and `crosscheck compare --html`: one self-contained page whose
numbers are the compare run's, whose code is read from the ports, and whose FAIL rows carry the
locator's sentence. Read here as HTML; tests/test_html_browser.py opens it in Chromium."""

import contextlib
import inspect
import io
import json
import sys
import textwrap
import types
from html import unescape
from html.parser import HTMLParser

import pytest

from nn_crosscheck.cli import main
from nn_crosscheck.engine.step_code import PARTS, snippet
from nn_crosscheck.ports import PortError
from nn_crosscheck.reference import partials

import drifted_port

pytest.importorskip("jinja2", reason="the HTML report needs the html extra (jinja2)")
pytest.importorskip("matplotlib", reason="the HTML report needs the html extra (matplotlib)")

SMALL = ("--frameworks", "numpy,jax,scalar", "--dtypes", "float64", "--quiet")
# Attributes through which a page loads something (href also: a stylesheet link, an <a> is
# followed only when clicked, but an outside link has no place in a self-contained page either).
LOADING = {"src", "href", "xlink:href", "srcset", "poster", "data", "action", "formaction", "background"}


class Page(HTMLParser):
    """What a page is made of: every loading attribute, the tags, the text of each table row."""

    def __init__(self, text: str):
        super().__init__()
        self.references: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()
        self.rows: list[dict] = []  # {"attrs", "cells"} for every <tr>, in order
        self.bodies: list[dict] = []  # the attributes of every <tbody>
        self.style = ""
        self._in: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        self.references += [(tag, k, v) for k, v in attrs.items() if k in LOADING and v]
        if tag == "tbody":
            self.bodies.append(attrs)
        elif tag == "tr":
            self.rows.append({"attrs": attrs, "cells": [], "body": len(self.bodies) - 1})
        elif tag in ("td", "th") and self.rows:
            self.rows[-1]["cells"].append("")
        if tag in ("style", "td", "th"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag in ("style", "td", "th"):
            self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.style += data
        elif self._in in ("td", "th") and self.rows and self.rows[-1]["cells"]:
            self.rows[-1]["cells"][-1] += data


def write_page(path, *argv) -> tuple[int, str, dict | None]:
    """Run the command line; (exit status, stdout, the JSON report written beside the page)."""
    out = io.StringIO()
    json_path = path.with_suffix(".json")
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--html", str(path), "--json", str(json_path)])
    return code, out.getvalue(), json.loads(json_path.read_text()) if json_path.exists() else None


@pytest.fixture(scope="module")
def passing(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "r.html"
    code, out, data = write_page(path, "report", *SMALL)
    return {"code": code, "out": out, "data": data, "html": path.read_text(), "page": Page(path.read_text())}


def test_report_exits_0_and_writes_one_page(passing):
    assert passing["code"] == 0, passing["out"]
    assert passing["data"]["verdict"] == "pass"
    assert passing["html"].lstrip().startswith("<!DOCTYPE html>")
    assert "HTML report written to" in passing["out"]


def test_page_loads_nothing_from_the_network(passing):
    page = passing["page"]
    remote = [ref for ref in page.references if ref[2].strip().lower().startswith(("http:", "https:", "//"))]
    assert remote == [], f"the page loads from the network: {remote}"
    assert not page.tags & {"script", "link", "iframe", "img", "object", "embed"}, page.tags
    assert "url(" not in page.style and "@import" not in page.style
    assert "Content-Security-Policy" in passing["html"]


def test_the_scan_finds_a_remote_reference():
    """The scan above can fail: it sees a remote src and href, in HTML and in SVG."""
    page = Page('<img src="https://x.test/a.png"><svg><use xlink:href="http://x.test/s.svg#a"/></svg>')
    assert [r[2] for r in page.references] == ["https://x.test/a.png", "http://x.test/s.svg#a"]


def _table_rows(page: Page) -> dict[str, list[list[str]]]:
    """{implementation id: its quantity rows' cells} from the comparison table."""
    rows: dict[str, list[list[str]]] = {}
    for row in page.rows:
        if "data-quantity" in row["attrs"]:
            body = page.bodies[row["body"]]
            cells = [c.strip() for c in row["cells"]]
            rows.setdefault(body["data-implementation"], []).append(cells[-7:])
    return rows


def test_table_lists_every_implementation_and_quantity_with_its_verdict(passing):
    data, page = passing["data"], passing["page"]
    verdicts = {
        b["data-implementation"]: b["data-verdict"] for b in page.bodies if "data-implementation" in b
    }
    assert verdicts == {i["id"]: "PASS" if i["passed"] else "FAIL" for i in data["implementations"]}
    rows = _table_rows(page)
    for impl in data["implementations"]:
        quantities = [c["quantity"] for c in data["checks"] if c["framework"] == impl["framework"]
                      and c["dtype"] == impl["dtype"] and c["mode"] == impl["mode"]]  # fmt: skip
        assert [r[0] for r in rows[impl["id"]]] == quantities, impl["id"]


def test_table_shows_the_text_tables_strings(passing):
    """One source of numbers: each row of the page is a row of the text table of the same run."""
    text_rows = [line.split()[-7:] for line in passing["out"].splitlines()]
    missing = [(i, r) for i, rows in _table_rows(passing["page"]).items() for r in rows if r not in text_rows]
    assert missing == []


def test_code_is_the_ports_own_source(passing):
    source = textwrap.dedent(inspect.getsource(partials)).rstrip()
    html = passing["html"]
    assert source in unescape(html)  # the hand derivation, as reference/network.py has it now
    cells = {(r["data-framework"], r["data-part"]) for r in _code_cells(html)}
    frameworks = {i["framework"] for i in passing["data"]["implementations"]}
    assert cells == {(f, part) for f in frameworks for part in PARTS}
    heads = [a["data-framework"] for a in _code_heads(html)]
    assert heads[0] == "numpy"  # the hand derivation first


class _Divs(HTMLParser):
    def __init__(self, text: str, cls: str):
        super().__init__()
        self.found, self.cls = [], cls
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.cls in (attrs.get("class") or "").split():
            self.found.append(attrs)


def _code_cells(html: str) -> list[dict]:
    return _Divs(html, "code-cell").found


def _code_heads(html: str) -> list[dict]:
    return _Divs(html, "code-head").found


def test_article_numbers_are_shown(passing):
    html = passing["html"]
    for printed in ("0.999", "0.7216", "0.524", "-0.952", "0.0214", "0.951", "0.039"):
        assert f">{printed}<" in html, printed
    assert ">0.9990889488<" in html and ">0.02146953527<" in html  # computed, as `article` prints


def test_drifted_port_page_shows_the_fail_row_and_the_locators_sentence(tmp_path, drifted):
    path = tmp_path / "drifted.html"
    code, out, data = write_page(path, "compare", "--frameworks", "numpy,drifted", "--dtypes", "float64")
    assert code == 1
    page = Page(path.read_text())
    failing = [b["data-implementation"] for b in page.bodies if b.get("data-verdict") == "FAIL"]
    assert failing == ["drifted-cpu-float64"]
    fail_rows = {r["attrs"]["data-quantity"] for r in page.rows if r["attrs"].get("class") == "fail"}
    assert {"trajectory", "final_params"} <= fail_rows
    step = drifted_port.DRIFT_STEP
    sentence = f"first divergence at step {step} (epoch {step // 4}, sample Charlie), parameter w4"
    locator = [r for r in page.rows if r["attrs"].get("class") == "locator"]
    assert len(locator) == 1 and sentence in "".join(locator[0]["cells"])
    assert "".join(locator[0]["cells"]).split("Locator:")[1].strip() in out  # the text table's sentence
    assert data["divergence"]["id"] == "drifted-cpu-float64"
    assert "DRIFT_STEP" in path.read_text()  # the drifted port's own train, read from its file


def test_a_step_code_name_that_does_not_exist_is_a_port_error():
    module = types.ModuleType("halfport")
    module.forward = lambda params, X: X
    assert snippet(module, "forward").name == "forward"
    with pytest.raises(PortError, match=r"halfport: STEP_CODE names 'Net.forward', but 'Net' is not defined"):
        snippet(module, "Net.forward")


def test_missing_jinja2_is_a_usage_error_naming_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "jinja2", None)  # as if not installed
    path = tmp_path / "r.html"
    assert main(["report", "--frameworks", "numpy", "--html", str(path)]) == 2
    err = capsys.readouterr().err
    assert "--html needs jinja2" in err and "pip install jinja2 matplotlib" in err  # nothing not on an index
    assert not path.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report"], "the following arguments are required: --html"),
        (["report", "--html", "r.txt"], "r.txt: --html writes an HTML page"),
        (["compare", "--html", "/no/such/dir/r.html"], "directory /no/such/dir does not exist"),
    ],
)
def test_bad_html_arguments_exit_2(capsys, argv, message):
    try:
        code = main(argv)
    except SystemExit as exit_info:
        code = exit_info.code
    assert code == 2
    assert message in capsys.readouterr().err


class _Blocks(HTMLParser):
    """Each implementation's block of the comparison table: its id cell's rowspan, its rows."""

    def __init__(self, text: str):
        super().__init__()
        self.blocks: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody" and "data-implementation" in attrs:
            self.blocks.append(
                {"id": attrs["data-implementation"], "verdict": attrs["data-verdict"], "rows": 0}
            )
        elif self.blocks and "end" not in self.blocks[-1] and tag == "tr":
            self.blocks[-1]["rows"] += 1
        elif self.blocks and tag == "th" and "impl-id" in (attrs.get("class") or "").split():
            self.blocks[-1]["span"] = int(attrs["rowspan"])

    def handle_endtag(self, tag):
        if tag == "tbody" and self.blocks:
            self.blocks[-1]["end"] = True


def test_a_fail_blocks_id_cell_spans_every_line_of_its_block(tmp_path, drifted):
    """The id cell carries a FAIL block's red bar: it spans the block's quantity rows and its
    lines under them (summary, failing elements, the locator), so the bar runs the whole block."""
    path = tmp_path / "drifted.html"
    code, _, _ = write_page(path, "compare", "--frameworks", "numpy,drifted", "--dtypes", "float64")
    assert code == 1
    blocks = _Blocks(path.read_text()).blocks
    failing = [b for b in blocks if b["verdict"] == "FAIL"]
    assert [b["id"] for b in failing] == ["drifted-cpu-float64"] and failing[0]["rows"] > 9  # lines under it
    assert [(b["id"], b["span"]) for b in blocks] == [(b["id"], b["rows"]) for b in blocks]


def test_err_tol_is_shown_in_one_format():
    """err/tol: three decimals within budget; over it three significant digits, whatever its
    size (1372.932 and 43200 alike: 1.37e+03, 4.32e+04), in the column's width."""
    from nn_crosscheck.reports.compare import COLUMNS, _ratio

    width = next(c.width for c in COLUMNS if c.title == "err/tol")
    for x in (0.0, 0.0711, 0.5, 1.0):
        shown = _ratio(x)
        assert shown == f"{x:.3f}" and len(shown) <= width
    for x in (1.004, 3.14159, 12.345, 683.0, 999.7, 1372.932, 43200.0, 2.32e13, 9.61e99):
        shown = _ratio(x)
        digits = shown.split("e")[0].replace(".", "").lstrip("0")
        assert len(digits) == 3 and len(shown) <= width, shown
        assert float(shown) == pytest.approx(x, rel=5e-3), shown
