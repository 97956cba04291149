"""The TF32 trap, on a real GPU: torch's float32 run on CUDA with TF32 matmuls allowed and
pinned off, judged by the same checks as `crosscheck compare`, with the matmul canary's verdict.

Ampere and later GPUs may round matmul operands to TF32 (a 10-bit mantissa) when a float32
matmul is asked for; `torch.backends.cuda.matmul.allow_tf32` and
`torch.set_float32_matmul_precision` decide. The suite pins IEEE float32; this shows what the
checks say when that pin is lifted.

Run: python scripts/tf32_trap.py [--device cuda]   (on a machine without CUDA: --device cpu,
where TF32 does not exist and both settings agree)
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nn_crosscheck import ports
from nn_crosscheck.engine import checks
from nn_crosscheck.engine.cases import Case
from nn_crosscheck.engine.precision import canary_verdict
from nn_crosscheck.reference import DATA, SHARED_WEIGHTS


def judged(device: str, tf32: bool) -> list[str]:
    import torch

    port = ports.load("torch")
    port.pin_precision()
    if tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.set_float32_matmul_precision("high")
    checks._timed_train.cache_clear()
    case = Case("torch", device, "float32", "eager", variant="tf32" if tf32 else "")
    found = [checks.forward_check(case, SHARED_WEIGHTS, DATA, list(checks.PEOPLE))]
    for who, (x, y_true) in checks.PEOPLE.items():
        found += checks.gradient_checks(case, SHARED_WEIGHTS, x, y_true, who)
    found += checks.training_checks(case, SHARED_WEIGHTS)
    worst = {}
    for c in found:
        if c.quantity not in worst or c.ratio > worst[c.quantity].ratio:
            worst[c.quantity] = c
    canary = canary_verdict(port.matmul_canary(device))
    lines = [f"allow_tf32={tf32}: {port.precision()}; matmul canary: {canary}"]
    lines += [
        f"  {q:13s} err/tol {c.ratio:10.3g}  {'PASS' if c.passed else 'FAIL'}  max abs err "
        f"{c.max_abs_err:.3g}"
        for q, c in worst.items()
    ]
    failing = [c for c in worst.values() if not c.passed]
    lines += [f"  {c.describe()}" for c in failing[:2]]
    port.pin_precision()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    device = parser.parse_args().device
    for tf32 in (False, True):
        print("\n".join(judged(device, tf32)))


if __name__ == "__main__":
    main()
