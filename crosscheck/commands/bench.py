"""`crosscheck bench`: the article's 1000-epoch training, timed in each framework's idioms."""

import sys

from nn_crosscheck import ports

from ..engine.bench import bench
from ..engine.cases import select
from ..errors import UsageError
from ..reports import bench as report
from ..reports.json import write_json
from .options import writable


def run(args) -> int:
    writable(args.json, "the JSON report")
    if args.repeats < 1:
        raise UsageError(f"--repeats must be at least 1, got {args.repeats}")
    if args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, got {args.epochs}")
    selection = select(args.frameworks, args.devices, args.dtypes, args.modes, default_devices=("cpu",))

    def progress(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    # A port that only evaluates has no training to time: said, not timed.
    untimed = sorted({c.framework for c in selection.cases if not ports.info(c.framework).provides("train")})
    cases = [c for c in selection.cases if c.framework not in untimed]
    if not cases:
        raise UsageError(f"nothing to time: {', '.join(untimed)} only evaluate (no train)")
    results = bench(cases, args.repeats, args.epochs, progress)
    print(report.render(results, selection.status, args.repeats, args.epochs))
    if untimed:
        print(f"not timed: {', '.join(untimed)}, which only evaluate{'s' * (len(untimed) == 1)} (no train)")
    if args.json:
        write_json({**report.to_json(results, selection.status), "not_timed": untimed}, args.json)
    return 0 if all(r["agrees"] for r in results) else 1
