"""`crosscheck selftest`: every catalogued porting bug must be caught by the compare checks."""

import math
import sys

from reference import SHARED_WEIGHTS

from ..engine.mutants import MUTANTS
from ..engine.precision import preflight
from ..engine.suite import run_case
from .options import write_json

NARROW = 10.0  # a mutant caught with its best error/tolerance ratio below this is flagged


def run_mutant(mutant) -> dict:
    case = mutant.case()
    report = run_case(case, SHARED_WEIGHTS)
    failed = [c for c in report.checks if not c.passed]
    best = max(report.checks, key=lambda c: c.ratio)
    return {
        "name": mutant.name,
        "description": mutant.description,
        "case": case.id,
        "caught": bool(failed),
        "check": best.quantity if failed else None,
        "ratio": best.ratio if math.isfinite(best.ratio) else None,
        "checks_failed": [c.quantity for c in failed],
        "narrow": bool(failed) and best.ratio < NARROW,
    }


def run_selftest(args) -> int:
    preflight(tuple(sorted({m.framework for m in MUTANTS})))
    results = []
    for i, mutant in enumerate(MUTANTS, 1):
        if not args.quiet:
            print(f"[{i}/{len(MUTANTS)}] {mutant.name} ...", file=sys.stderr, flush=True)
        results.append(run_mutant(mutant))

    print("nn-crosscheck selftest: each mutant is a porting bug; the compare checks must catch it")
    print()
    print(f"{'mutant':<20}  {'made from':<24}  {'caught':<6}  {'by':<13}  {'err/tol':>9}  bug")
    print(f"{'-' * 20}  {'-' * 24}  {'-' * 6}  {'-' * 13}  {'-' * 9}  {'-' * 30}")
    for r in results:
        ratio = "inf" if r["ratio"] is None else f"{r['ratio']:.3g}"
        note = f"narrow margin (< {NARROW:g}x); " if r["narrow"] else ""
        print(
            f"{r['name']:<20}  {r['case'].split('~')[0]:<24}  {'yes' if r['caught'] else 'NO':<6}  "
            f"{r['check'] or '-':<13}  {ratio:>9}  {note}{r['description']}"
        )
    survivors = [r["name"] for r in results if not r["caught"]]
    print()
    if survivors:
        print(f"FAIL: {len(survivors)} of {len(results)} mutants survived: {', '.join(survivors)}")
    else:
        print(f"PASS: all {len(results)} mutants caught")
    if args.json:
        write_json({"verdict": "fail" if survivors else "pass", "mutants": results}, args.json)
    return 1 if survivors else 0
