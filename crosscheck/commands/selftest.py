"""`crosscheck selftest`: every catalogued porting bug must be caught by the compare checks."""

import sys

from ..engine.mutants import MUTANTS, run_mutant
from ..engine.precision import preflight
from ..errors import UsageError
from ..reports.json import write_json
from ..reports.selftest import render


def chosen(args) -> list:
    """The mutants made from the selected frameworks, dtypes and modes (all run on the CPU)."""
    if args.devices not in (None, ("cpu",)):
        raise UsageError("selftest runs its mutants on the cpu only")
    mutants = [
        m
        for m in MUTANTS
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
