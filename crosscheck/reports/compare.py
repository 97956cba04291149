"""The compare report: as a table for people and as JSON for machines (the same data)."""

import math
from dataclasses import replace

from nn_crosscheck import ports

from ..engine.cases import Case
from ..engine.judge import Check
from ..engine.locator import CAUSE_JIT
from ..engine.locator import describe as describe_divergence
from ..engine.precision import describe as describe_precision
from ..engine.suite import CaseReport
from .json import SCHEMA_VERSION, environment, versions_line
from .table import Column, table


def mark_compiled_only(reports: list[CaseReport]) -> None:
    """A run in a port's compiled mode that diverges while a twin in another mode of the same
    port agrees: the cause is the compilation."""
    verdicts = {r.case: r.passed for r in reports}
    for r in reports:
        info = ports.info(r.case.framework)
        if r.divergence is None or r.case.mode != info.compiled_mode:
            continue
        twins = [
            Case(r.case.framework, r.case.device, r.case.dtype, m) for m in info.modes if m != r.case.mode
        ]
        if any(verdicts.get(twin) is True for twin in twins):
            r.divergence["likely_cause"] = CAUSE_JIT.format(mode=r.case.mode)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def check_entry(case: Case, check: Check) -> dict:
    if check.note:
        return _unjudged_entry(case, check)
    i = check.worst
    return {
        "framework": case.framework,
        "device": case.device,
        "dtype": case.dtype,
        "mode": case.mode,
        "quantity": check.quantity,
        "max_abs_err": _finite(check.max_abs_err),
        "max_rel_err": _finite(check.max_rel_err),
        "tolerance": float(check.budget[i]),
        "magnitude": _finite(float(check.magnitude[i])),
        "ratio": _finite(check.ratio),
        "worst": check.labels[i],
        "passed": check.passed,
        "verdict": check.verdict.lower(),
    }


def _unjudged_entry(case: Case, check: Check) -> dict:
    """A check with no numbers: its verdict, why (`note`) and, where the port raised, the
    traceback."""
    entry = dict.fromkeys(("max_abs_err", "max_rel_err", "tolerance", "magnitude", "ratio", "worst"))
    return {
        "framework": case.framework, "device": case.device, "dtype": case.dtype, "mode": case.mode,
        "quantity": check.quantity, **entry, "passed": check.passed, "verdict": check.verdict.lower(),
        "note": check.note, **({"traceback": check.traceback} if check.traceback else {}),
    }  # fmt: skip


def overall_verdict(reports: list[CaseReport]) -> str:
    """The report's verdict: "error" where a port raised, else "fail" where anything disagrees,
    else "pass"."""
    verdicts = {r.verdict for r in reports}
    return "error" if "ERROR" in verdicts else "pass" if reports and verdicts == {"PASS"} else "fail"


def to_json(reports: list[CaseReport], preflight: dict, weights: dict, timing=None) -> dict:
    """{"verdict", "environment", "weights", "checks", "implementations", "divergence", "timing"}."""
    failing = [r for r in reports if r.divergence is not None]
    return {
        "schema_version": SCHEMA_VERSION,
        "verdict": overall_verdict(reports),
        "environment": environment(preflight),
        "weights": weights,
        "checks": [check_entry(r.case, c) for r in reports for c in r.checks],
        "implementations": [
            {
                "id": r.case.id,
                "framework": r.case.framework,
                "device": r.case.device,
                "dtype": r.case.dtype,
                "mode": r.case.mode,
                "passed": r.passed,
                "verdict": r.verdict.lower(),
                "train_seconds": r.train_seconds,
                "seconds": r.seconds,  # its whole run of the checks, the framework's import included if first
                "emily": r.emily,
                "frank": r.frank,
                "accuracy_vs_float64": r.accuracy or None,
                "divergence": r.divergence,
                "exact_ulps": r.exact or None,  # written with inf as null (json_safe)
                "warnings": r.warnings,
                "ended": r.ended or None,  # what ended the run early: its worker died, a timeout
            }
            for r in reports
        ],
        "divergence": ({"id": failing[0].case.id, **failing[0].divergence} if failing else None),
        "timing": timing.to_json() if timing is not None else None,
    }


def _g(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.2g}" if x else "0"


def header_lines(preflight: dict, weights: dict) -> list[str]:
    return [
        versions_line(environment(preflight)),
        *(f"  {line}" for line in describe_precision(preflight)),
        f"initial weights: {weights['source']}",
    ]


