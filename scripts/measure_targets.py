"""Measure the speed targets of docs/benchmarks.md, each in fresh processes on this machine.

- import: every framework the suite tests (torch, jax, tensorflow, those installed) imported in
  a fresh interpreter (median of 5)
- reference vs script: `python -m nn_crosscheck.reference --seed 0` against the straight transcription of the
  article's script in tests/article_script.py doing the same (median of 7 each)
- suite: the README's test command, `python -m pytest -n auto --dist loadgroup` with CI=true
  (one run), as a multiple of the import time
- sweep: `crosscheck sweep --seeds 10000 --json s.json` (median of 3, the first of which may
  fill the compilation caches) as a multiple of `python -m nn_crosscheck.reference --seed 0` measured above,
  and the same for torch and jax alone (the frameworks of the target's first figure);
  and the sweep's peak memory for 20,000 and for 200,000 networks (the command's own and its
  reference process's peaks, from its JSON report; one run each, several minutes for 200,000)
Run: python scripts/measure_targets.py [--no-suite] [--no-sweep] [--no-memory]
"""

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITE_ARGS = ("-n", "auto", "--dist", "loadgroup")  # README's test command, across cores
SCRIPT = (
    "import sys; sys.path.insert(0, 'tests'); import article_script; print(article_script.run(0), end='')"
)


def wall(argv: list[str], repeats: int, env=None) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process_training() -> tuple[float, float]:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from nn_crosscheck.reference import ALL_Y_TRUES, DATA, SHARED_WEIGHTS, OurNeuralNetwork

    import article_script

    def timed(fn):
        times = []
        for _ in range(7):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    return timed(lambda: OurNeuralNetwork(SHARED_WEIGHTS).train(DATA, ALL_Y_TRUES)), timed(
        lambda: article_script.run(0)
    )


def sweep_report(seeds: int, directory: str, *extra: str) -> tuple[float, dict]:
    """One `crosscheck sweep --seeds N [extra]`: its wall time and its JSON report."""
    path = Path(directory) / f"sweep_{seeds}.json"
    argv = [sys.executable, "-m", "nn_crosscheck", "sweep", "--seeds", str(seeds), "--quiet"]
    seconds = wall([*argv, "--json", str(path), *extra], 1)
    return seconds, json.loads(path.read_text())


def sweep_targets(reference: float) -> None:
    with tempfile.TemporaryDirectory() as directory:
        if "--no-sweep" not in sys.argv:
            runs = [sweep_report(10_000, directory) for _ in range(3)]
            seconds = statistics.median(t for t, _ in runs)
            verdicts = ", ".join(r["verdict"] for _, r in runs)
            each = ", ".join(f"{t:.1f}" for t, _ in runs)
            print(f"crosscheck sweep --seeds 10000 --json s.json (median of 3: {each} s): {seconds:.1f} s "
                  f"= {seconds / reference:.0f} x python -m nn_crosscheck.reference "
                  f"({verdicts})")  # fmt: skip
            parts = runs[[t for t, _ in runs].index(seconds)][1]["seconds"]
            print(
                "  where the time went (that run): " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items())
            )
            pair = statistics.median(
                sweep_report(10_000, directory, "--frameworks", "torch,jax")[0] for _ in range(3)
            )
            print(f"  the same with --frameworks torch,jax (median of 3): {pair:.1f} s = "
                  f"{pair / reference:.0f} x python -m nn_crosscheck.reference")  # fmt: skip
        if "--no-memory" not in sys.argv:
            runs = {n: sweep_report(n, directory) for n in (20_000, 200_000)}
            for n, (seconds, report) in runs.items():
                peak = report["peak_rss_mb"]
                print(f"crosscheck sweep --seeds {n}: {seconds:.1f} s, peak memory {peak:.0f} MB "
                      f"(the command's and its reference process's), {report['verdict']}")  # fmt: skip
            ratio = runs[200_000][1]["peak_rss_mb"] / runs[20_000][1]["peak_rss_mb"]
            print(f"  peak memory, 200,000 networks against 20,000: {ratio:.2f}x")


def main() -> None:
    py = sys.executable
    frameworks = [f for f in ("torch", "jax", "tensorflow") if importlib.util.find_spec(f)]
    imports = wall([py, "-c", f"import {', '.join(frameworks)}"], 5)
    reference = wall([py, "-m", "nn_crosscheck.reference", "--seed", "0"], 7)
    script = wall([py, "-c", SCRIPT], 7)
    print(f"import {', '.join(frameworks)} (fresh process, median of 5): {imports:.2f} s")
    print(f"python -m nn_crosscheck.reference --seed 0 (median of 7):      {reference:.3f} s")
    print(f"the article's script, transcribed (median of 7): {script:.3f} s")
    print(f"  whole process, reference / script: {reference / script:.2f}")
    train_ref, train_script = in_process_training()
    print(
        f"  training alone, in process (median of 7): reference {train_ref:.4f} s, script {train_script:.4f}"
    )
    sweep_targets(reference)
    if "--no-suite" not in sys.argv:
        command = [py, "-m", "pytest", *SUITE_ARGS, "-q", "-p", "no:cacheprovider"]
        suite = wall(command, 1, env={**os.environ, "CI": "true"})
        print(
            f"python -m pytest {' '.join(SUITE_ARGS)} (CI=true, one run): {suite:.1f} s = "
            f"{suite / imports:.1f} x the import time"
        )


if __name__ == "__main__":
    main()
