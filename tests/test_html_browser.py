"""The HTML report in a real browser: headless Chromium opens the page from a file:// URL, and
the checks read the rendered DOM (nn_crosscheck.ports.cdp drives it over the DevTools protocol).

Skipped, with the reason, where no Chromium is installed (`.ci/run` installs Debian's package).
Set NN_CROSSCHECK_SCREENSHOT=docs/report.png to keep the screenshot (README shows that file).
"""

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from nn_crosscheck.cli import main
from nn_crosscheck.engine.step_code import PARTS
from nn_crosscheck.ports import cdp as browser

import drifted_port

pytest.importorskip("jinja2", reason="the HTML report needs the html extra (jinja2)")
pytest.importorskip("matplotlib", reason="the HTML report needs the html extra (matplotlib)")

# Every available framework, each one mode (eager or jit) and float64: the page of a full run,
# in a fraction of its time.
SELECTION = ("--modes", "eager,jit", "--dtypes", "float64", "--quiet")

# What the checks need from the rendered page, measured by the browser (layout included).
FACTS = """(() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return {width: r.width, height: r.height}; };
  const text = (e) => (e ? e.innerText.trim() : null);
  return {
    verdict: text(document.querySelector('#verdict')),
    implementations: [...document.querySelectorAll('#comparison tbody.implementation')].map((t) => ({
      id: t.dataset.implementation,
      shown: text(t.querySelector('th.impl-id')),
      badge: text(t.querySelector('th.impl-id .badge')),
      rows: [...t.querySelectorAll('tr[data-quantity]')].map((r) => ({
        quantity: r.dataset.quantity, verdict: text(r.querySelector('td.verdict')),
        background: getComputedStyle(r.querySelector('td')).backgroundColor,
      })),
      locator: text(t.querySelector('tr.locator')),
      idHeight: box(t.querySelector('th.impl-id')).height,
      ...box(t),
    })),
    code: [...document.querySelectorAll('.code-cell')].map((c) => ({
      framework: c.dataset.framework, part: c.dataset.part, chars: c.innerText.length, ...box(c),
    })),
    svgs: [...document.querySelectorAll('svg')].filter((s) => !s.parentElement.closest('svg')).map((s) => ({
      where: s.id || s.parentElement.className, children: s.childElementCount, ...box(s),
    })),
  };
})()"""


@pytest.fixture(scope="module")
def chromium() -> str:
    path = browser.find_chromium()
    if path is None:
        pytest.skip(
            f"no Chromium: none of {', '.join(browser.CANDIDATES)} on PATH and NN_CROSSCHECK_CHROMIUM unset "
            "(Debian: apt-get install chromium)"
        )
    return path


def _write(path: Path, *argv) -> tuple[int, dict]:
    json_path = path.with_suffix(".json")
    with contextlib.redirect_stdout(io.StringIO()):
        code = main([*argv, "--html", str(path), "--json", str(json_path)])
    return code, json.loads(json_path.read_text())


def _render(chromium: str, page: Path, screenshot: Path | None = None) -> dict:
    with browser.Browser.start(chromium) as b:
        b.open(page.resolve().as_uri())
        facts = b.evaluate(FACTS)
        if screenshot is not None:
            screenshot.write_bytes(b.screenshot())
        facts["console_errors"] = b.console_errors
    return facts


@pytest.fixture(scope="module")
def rendered(chromium, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("browser")
    code, data = _write(folder / "report.html", "report", *SELECTION)
    facts = _render(chromium, folder / "report.html", folder / "report.png")
    keep = os.environ.get("NN_CROSSCHECK_SCREENSHOT")
    if keep:
        shutil.copyfile(folder / "report.png", keep)
    return {"code": code, "data": data, "facts": facts, "screenshot": folder / "report.png"}


def test_table_lists_every_implementation_with_its_verdict(rendered):
    data, facts = rendered["data"], rendered["facts"]
    assert rendered["code"] == 0
    shown = {i["id"]: i["badge"] for i in facts["implementations"]}
    assert shown == {i["id"]: "PASS" if i["passed"] else "FAIL" for i in data["implementations"]}
    hidden = [i["id"] for i in facts["implementations"] if not (i["width"] > 0 and i["height"] > 0)]
    assert hidden == []
    for impl in facts["implementations"]:
        assert impl["shown"].startswith(impl["id"])
        assert [r["verdict"] for r in impl["rows"]] == ["PASS"] * 8, impl["id"]
    assert facts["verdict"] == "PASS"


def test_code_columns_are_present(rendered):
    frameworks = {i["framework"] for i in rendered["data"]["implementations"]}
    cells = {(c["framework"], c["part"]): c for c in rendered["facts"]["code"]}
    assert set(cells) == {(f, part) for f in frameworks for part in PARTS}
    empty = [key for key, c in cells.items() if not (c["chars"] > 0 and c["width"] > 0 and c["height"] > 0)]
    assert empty == []
    assert rendered["facts"]["code"][0]["framework"] == "numpy"  # the hand derivation first


def test_svgs_render_with_a_size(rendered):
    svgs = rendered["facts"]["svgs"]
    assert [s["where"] for s in svgs] == ["network", "plot"]
    flat = [s for s in svgs if not (s["width"] > 0 and s["height"] > 0 and s["children"] > 0)]
    assert flat == []


def test_console_shows_no_error(rendered):
    assert rendered["facts"]["console_errors"] == []


def test_screenshot_is_saved(rendered):
    png = rendered["screenshot"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000


def test_console_errors_are_seen(chromium, tmp_path):
    """The console check can fail: a page that logs an error is caught."""
    page = tmp_path / "error.html"
    page.write_text("<!DOCTYPE html><title>e</title><script>console.error('drifted')</script>")
    assert _render(chromium, page.with_name("error.html"))["console_errors"] == ["drifted"]


def test_drifted_port_shows_a_red_fail_row_and_the_locator(chromium, tmp_path, drifted):
    code, data = _write(
        tmp_path / "drifted.html", "report", "--frameworks", "numpy,drifted", "--dtypes", "float64"
    )
    assert code == 1
    facts = _render(chromium, tmp_path / "drifted.html")
    impl = next(i for i in facts["implementations"] if i["id"] == "drifted-cpu-float64")
    assert impl["badge"] == "FAIL" and facts["verdict"] == "FAIL"
    rows = {r["quantity"]: r for r in impl["rows"]}
    assert rows["trajectory"]["verdict"] == "FAIL"
    assert rows["trajectory"]["background"] != rows["forward"]["background"]  # marked, visibly
    step = drifted_port.DRIFT_STEP
    assert (
        f"first divergence at step {step} (epoch {step // 4}, sample Charlie), parameter w4"
        in impl["locator"]
    )
    assert data["divergence"]["step"] == step
    assert impl["idHeight"] == pytest.approx(impl["height"], abs=1)  # its red bar runs the whole block
    assert facts["console_errors"] == []