COLUMNS = (
    Column("implementation", 24),
    Column("quantity", 15),
    Column("max abs err", 12, ">"),
    Column("max rel err", 12, ">"),
    Column("tolerance", 10, ">"),
    Column("mag/|exp|", 9, ">"),
    Column("err/tol", 8, ">"),
    Column("verdict", 7, ">"),
)


def _ratio(x: float) -> str:
    """err/tol: three decimals within budget (up to 1: 0.071, 1.000), three significant digits
    over it (1.01, 12.3, 683, 1.37e+03, 4.32e+04), never more digits than that."""
    if not math.isfinite(x):
        return "inf"
    return f"{x:.3f}" if x <= 1 else f"{x:#.3g}".rstrip(".")


def quantity_rows(r: CaseReport) -> list[tuple[str, ...]]:
    """A row per quantity: quantity, max abs err, max rel err, tolerance, mag/|exp|, err/tol,
    verdict, as the table shows them (the HTML report shows the same strings); one row, "all",
    for a run that ended before it gave any result."""
    if r.ended:
        return [("all", "-", "-", "-", "-", "-", "ERROR")]
    return [_cells(c) for c in r.checks]


def _cells(c: Check) -> tuple[str, ...]:
    if c.note:
        return (c.quantity, "-", "-", "-", "-", "-", c.verdict)
    return (
        c.quantity, _g(c.max_abs_err), _g(c.max_rel_err), f"{c.budget[c.worst]:.2g}",
        _g(c.conditioning), _ratio(c.ratio), "PASS" if c.passed else "FAIL",
    )  # fmt: skip


def summary_line(r: CaseReport) -> str:
    """The training summary under an implementation's rows."""
    if r.ended:
        return f"not checked: {r.ended}"
    if not r.trained:
        if any(c.quantity == "trained_forward" for c in r.checks):
            return "not trained: the port has no train; trained_forward: the network the reference trained"
        return "not trained: train raised (below)"
    line = f"trained in {r.train_seconds:.2f} s; {predictions_said(r.emily, r.frank)}"
    if r.accuracy:
        line += f"; final params vs float64: {_g(r.accuracy['final_params_max_abs_err'])}"
    return line


def predictions_said(emily: float, frank: float) -> str:
    """Emily's and Frank's predictions, each labelled F above 0.5, else M; a NaN is no
    prediction, and is labelled neither (the port's forward raised, gave another shape, or gave
    NaN: its rows say which)."""
    if math.isnan(emily) and math.isnan(frank):
        return "Emily and Frank: predictions unavailable (nan)"
    said = [
        f"{who} {p:.6f} ({'F' if p > 0.5 else 'M'})" if not math.isnan(p) else f"{who} unavailable (nan)"
        for who, p in (("Emily", emily), ("Frank", frank))
    ]
    return ", ".join(said)


def exact_line(r: CaseReport) -> str | None:
    """--exact: each quantity's largest distance from the exact value, beside the reference's."""
    if not r.exact:
        return None
    parts = [
        f"{q} {_ulps(d['ulps'])} (reference {_ulps(d['reference_ulps'])}{_near_zero(d)})"
        for q, d in r.exact.items()
    ]
    return f"from the exact value, in ulps of {r.case.dtype}: " + ", ".join(parts)


def _near_zero(d: dict) -> str:
    """Why a distance is huge: its element's exact value is near 0 against its magnitude, where
    one ulp is tiny; the distances again in ulps at each element's magnitude."""
    near = d.get("near_zero")
    if not near:
        return ""
    return (
        f"; at {d['worst']} the exact value {near['exact']:.3g} is near 0, its terms of size "
        f"{near['magnitude']:.2g}: in ulps of each element's magnitude, {_ulps(near['ulps'])}, "
        f"reference {_ulps(near['reference_ulps'])}"
    )


def warnings_line(r: CaseReport) -> str | None:
    """What the port warned while it ran: shown, never counted against it."""
    if not r.warnings:
        return None
    said = "; ".join(f"{message} (x{count})" for message, count in r.warnings.items())
    return f"the port warned (its own business, not judged): {said}"


def _ulps(x: float) -> str:
    return "inf" if not math.isfinite(x) else f"{x:.2f}" if x < 100 else f"{x:.3g}"


def failure_lines(r: CaseReport) -> list[str]:
    """The worst element of each failing check (the trajectory's is the first divergence,
    `divergence_line`), and why each check that was not judged by its numbers was not; a
    family's error once."""
    if r.ended:
        return []  # the summary line says what ended it
    said = [c for c in r.checks if not c.passed and (c.quantity != "trajectory" or not r.divergence)]
    lines = [c.describe() for c in said]
    lines += [c.describe() for c in r.checks if c.outcome == "skip"]
    return list(dict.fromkeys(_once(line, r.checks) for line in lines))


