"""`crosscheck sweep --seeds N`: N networks from N initial draws, trained at once in every
framework, checked network by network, a sample rechecked through each port's own train; and
`crosscheck sweep --merge A.json B.json ...`: the reports of separate seed ranges as one.

Network i starts from the article's draw under seed first_seed + i, so any one of them can be
rerun alone with `crosscheck compare --seed S`.
"""

import json
import os
import sys
from pathlib import Path

from nn_crosscheck import ports

from ..engine.cases import one, select
from ..engine.sweep import MAX_SEEDS, ReferenceProcess, merge, sweep
from ..engine.sweep.stats import MergeError, Progress
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


def sweep_modes(cases: list) -> list:
    """Without --modes, one mode a framework: the one its port names for the sweep (SWEEP_MODE,
    e.g. TensorFlow's XLA: its eager mode takes ~30 s for 10,000 networks), else its first."""
    chosen = []
    for name in dict.fromkeys(c.framework for c in cases):
        mine = [c for c in cases if c.framework == name]
        preferred = getattr(mine[0].port, "SWEEP_MODE", None) or ports.info(name).modes[0]
        chosen += [c for c in mine if c.mode == preferred] or mine[:1]
    return chosen


def compilation_caches() -> None:
    """JAX's persistent compilation cache, where the user has set none: the sweep's compiled
    scan is then compiled once per machine, not once per run (measured here: 0.7 s -> 0.25 s for
    the JAX sweep of one network). Set before JAX is imported (it reads these then), so never
    for a caller that already imported it. TensorFlow has one too (TF_XLA_FLAGS
    --tf_xla_persistent_cache_directory), left off: TF 2.21 prints errors on stderr when it
    loads an entry (a text-format parse error, and "could lead to execution errors such as
    SIGILL" over tuning flags of this very CPU), a false alarm no user should have to read."""
    if "jax" not in sys.modules:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nn-crosscheck"
        os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(root / "jax"))
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.2")


def _check_args(args) -> None:
    writable(args.json, "the JSON report")
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise UsageError(f"--seeds must be between 1 and {MAX_SEEDS:,}, got {args.seeds}")
    if args.first_seed < 0 or args.first_seed + args.seeds > 2**32:
        raise UsageError("seeds must stay within [0, 2**32), as np.random.seed requires")
    if args.recheck < 0:
        raise UsageError(f"--recheck must be 0 or more, got {args.recheck}")


def run(args) -> int:
    if args.merge:
        return run_merge(args)
    _check_args(args)
    device = one(args.devices, "cpu", "--devices", "sweep")
    dtype = one(args.dtypes, "float64", "--dtypes", "sweep")
    compilation_caches()
    # The reference starts now, in its own process, while the frameworks are imported here.
    reference = ReferenceProcess(args.first_seed, args.seeds, dtype, args.amplification)
    try:
        selection = select(args.frameworks, (device,), (dtype,), args.modes, without_reference=True)
        cases, skipped = batched(selection.cases if args.modes else sweep_modes(selection.cases))
        progress = Progress(args.seeds * (1 + len(cases)), quiet=args.quiet)
        try:
            result = sweep(
                cases, args.first_seed, args.seeds, dtype,
                recheck_k=args.recheck, amplification=args.amplification, progress=progress,
                reference=reference,
            )  # fmt: skip
        finally:
            progress.close()
    finally:
        reference.close()
    data = report.to_json(result, selection.status, skipped)
    print(report.render(data))
    if args.json:
        write_json(data, args.json)
    return 0 if data["verdict"] == "pass" else 1


def _load(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}: not JSON: {error}") from None


def run_merge(args) -> int:
    """Combine the JSON reports of separate seed ranges (independent jobs) into one verdict."""
    writable(args.json, "the JSON report")
    reports = [_load(path) for path in args.merge]
    try:
        merged = merge(reports)
    except MergeError as error:
        raise UsageError(f"--merge: {error}") from None
    except KeyError as error:
        raise UsageError(f"--merge: a report lacks {error} (written by an older crosscheck sweep?)") from None
    data = {"schema_version": reports[0].get("schema_version"), **merged}
    data |= {"merged_from": list(args.merge), "environment": reports[0].get("environment", {})}
    print(report.render(data))
    if args.json:
        write_json(data, args.json)
    return 0 if data["verdict"] == "pass" else 1
