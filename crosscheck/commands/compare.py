"""`crosscheck compare`: every implementation against the reference, in one table."""

import sys

import numpy as np

from ports import DEVICES, DTYPES, PORTS

from ..engine.cases import Case, all_cases
from ..engine.precision import preflight
from ..engine.suite import CaseReport, run_case
from ..errors import UsageError
from ..reports import compare as report
from .options import initial_weights, writable, write_json


def select_cases(args, status: dict) -> tuple[list[Case], list[str]]:
    """The cases to run, and notes on what was left out and why. Asking explicitly for a
    framework that cannot be imported, or for a device no selected framework has, is an error."""
    notes = []
    frameworks = []
    for name in args.frameworks or tuple(PORTS):
        if status[name]["available"]:
            frameworks.append(name)
        elif args.frameworks:
            raise UsageError(f"framework {name!r} was requested but is unavailable: {status[name]['error']}")
        else:
            notes.append(f"skipped: {status[name]['error']}")
    devices = args.devices or DEVICES
    candidates = all_cases(frameworks, devices, args.dtypes or DTYPES, args.modes)
    cases = [c for c in candidates if c.unavailable() is None]
    if args.devices:
        for device in args.devices:
            if not any(c.device == device for c in cases):
                present = "; ".join(f"{f}: {', '.join(status[f]['devices'])}" for f in frameworks)
                raise UsageError(
                    f"device {device!r} was requested but is not present (devices found: {present})"
                )
    notes += [f"skipped: {c.unavailable()} [{c.id}]" for c in candidates if c not in cases and args.devices]
    if not cases:
        raise UsageError(
            "nothing to run: no selected framework is available with the selected devices and modes"
        )
    return cases, notes


def run_compare(args) -> int:
    writable(args.json, "the JSON report")
    writable(args.plot, "the plot")
    writable(args.repro, "the reproduction bundle")
    weights = initial_weights(args)
    if args.plot:
        from ..reports.plot import require_matplotlib

        require_matplotlib()
        if not args.plot.lower().endswith(".png"):
            raise UsageError(f"{args.plot}: --plot writes a PNG: give a path ending in .png")
    status = preflight(tuple(dict.fromkeys(("numpy", *(args.frameworks or PORTS)))))
    cases, notes = select_cases(args, status)
    params = weights["params"]
    for dtype in sorted({c.dtype for c in cases}):
        for name, value in params.items():
            with np.errstate(over="ignore"):  # the overflow is what is being checked
                finite = np.isfinite(np.array(value, dtype=dtype))
            if not finite:
                raise UsageError(
                    f"initial weights ({weights['source']}): key {name!r}: {value} overflows {dtype}"
                )

    reports: list[CaseReport] = []
    for i, case in enumerate(cases, 1):
        if not args.quiet:
            print(
                f"[{i}/{len(cases)}] {case.id}: forward, gradients, training ...", file=sys.stderr, flush=True
            )
        reports.append(run_case(case, params))
        if not args.quiet:
            verdict = "PASS" if reports[-1].passed else "FAIL"
            print(f"[{i}/{len(cases)}] {case.id}: {verdict}", file=sys.stderr, flush=True)
    report.mark_jit_only(reports)

    print("nn-crosscheck compare: every implementation against the NumPy reference in the same dtype")
    for line in report.header_lines(status, weights) + notes:
        print(line)
    print()
    for line in report.table_lines(reports):
        print(line)
    print()
    print(report.verdict_line(reports))

    data = report.to_json(reports, status, weights)
    if args.json:
        write_json(data, args.json)
    if args.repro and data["verdict"] == "fail":
        from ..reports.repro import write_bundle

        commands = write_bundle(args.repro, reports, data)
        print(f"reproduction bundle written to {args.repro}; rerun the failing case(s) with:")
        for command in commands:
            print(f"  {command}")
    if args.plot:
        from ..reports.plot import plot_losses

        plot_losses(reports, params, args.plot)
        print(f"plot written to {args.plot}")
    return 0 if data["verdict"] == "pass" else 1
