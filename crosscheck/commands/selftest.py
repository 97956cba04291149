"""`crosscheck selftest`: every catalogued porting bug must be caught by the compare checks."""

import sys

from nn_crosscheck import ports
from nn_crosscheck.reference import SHARED_WEIGHTS

from ..engine.mutants import MUTANTS, MutantTask, protocol_mutants
from ..engine.precision import preflight
from ..engine.workers import Failed, Workers
from ..errors import UsageError
from ..reports.json import write_json
from ..reports.selftest import render
from .options import writable


def catalogued(framework: str) -> bool:
    return any(m.framework == framework for m in MUTANTS)


def chosen(args) -> list:
    """The mutants made from the selected frameworks, dtypes and modes (all run on the CPU): the
    catalogue's for a framework it has mutants of, the protocol-level ones for every other port
    (TensorFlow, the scalar engine, an outside port): each registered one that is available, or
    each named in --frameworks, which must be."""
    if args.devices not in (None, ("cpu",)):
        raise UsageError("selftest runs its mutants on the cpu only")
    available = ports.availability()
    if args.frameworks:
        outside = [f for f in args.frameworks if not catalogued(f)]
        for framework in outside:
            if available[framework]:
                raise UsageError(
                    f"framework {framework!r} was requested but is unavailable: {available[framework]}"
                )
    else:
        outside = [f for f, error in available.items() if not catalogued(f) and not error]
    candidates = MUTANTS + [m for f in outside for m in protocol_mutants(f)]
    mutants = [
        m
        for m in candidates
        if (not args.frameworks or m.framework in args.frameworks)
        and (not args.dtypes or m.dtype in args.dtypes)
        and (not args.modes or m.mode in args.modes)
    ]
    if not mutants:
        raise UsageError("nothing to run: no mutant is made from the selected frameworks, dtypes and modes")
    return mutants


def baseline_failures(mutants, workers: Workers) -> list[str]:
    """Each unmutated port the mutants are made from, through the same checks, in each dtype and
    mode a mutant runs in: the lines of every one that is not a PASS (a self-test on a port that
    already disagrees would prove nothing: its mutants would be "caught" by its own bug)."""
    from ..engine.cases import Case
    from ..engine.suite import CaseTask, ended_early
    from ..reports.compare import divergence_line, failure_lines, verdict_line

    bases = list(dict.fromkeys(Case(m.framework, "cpu", m.dtype, m.mode) for m in mutants))
    results = workers.run([CaseTask.of([case]) for case in bases], SHARED_WEIGHTS)
    reports = [r[0] if isinstance(r, list) else ended_early(c, r.note) for c, r in zip(bases, results)]
    bad = [r for r in reports if r.verdict != "PASS"]
    lines = [line for r in bad for line in [*failure_lines(r), divergence_line(r)] if line]
    return [verdict_line(bad), *(f"  {line}" for line in lines)] if bad else []


def unfinished(mutant, failed: Failed) -> dict:
    """A mutant whose run gave no result (its worker died or ran out of time): not caught."""
    from ..engine.cases import Case

    case = Case(mutant.framework, "cpu", mutant.dtype, mutant.mode, variant=mutant.name)
    return {"name": mutant.name, "description": mutant.description, "case": case.id, "caught": False,
            "check": None, "ratio": None, "checks_failed": [], "narrow": False,
            "ended": failed.note}  # fmt: skip


def run(args) -> int:
    mutants = chosen(args)
    writable(args.json, "the JSON report")
    with Workers(args.jobs, args.timeout) as workers:
        workers.prepare(tuple(dict.fromkeys(m.dtype for m in mutants)), SHARED_WEIGHTS)
        preflight(tuple(sorted({m.framework for m in mutants})))
        if not args.quiet:
            print(f"the unmutated port{'s' if len({m.framework for m in mutants}) > 1 else ''} first ...",
                  file=sys.stderr, flush=True)  # fmt: skip
        failures = baseline_failures(mutants, workers)
        if failures:
            print("the port itself disagrees with the reference: fix that first (no mutant was run)")
            print("\n".join(failures))
            if args.json:
                write_json({"verdict": "fail", "baseline": failures, "mutants": []}, args.json)
            return 1
        done = [0]

        def finished(task, result, seconds) -> None:
            done[0] += 1
            if not args.quiet:
                caught = "ended early" if isinstance(result, Failed) else "SURVIVED"
                caught = "caught" if isinstance(result, dict) and result["caught"] else caught
                print(f"[{done[0]}/{len(mutants)}] {task.name}: {caught}", file=sys.stderr, flush=True)

        found = workers.run([MutantTask.of(m) for m in mutants], SHARED_WEIGHTS, on_done=finished)
    results = [unfinished(m, r) if isinstance(r, Failed) else r for m, r in zip(mutants, found)]
    print(render(results))
    survivors = [r["name"] for r in results if not r["caught"]]
    if args.json:
        write_json({"verdict": "fail" if survivors else "pass", "mutants": results}, args.json)
    return 1 if survivors else 0
