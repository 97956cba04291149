"""`crosscheck sweep --seeds N`: N networks from N initial draws, trained at once in every
framework, checked network by network.

Network i starts from the article's draw under seed first_seed + i, so any one of them can be
rerun alone with `crosscheck compare --seed S`.
"""

import sys

from ..engine.cases import one, select
from ..engine.sweep import MAX_SEEDS, sweep
from ..errors import UsageError
from ..reports import sweep as report
from ..reports.json import write_json
from .options import writable


def batched(cases: list) -> tuple[list, list[str]]:
    """The cases whose port trains N networks at once (train_many, optional in the protocol),
    and a line for each of the others; none at all is a usage error."""
    runnable = [c for c in cases if getattr(c.port, "train_many", None) is not None]
    skipped = [
        f"skipped: {c.id}: the port defines no train_many (N networks at once), which the sweep needs"
        for c in cases
        if c not in runnable
    ]
    if not runnable:
        raise UsageError("nothing to sweep: " + "; ".join(s.removeprefix("skipped: ") for s in skipped))
    return runnable, skipped


def run(args) -> int:
    writable(args.json, "the JSON report")
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise UsageError(f"--seeds must be between 1 and {MAX_SEEDS:,}, got {args.seeds}")
    if args.first_seed < 0 or args.first_seed + args.seeds > 2**32:
        raise UsageError("seeds must stay within [0, 2**32), as np.random.seed requires")
    device = one(args.devices, "cpu", "--devices", "sweep")
    dtype = one(args.dtypes, "float64", "--dtypes", "sweep")
    selection = select(
        args.frameworks, (device,), (dtype,), args.modes, default_modes_first=True, without_reference=True
    )

    cases, skipped = batched(selection.cases)

    def progress(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    result = sweep(cases, args.first_seed, args.seeds, dtype, progress)
    data = report.to_json(result, selection.status, skipped)
    print(report.render(data))
    if args.json:
        write_json(data, args.json)
    return 0 if data["verdict"] == "pass" else 1
