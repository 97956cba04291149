"""The compare report as one self-contained HTML page (`crosscheck report --html PATH`, or
`crosscheck compare --html PATH`): Jinja2 templates (crosscheck/reports/templates/), CSS inline,
the network diagram and the loss plots as inline SVG (matplotlib's SVG backend, text drawn as
paths), no script; a Content-Security-Policy that lets the page load nothing from anywhere.

Every number on the page comes from the compare run it reports: the table's strings are the
text table's (reports.compare), the header is its JSON report's environment block, the plots are
reports.plot's figure, the article's worked numbers are nn_crosscheck.engine.lesson's (what
`crosscheck article` prints) for one case per framework, and the code is read from each port's
source with inspect (nn_crosscheck.engine.step_code). Those two are computed with the run, where
each case runs (a worker process, or this one with --jobs 1), and come back in its report
(CaseReport.worked): this module calls no port and imports no framework; it only renders.
"""

import importlib.util
from pathlib import Path

from nn_crosscheck import ports
from nn_crosscheck.reference import PARAM_NAMES
from nn_crosscheck.reference import article as a

from ..engine import lesson
from ..engine.precision import describe as describe_precision
from ..engine.step_code import PARTS, Snippet, step_code
from ..engine.suite import CaseReport
from ..errors import UsageError
from . import compare
from .compare import COLUMNS
from .json import write_whole

TEMPLATES = Path(__file__).parent / "templates"
EXTRA = "pip install jinja2 matplotlib (the project's 'html' extra)"


def require_html(flag: str = "--html") -> None:
    """A usage error naming the extra when Jinja2 or matplotlib cannot be imported."""
    missing = [m for m in ("jinja2", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(f"{flag} needs {' and '.join(missing)}: {EXTRA}")


def check_path(path: str) -> None:
    if not path.lower().endswith((".html", ".htm")):
        raise UsageError(f"{path}: --html writes an HTML page: give a path ending in .html")


def _implementation(r: CaseReport) -> dict:
    """One implementation's block of the table: its rows, then its lines (summary, failures,
    locator); `span`: how many rows of the table the block takes, its id's cell spanning all."""
    found = {
        "id": r.case.id,
        "passed": r.passed,
        "verdict": r.verdict,
        "rows": compare.quantity_rows(r),
        "summary": compare.summary_line(r),
        "exact": compare.exact_line(r),
        "failures": compare.failure_lines(r),
        "divergence": compare.divergence_line(r),
    }
    lines = [found["exact"], found["divergence"]]
    return found | {"span": len(found["rows"]) + 1 + len(found["failures"]) + sum(map(bool, lines))}


def worked(reports: list[CaseReport]) -> dict[str, lesson.Worked]:
    """{framework: its part in the worked examples}, as the run computed them (compare asks for
    them for one case per framework, lesson.chosen), in the order of the reports."""
    return {r.case.framework: r.worked for r in reports if r.worked is not None}


def _lacking(found: dict[str, lesson.Worked]) -> dict[str, lesson.Worked]:
    """The frameworks left out of the worked examples for a function they do not provide."""
    return {f: w for f, w in found.items() if w.lacks}


def _broken(found: dict[str, lesson.Worked]) -> dict[str, lesson.Worked]:
    """The frameworks left out of the worked examples for an error."""
    return {f: w for f, w in found.items() if not w.lacks}


def _not_worked(reports: list[CaseReport], found: dict) -> list[str]:
    """Why a framework whose chosen case ended before it gave a result has no worked examples."""
    ended = {r.case.framework: r.ended for r in reports if r.ended and r.case.framework not in found}
    return [f"{f} left out: {why}" for f, why in ended.items()]


def _predictions(reports: list[CaseReport]) -> lesson.Table:
    """Emily and Frank after training, from each implementation's compare run."""
    rows = [["article", f"{a.EMILY_PRINTED}", f"{a.FRANK_PRINTED}"]]
    rows += [[r.case.id, r.emily, r.frank] for r in reports if r.trained]
    return lesson.Table(["", "Emily (1 = F)", "Frank (0 = M)"], rows)


def _code(reports: list[CaseReport], found: dict[str, lesson.Worked]) -> list[dict]:
    """Each framework's step code, as its worker read it, the NumPy reference (the hand
    derivation) first, whether or not it was selected (every run is compared with it: read here,
    where NumPy is the reference's own)."""
    frameworks = dict.fromkeys(["numpy", *(r.case.framework for r in reports)])
    return [{"name": f, "label": ports.info(f).label, "parts": _parts(f, found)} for f in frameworks]


def _parts(framework: str, found: dict[str, lesson.Worked]) -> dict:
    """{part: snippets} of `framework`: as its run read them; where it read none (its run ended
    first), a line saying so; NumPy's read here when not selected."""
    code = found[framework].code if framework in found else None
    if code is None and framework == "numpy":
        code = step_code("numpy")
    if not isinstance(code, dict):
        why = code or "its run ended before it read the code"
        code = {part: [Snippet("-", "", 0, f"(source not available: {why})")] for part in PARTS}
    return code


def context(reports: list[CaseReport], data: dict, notes: list[str]) -> dict:
    """Everything the template shows, from one compare run: `data` is its JSON report
    (reports.compare.to_json), `notes` what the selection left out."""
    found = worked(reports)
    environment = data["environment"]
    return {
        "verdict": data["verdict"],
        "verdict_line": compare.verdict_line(reports),
        "environment": environment,
        "precision": describe_precision(environment["frameworks"]),
        "weights": data["weights"],
        "param_names": PARAM_NAMES,
        "notes": notes,
        "columns": [c.title for c in COLUMNS],
        "implementations": [_implementation(r) for r in reports],
        "plot": _plot(reports),
        "parts": PARTS,
        "code": _code(reports, found),
        "article_cases": {f: w.case for f, w in found.items() if w.usable},
        "sections": lesson.worked_examples(found),  # none: no port here computes gradients
        "lacking": [f"{line}; compare checks it" for line in lesson.left_out(_lacking(found))],
        "left_out": _not_worked(reports, found) + lesson.left_out(_broken(found)),
        "predictions": _predictions(reports),
        "weights_source": data["weights"]["source"],
    }


def _plot(reports: list[CaseReport]) -> str:
    from .plot import loss_svg

    return loss_svg(reports)


def render(ctx: dict) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = lesson.cell_text
    env.tests["off"] = lambda cell: isinstance(cell, lesson.Off)
    env.filters["number"] = lambda x: f"{x:.6g}"
    return env.get_template("report.html.j2").render(ctx)


def write_html(reports: list[CaseReport], data: dict, notes: list[str], path: str) -> None:
    page = render(context(reports, data, notes))
    write_whole(path, lambda out: out.write(page.encode("utf-8")), "the HTML report")
