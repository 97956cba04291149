"""`crosscheck selftest`: every catalogued porting bug must be caught by the compare checks."""

import sys

from nn_crosscheck import ports

from ..engine.mutants import MUTANTS, protocol_mutants, run_mutant
from ..engine.precision import preflight
from ..errors import UsageError
from ..reports.json import write_json
from ..reports.selftest import render


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


def run(args) -> int:
    mutants = chosen(args)
    preflight(tuple(sorted({m.framework for m in mutants})))
    results = []
    for i, mutant in enumerate(mutants, 1):
        if not args.quiet:
            print(f"[{i}/{len(mutants)}] {mutant.name} ...", file=sys.stderr, flush=True)
        results.append(run_mutant(mutant))
    print(render(results))
    survivors = [r["name"] for r in results if not r["caught"]]
    if args.json:
        write_json({"verdict": "fail" if survivors else "pass", "mutants": results}, args.json)
    return 1 if survivors else 0
