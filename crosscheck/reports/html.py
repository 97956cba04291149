"""The compare report as one self-contained HTML page (`crosscheck report --html PATH`, or
`crosscheck compare --html PATH`): Jinja2 templates (crosscheck/reports/templates/), CSS inline,
the network diagram and the loss plots as inline SVG (matplotlib's SVG backend, text drawn as
paths), no script; a Content-Security-Policy that lets the page load nothing from anywhere.

Every number on the page comes from the compare run it reports: the table's strings are the
text table's (reports.compare), the header is its JSON report's environment block, the plots are
reports.plot's figure, the article's worked numbers are nn_crosscheck.engine.lesson's (what
`crosscheck article` prints) for one case per framework, and the code is read from each port's
source with inspect when the page is written (nn_crosscheck.engine.step_code).
"""

import importlib.util
from pathlib import Path

from nn_crosscheck import ports
from nn_crosscheck.reference import PARAM_NAMES
from nn_crosscheck.reference import article as a

from ..engine import lesson
from ..engine.cases import Case
from ..engine.precision import describe as describe_precision
from ..engine.step_code import PARTS, step_code
from ..engine.suite import CaseReport
from ..errors import UsageError
from . import compare
from .compare import COLUMNS

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
    return {
        "id": r.case.id,
        "passed": r.passed,
        "verdict": r.verdict,
        "rows": compare.quantity_rows(r),
        "summary": compare.summary_line(r),
        "exact": compare.exact_line(r),
        "failures": compare.failure_lines(r),
        "divergence": compare.divergence_line(r),
    }


def article_cases(reports: list[CaseReport]) -> dict[str, Case]:
    """One case per framework for the article's worked examples: the first it ran, preferring
    the article's own arithmetic (float64, on the CPU) and the port's default mode."""

    def preference(c: Case) -> tuple:
        return (c.dtype != "float64", c.device != "cpu", c.mode != ports.info(c.framework).modes[0])

    cases: dict[str, Case] = {}
    for case in sorted((r.case for r in reports if not lesson.lacks(r.case)), key=preference):
        cases.setdefault(case.framework, case)
    return {f: cases[f] for f in dict.fromkeys(r.case.framework for r in reports) if f in cases}


def _predictions(reports: list[CaseReport]) -> lesson.Table:
    """Emily and Frank after training, from each implementation's compare run."""
    rows = [["article", f"{a.EMILY_PRINTED}", f"{a.FRANK_PRINTED}"]]
    rows += [[r.case.id, r.emily, r.frank] for r in reports if r.trained]
    return lesson.Table(["", "Emily (1 = F)", "Frank (0 = M)"], rows)


def _code(reports: list[CaseReport]) -> list[dict]:
    """Each framework's step code, the NumPy reference (the hand derivation) first, whether or
    not it was selected (every run is compared with it)."""
    frameworks = dict.fromkeys(["numpy", *(r.case.framework for r in reports)])
    return [{"name": f, "label": ports.info(f).label, "parts": step_code(f)} for f in frameworks]


def context(reports: list[CaseReport], data: dict, notes: list[str]) -> dict:
    """Everything the template shows, from one compare run: `data` is its JSON report
    (reports.compare.to_json), `notes` what the selection left out."""
    cases = article_cases(reports)
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
        "code": _code(reports),
        "article_cases": {f: c.id for f, c in cases.items()},
        "sections": lesson.worked_examples(cases) if cases else [],  # none: no port here trains
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
    env.filters["number"] = lambda x: f"{x:.6g}"
    return env.get_template("report.html.j2").render(ctx)


def write_html(reports: list[CaseReport], data: dict, notes: list[str], path: str) -> None:
    page = render(context(reports, data, notes))
    try:
        Path(path).write_text(page, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot write: {error.strerror or error}") from None
