"""The documentation site (mkdocs.yml): built with warnings as errors, every internal link and
anchor of every page alive, nothing loaded from elsewhere, the lesson page holding the notebook's
outputs, and in headless Chromium, over HTTP as a reader would serve it, the index and the lesson
open with no console error.

`.ci/run` builds the site once (`mkdocs build --strict`) and names it in NN_CROSSCHECK_SITE;
without that variable the site is built here, into a temporary directory. Skipped, with the
reason, without the `docs` extra (or, for the browser test, without Chromium).
"""

import functools
import http.server
import importlib.util
import os
import re
import subprocess
import sys
import threading
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from nn_crosscheck.ports import cdp as browser

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ("http:", "https:", "//", "mailto:", "data:", "javascript:")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    named = os.environ.get("NN_CROSSCHECK_SITE")
    if named:
        path = Path(named).resolve()
        assert (path / "index.html").is_file(), f"NN_CROSSCHECK_SITE={named} holds no built site"
        return path
    missing = [m for m in ("mkdocs", "material", "mkdocs_jupyter") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the site needs the docs extra ({', '.join(missing)} missing)")
    path = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return path


class Page(HTMLParser):
    """What one built page links to and what it can be linked to at."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []  # <a href>
        self.loads: list[str] = []  # what the page fetches: scripts, stylesheets, images
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.anchors.update(v for k, v in attrs.items() if k in ("id", "name") and v)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag in ("script", "img") and attrs.get("src"):
            self.loads.append(attrs["src"])
        elif tag == "link" and attrs.get("href") and "stylesheet" in (attrs.get("rel") or ""):
            self.loads.append(attrs["href"])


@functools.cache
def parsed(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(errors="replace"))
    return page


def target(site: Path, page: Path, href: str) -> tuple[Path, str]:
    """The file `href` on `page` names, and its fragment."""
    url = urljoin("http://site/" + page.relative_to(site).as_posix(), href)
    parts = urlsplit(url)
    path = site / unquote(parts.path).lstrip("/")
    if parts.path.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path, unquote(parts.fragment)


def dead_links(site: Path) -> list[str]:
    """Every internal link, anchor and load (a script, a stylesheet, an image) of every page that
    names nothing in the site."""
    dead = []
    for page in sorted(site.rglob("*.html")):
        for src in parsed(page).loads:
            if not src.startswith(EXTERNAL) and not target(site, page, src)[0].is_file():
                dead.append(f"{page.relative_to(site)}: loads {src} (not in the site)")
        for href in parsed(page).links:
            if href.startswith(EXTERNAL):
                continue
            path, fragment = target(site, page, href)
            if not path.is_file():
                dead.append(f"{page.relative_to(site)}: {href} (no {path.relative_to(site)})")
            elif fragment and path.suffix == ".html" and fragment not in parsed(path).anchors:
                dead.append(f"{page.relative_to(site)}: {href} (no anchor #{fragment})")
    return dead


def test_every_internal_link_and_anchor_of_the_site_is_alive(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 12, [p.relative_to(site).as_posix() for p in pages]
    linked = sum(len(parsed(p).links) for p in pages)
    assert linked > 100  # the crawl saw the pages' links, not empty shells
    assert dead_links(site) == []


def test_the_crawl_finds_a_dead_link_and_a_dead_anchor(site, tmp_path):
    """The crawl bites: a page that links to a missing page and to a missing heading."""
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    index = copy / "index.html"
    html = index.read_text()
    dead = '<a href="nowhere/">x</a><a href="budgets/#no-such">y</a>'
    index.write_text(html.replace("</body>", dead + "</body>"))
    parsed.cache_clear()
    assert dead_links(copy) == [
        "index.html: nowhere/ (no nowhere/index.html)",
        "index.html: budgets/#no-such (no anchor #no-such)",
    ]


def test_the_site_loads_nothing_from_elsewhere(site):
    """No font, script or stylesheet from another host: the site reads offline, as the report does."""
    outside = [
        f"{page.relative_to(site)}: {src}"
        for page in sorted(site.rglob("*.html"))
        for src in parsed(page).loads
        if src.startswith(EXTERNAL[:3])
    ]
    assert outside == []


def test_the_lesson_page_holds_the_notebooks_outputs(site):
    html = (site / "lesson" / "index.html").read_text()
    assert "PASS: numpy-cpu-float64 agrees with the reference" in html  # the comparison cell
    assert "FAIL: student-cpu-float64 disagrees with the reference" in html  # the exercise
    assert "first divergence at step 0 (epoch 0, sample Alice), parameter w2" in html


def test_the_api_page_is_the_docstrings_of_the_public_names(site):
    import nn_crosscheck
    from nn_crosscheck import api, ports

    html = (site / "api" / "index.html").read_text()
    assert ":::" not in html  # every directive became an entry
    text = html_unescape(" ".join(re.sub(r"<[^>]+>", "", html).split()))  # what a reader sees
    for name in set(nn_crosscheck.__all__) - {"__version__"}:
        assert f"nn_crosscheck.{name}" in text
    for obj in (api.check, api.Result, api.Result.failures, ports.load, ports.TrainResult, ports.Port.train):
        first_line = " ".join(obj.__doc__.strip().splitlines()[0].replace("`", "").split())
        assert first_line in text, first_line
    assert "nn_crosscheck.api.Result" not in text and "-> Result" in text  # the public names


@pytest.fixture(scope="module")
def served(site):
    """The built site over HTTP on a free local port (mkdocs-material's search runs in a web
    worker, which a file:// page may not start)."""
    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.parametrize("page", ["", "lesson/"], ids=["index", "lesson"])
def test_the_site_opens_in_a_browser_with_no_console_error(served, page):
    binary = browser.find_chromium()
    if binary is None:
        pytest.skip("no Chromium found (Debian: apt-get install chromium; or set NN_CROSSCHECK_CHROMIUM)")
    with browser.Browser.start(binary) as chromium:
        chromium.open(served + page)
        title = chromium.evaluate("document.title")
        headings = chromium.evaluate("document.querySelectorAll('article h1, .jp-Notebook').length")
        errors = chromium.console_errors
    assert "nn-crosscheck" in title
    assert headings >= 1
    assert errors == []
