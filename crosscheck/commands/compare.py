"""`crosscheck compare`: every implementation against the reference, in one table."""

import sys

from nn_crosscheck import ports
from nn_crosscheck.ports import DTYPES

from ..engine import lesson
from ..engine.cases import select
from ..engine.suite import CaseReport, CaseTask, ended_early
from ..engine.workers import Failed, Workers, plan
from ..errors import UsageError
from ..reports import compare as report
from ..reports.json import write_json
from .options import check_bundle_path, check_weights, initial_weights, weights_problem, writable


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


def run_all(
    cases, params, quiet: bool, exact: bool = False, workers: Workers | None = None, worked=()
) -> list:
    """Every case through run_case (in `workers`' processes; by default in this one), the
    reports in the order of `cases`, a progress line on stderr as each finishes; the reports of
    `worked` also carry their framework's worked examples (engine/lesson.py), computed there."""
    workers = workers or Workers(jobs=1)
    serial = workers.jobs == 1
    done = [0]

    def started(task) -> None:
        if not quiet and serial:
            print(f"[{done[0] + 1}/{len(cases)}] {task.id}: forward, gradients, training ...",
                  file=sys.stderr, flush=True)  # fmt: skip

    def finished(task, result, seconds) -> None:
        if isinstance(result, Failed) and task.size > 1:
            return  # its cases run again, one by one (below)
        for case, r in per_case(task, result):
            done[0] += 1
            if not quiet:
                said = "ERROR" if isinstance(r, Failed) else f"{r.verdict} ({r.seconds:.1f} s)"
                print(f"[{done[0]}/{len(cases)}] {case.id}: {said}", file=sys.stderr, flush=True)

    groups = plan(cases, workers.jobs) if not serial else [(case,) for case in cases]
    tasks = [CaseTask.of(group, exact, worked) for group in groups]
    results = workers.run(tasks, params, on_done=finished, on_start=started)
    found = _by_case(workers, tasks, results, params, finished)
    reports = [found[case] for case in cases]
    for case, r in zip(cases, reports):
        r.case = case  # the selection's own (its port loaded here when the report needs it)
    report.mark_compiled_only(reports)
    return reports


def per_case(task: CaseTask, result) -> list[tuple]:
    """(case, its report or the Failed of the whole task) for each case of `task`."""
    return list(zip(task.cases, result if isinstance(result, list) else [result] * task.size))


def _by_case(workers: Workers, tasks: list, results: list, params, finished) -> dict:
    """{case: its report}, where a group whose worker died or ran out of time has had each of
    its cases run again, alone, so that the one that ended it is named and the others judged."""
    ended = [i for i, (t, r) in enumerate(zip(tasks, results)) if isinstance(r, Failed) and t.size > 1]
    if ended:
        again = [CaseTask.of([case], tasks[i].exact, tasks[i].worked)
                 for i in ended for case in tasks[i].cases]  # fmt: skip
        kept = [i for i in range(len(tasks)) if i not in ended]
        results = [results[i] for i in kept] + workers.run(again, params, on_done=finished)
        tasks = [tasks[i] for i in kept] + again
    found = {}
    for task, result in zip(tasks, results):
        for case, r in per_case(task, result):
            found[case] = ended_early(case, r.note, r.traceback) if isinstance(r, Failed) else r
    return found


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
    with Workers(args.jobs, args.timeout) as workers:
        # The workers import the frameworks and compute the reference's runs; this process
        # imports none of them (with --jobs 1, it does it all itself).
        sound = [d for d in args.dtypes or DTYPES if weights_problem(weights, d) is None]
        workers.prepare(sound, weights["params"], ("numpy", *(args.frameworks or ports.names())))
        with ports.registry.surveyed(workers.surveys()):
            selection = select(args.frameworks, args.devices, args.dtypes, args.modes)
            check_weights(weights, {c.dtype for c in selection.cases})
            worked = lesson.chosen(selection.cases) if args.html else ()  # the page's, computed there
            reports = run_all(selection.cases, weights["params"], args.quiet, args.exact, workers, worked)
            workers.close()
            return _report(args, reports, selection, weights, workers.timing)


def _report(args, reports, selection, weights, timing) -> int:
    """Print the table and write the reports the flags ask for; the exit status."""
    if args.verbose:
        print_tracebacks(reports)
    print(report.render(reports, selection.status, weights, selection.notes, timing))
    data = report.to_json(reports, selection.status, weights, timing)
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

        plot_losses(reports, args.plot)
        print(f"plot written to {args.plot}")
    if args.html:
        from ..reports.html import write_html

        write_html(reports, data, selection.notes, args.html)
        print(f"HTML report written to {args.html}")
    return 0 if data["verdict"] == "pass" else 1