def _once(line: str, checks: list[Check]) -> str:
    """A family's error or skip, said once for all its quantities: "loss, gradients: ..." """
    for c in checks:
        if c.outcome in ("error", "skip") and line == c.describe():
            same = [d.quantity for d in checks if d.outcome == c.outcome and d.note == c.note]
            return f"{', '.join(same)} {c.case}: {c.note}"
    return line


def divergence_line(r: CaseReport) -> str | None:
    """The first-divergence locator's sentence, for a training run that left the reference."""
    return describe_divergence(r.divergence) if r.divergence else None


def _rows(r: CaseReport, width: int):
    """An implementation's rows: one per quantity, then its training summary, then the worst
    element of each failing check and the first divergence."""
    for i, cells in enumerate(quantity_rows(r)):
        yield (r.case.id if i == 0 else "", *cells)
    divergence, exact, warned = divergence_line(r), exact_line(r), warnings_line(r)
    extra = [*([exact] if exact else []), *failure_lines(r), *([divergence] if divergence else [])]
    extra += [warned] if warned else []
    for line in [summary_line(r), *extra]:
        yield f"{'':<{width}}  {line}"


def table_lines(reports: list[CaseReport]) -> list[str]:
    """A block per implementation: a row per quantity, then its training summary."""
    width = max([COLUMNS[0].width, *(len(r.case.id) for r in reports)])  # the longest id fits
    columns = (replace(COLUMNS[0], width=width), *COLUMNS[1:])
    return table(columns, (row for r in reports for row in _rows(r, width)), rule=True)


def not_checked(reports: list[CaseReport]) -> str:
    """What was not checked because the port does not provide it, by the function it lacks:
    "not checked: loss_log, final_params, predictions, trajectory (no train)"; and in how many
    of several implementations. Empty where everything was."""
    lacking: dict[str, list[str]] = {}  # "(no train)": the quantities
    partial = 0
    for r in reports:
        skips = [c for c in r.checks if c.outcome == "skip" and c.note.startswith(ports.NOT_PROVIDED)]
        partial += bool(skips)
        for c in skips:
            quantities = lacking.setdefault(c.note.removeprefix(ports.NOT_PROVIDED).strip(), [])
            quantities += [c.quantity] if c.quantity not in quantities else []
    if not lacking:
        return ""
    said = "; ".join(f"{', '.join(quantities)} {why}" for why, quantities in lacking.items())
    where = f" in {partial} of them (SKIP rows)" if len(reports) > 1 else ""
    return f"; not checked{where}: {said}"


def verdict_line(reports: list[CaseReport]) -> str:
    """The verdict, last: which implementations raised, ended early or disagree, and what was not
    checked because the port does not provide it (`not_checked`)."""
    return _verdict(reports) + not_checked(reports)


def _verdict(reports: list[CaseReport]) -> str:
    failed = [r.case.id for r in reports if r.verdict == "FAIL"]
    ended = [r.case.id for r in reports if r.ended]
    raised = [r.case.id for r in reports if r.verdict == "ERROR" and not r.ended]
    verdict = "ERROR" if raised or ended else "FAIL" if failed else "PASS"
    if len(reports) == 1:
        what = {"FAIL": "disagrees with the reference", "PASS": "agrees with the reference"}
        return f"{verdict}: {reports[0].case.id} " + what.get(verdict, "ended early" if ended else "raised")
    if not (failed or raised or ended):
        some = " they compute" if not_checked(reports) else ""
        return f"PASS: all {len(reports)} implementations agree with the reference on every quantity{some}"
    groups = ((raised, "raised"), (ended, "ended early"), (failed, "disagree" + "s" * (len(failed) == 1)))
    parts = [f"{len(ids)} {verb}: {', '.join(ids)}" for ids, verb in groups if ids]
    first, *rest = parts
    count, said = first.split(" ", 1)
    return f"{verdict}: {count} of {len(reports)} implementations {said}" + "".join(f"; {p}" for p in rest)


def render(reports: list[CaseReport], preflight: dict, weights: dict, notes: list[str], timing=None) -> str:
    """The whole compare report as text: the table, where the time went (engine/workers.py),
    and the verdict, last."""
    return "\n".join(
        [
            "nn-crosscheck compare: every implementation against the NumPy reference in the same dtype",
            *header_lines(preflight, weights),
            *notes,
            "",
            *table_lines(reports),
            "",
            *([timing.line()] if timing is not None else []),
            verdict_line(reports),
        ]
    )
