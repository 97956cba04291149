"""`crosscheck compare`: every implementation against the reference, in one table."""

import sys

import numpy as np

from ..engine.cases import select
from ..engine.overflow import describe, first_overflow
from ..engine.suite import CaseReport, run_case
from ..errors import UsageError
from ..reports import compare as report
from ..reports.json import write_json
from .options import check_bundle_path, initial_weights, writable


def _check_outputs(args) -> None:
    writable(args.json, "the JSON report")
    writable(args.plot, "the plot")
    check_bundle_path(args.repro)
    writable(args.junit, "the JUnit report")
    _check_html(args.html)
    if getattr(args, "exact", False):
        from ..engine.exact import require

        require()
    if args.plot:
        from ..reports.plot import require_matplotlib

        require_matplotlib()
        if not args.plot.lower().endswith(".png"):
            raise UsageError(f"{args.plot}: --plot writes a PNG: give a path ending in .png")


def _check_html(path: str | None) -> None:
    if path is None:
        return
    from ..reports.html import check_path, require_html

    writable(path, "the HTML report")
    check_path(path)
    require_html()


def _check_weights(weights: dict, dtypes) -> None:
    """Every initial weight must be finite in every selected dtype, and so must the reference's
    arithmetic from them (engine/overflow.py)."""
    for dtype in sorted(dtypes):
        for name, value in weights["params"].items():
            with np.errstate(over="ignore"):  # the overflow is what is being checked
                finite = np.isfinite(np.array(value, dtype=dtype))
            if not finite:
                raise UsageError(
                    f"initial weights ({weights['source']}): key {name!r}: {value:g} is beyond the "
                    f"largest {dtype}, {np.finfo(dtype).max:.4g} (--dtypes float64 runs float64 alone)"
                )
        where = first_overflow(weights["params"], dtype)
        if where:
            raise UsageError(f"initial weights ({weights['source']}): {describe(where, dtype)}")


def run_all(cases, params, quiet: bool, exact: bool = False) -> list[CaseReport]:
    reports = []
    for i, case in enumerate(cases, 1):
        if not quiet:
            print(
                f"[{i}/{len(cases)}] {case.id}: forward, gradients, training ...", file=sys.stderr, flush=True
            )
        reports.append(run_case(case, params, exact=exact))
        if not quiet:
            print(f"[{i}/{len(cases)}] {case.id}: {reports[-1].verdict}", file=sys.stderr, flush=True)
    report.mark_compiled_only(reports)
    return reports


def print_tracebacks(reports: list[CaseReport]) -> None:
    """--verbose: the traceback of each protocol call that raised, once, on stderr."""
    seen = dict.fromkeys(
        (r.case.id, c.note, c.traceback) for r in reports for c in r.checks if c.outcome == "error"
    )
    for case, note, trace in seen:
        print(f"{case}: {note}\n{trace}", file=sys.stderr)


def run(args) -> int:
    _check_outputs(args)
    weights = initial_weights(args)
    selection = select(args.frameworks, args.devices, args.dtypes, args.modes)
    _check_weights(weights, {c.dtype for c in selection.cases})
    reports = run_all(selection.cases, weights["params"], args.quiet, exact=args.exact)
    if args.verbose:
        print_tracebacks(reports)
    print(report.render(reports, selection.status, weights, selection.notes))
    data = report.to_json(reports, selection.status, weights)
    if args.json:
        write_json(data, args.json)
    if args.junit:
        from ..reports.junit import write_junit

        write_junit(reports, args.junit, selection.notes)
    if args.repro and data["verdict"] != "pass":
        from ..reports.repro import write_bundle

        commands = write_bundle(args.repro, reports, data)
        print(f"reproduction bundle written to {args.repro}; rerun the failing case(s) with:")
        for command in commands:
            print(f"  {command}")
    if args.plot:
        from ..reports.plot import plot_losses

        plot_losses(reports, weights["params"], args.plot)
        print(f"plot written to {args.plot}")
    if args.html:
        from ..reports.html import write_html

        write_html(reports, data, selection.notes, args.html)
        print(f"HTML report written to {args.html}")
    return 0 if data["verdict"] == "pass" else 1
