"""`crosscheck selftest`: every catalogued porting bug must be caught by the compare checks."""

import sys

from nn_crosscheck import ports
from nn_crosscheck.reference import SHARED_WEIGHTS

from ..engine.mutants import MUTANTS, MutantTask, protocol_mutants
from ..engine.precision import preflight
from ..engine.workers import Failed, Workers
from ..errors import UsageError
from ..reports.json import write_json
from ..reports.selftest import overall, render
from .options import writable


def catalogued(framework: str) -> bool:
    return any(m.framework == framework for m in MUTANTS)


def availability_of(frameworks) -> dict[str, str | None]:
    """{framework: None where it imports, else why not}, of `frameworks` alone (each imported)."""
    found = {}
    for framework in frameworks:
        try:
            ports.load(framework)
            found[framework] = None
        except ports.PortUnavailable as error:
            found[framework] = str(error)
    return found


def chosen(args) -> list:
    """The mutants made from the selected frameworks, dtypes and modes (all run on the CPU): the
    catalogue's for a framework it has mutants of, the protocol-level ones for every other port
    (TensorFlow, the scalar engine, an outside port): each registered one that is available, or
    each named in --frameworks, which must be."""
    if args.devices not in (None, ("cpu",)):
        raise UsageError("selftest runs its mutants on the cpu only")
    if args.frameworks:  # only those are imported: a NumPy port's self-test imports no other framework
        outside = [f for f in args.frameworks if not catalogued(f)]
        for framework, error in availability_of(outside).items():
            if error:
                raise UsageError(f"framework {framework!r} was requested but is unavailable: {error}")
    else:
        outside = [f for f, error in ports.availability().items() if not catalogued(f) and not error]
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


def not_run(mutant, failed: Failed) -> dict:
    """A mutant whose run gave no result (it raised, its worker died or ran out of time): an error
    of the harness, neither caught nor a survivor."""
    from ..engine.cases import Case

    case = Case(mutant.framework, "cpu", mutant.dtype, mutant.mode, variant=mutant.name)
    return {"name": mutant.name, "description": mutant.description, "case": case.id, "caught": False,
            "check": None, "ratio": None, "checks_failed": [], "narrow": False,
            "error": failed.note}  # fmt: skip


def outcome(result) -> str:
    """One word for a mutant's result: caught, SURVIVED, or ERROR (it could not be judged)."""
    if isinstance(result, Failed) or result.get("error"):
        return "ERROR"
    return "caught" if result["caught"] else "SURVIVED"


EXIT = {"pass": 0, "fail": 1, "error": 3}  # error: a mutant could not be run, whatever else survived


def run(args) -> int:
    writable(args.json, "the JSON report")
    mutants = chosen(args)
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
                line = f"[{done[0]}/{len(mutants)}] {task.name}: {outcome(result)}"
                print(line, file=sys.stderr, flush=True)

        found = workers.run([MutantTask.of(m) for m in mutants], SHARED_WEIGHTS, on_done=finished)
    results = [not_run(m, r) if isinstance(r, Failed) else r for m, r in zip(mutants, found)]
    print(render(results))
    verdict = overall(results)
    if args.json:
        write_json({"verdict": verdict, "mutants": results}, args.json)
    return EXIT[verdict]
