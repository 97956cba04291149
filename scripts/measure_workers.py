"""Measure compare in worker processes against compare in one process, on this machine.

Runs `crosscheck compare --json` twice in fresh processes, with --jobs 1 (every implementation
in one process, one after another) and with the default (a worker per core), and prints each
one's wall time, CPU time and critical path (from its own JSON report, engine/workers.py), the
ratio of the two wall times, the parallel run's wall time as a multiple of its critical path,
each implementation's seconds in both, and whether the two reports agree on every number (the
verdict, every check, every implementation's predictions; the seconds and the timing aside).
Run: python scripts/measure_workers.py [compare's selection flags, e.g. --dtypes float64]
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def numbers(report: dict) -> dict:
    """What two runs must agree on: everything but timings."""
    for impl in report["implementations"]:
        impl.pop("train_seconds")
        impl.pop("seconds")
    return {k: report[k] for k in ("verdict", "weights", "checks", "implementations", "divergence")}


def compare(jobs: list[str], flags: list[str], out: Path) -> tuple[float, dict]:
    argv = [sys.executable, "-m", "nn_crosscheck", "compare", "--quiet", *jobs, *flags, "--json", str(out)]
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, capture_output=True)  # exit 1 (a FAIL) is a result, not an error
    seconds = time.perf_counter() - start
    return seconds, json.loads(out.read_text())


def main(flags: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        serial_s, serial = compare(["--jobs", "1"], flags, Path(tmp) / "serial.json")
        parallel_s, parallel = compare([], flags, Path(tmp) / "parallel.json")
    for name, seconds, report in (("--jobs 1", serial_s, serial), ("default", parallel_s, parallel)):
        t = report["timing"]
        print(f"{name:>9}: {seconds:6.1f} s wall (command), {t['wall_s']:6.1f} s wall (reported), "
              f"{t['cpu_s']:6.1f} s CPU, {t['jobs']} job(s), critical path {t['critical_path_s']:.1f} s "
              f"({', '.join(t['critical_path'])}); verdict {report['verdict']}")  # fmt: skip
    print("seconds of each implementation's checks (its framework's import included where first): "
          "--jobs 1, default")  # fmt: skip
    for one, other in zip(serial["implementations"], parallel["implementations"]):
        print(f"  {one['id']:32} {one['seconds']:6.1f} {other['seconds']:6.1f}")
    t = parallel["timing"]
    print(f"default / --jobs 1 wall: {parallel_s / serial_s:.2f}x")
    print(f"default wall / its critical path: {t['wall_s'] / t['critical_path_s']:.2f}x (reported wall), "
          f"{parallel_s / t['critical_path_s']:.2f}x (the command's)")  # fmt: skip
    same = numbers(serial) == numbers(parallel)
    print(f"same verdict and numbers: {'yes' if same else 'NO'}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
