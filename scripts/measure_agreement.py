"""Measure how closely the implementations agree, in units of the tolerance multiples.

Prints, per quantity and dtype, the worst error / tolerance ratio and the same error as a
multiple of eps * (|expected| + scale), the unit crosscheck/engine/tolerances.py is written in, over
every present CPU case, the shared weights, the article's all-ones example and 30 random draws.
Run: python scripts/measure_agreement.py
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crosscheck.engine import checks
from crosscheck.engine.cases import all_cases
from crosscheck.engine.precision import preflight
from crosscheck.engine.tolerances import TOLERANCES
from reference import PARAM_NAMES, SHARED_WEIGHTS, article


def main() -> None:
    preflight()
    rng = np.random.default_rng(0)
    draws = [dict(zip(PARAM_NAMES, rng.uniform(-3, 3, 9))) for _ in range(30)]
    X = rng.uniform(-30, 30, (30, 2))
    labels = [f"x{i}" for i in range(len(X))]
    fixed = [SHARED_WEIGHTS, article.BACKPROP_EXAMPLE["params"]]
    worst: dict = {}

    def note(check):
        mult = TOLERANCES[check.quantity].rel if check.quantity in TOLERANCES else None
        key = (check.quantity, check.case.split("-")[2])
        if check.ratio > worst.get(key, (-1,))[0]:
            worst[key] = (check.ratio, mult, check.case, check.labels[check.worst])

    for case in all_cases(devices=("cpu",)):
        if case.unavailable():
            continue
        for check in checks.training_checks(case, SHARED_WEIGHTS):
            note(check)
        for params in fixed + draws:
            note(checks.forward_check(case, params, X, labels))
            for name, (x, y) in checks.PEOPLE.items():
                for check in checks.gradient_checks(case, params, x, y, name):
                    note(check)
                if any(params is p for p in fixed):
                    note(checks.fd_check(case, params, x, y, name))
    print(f"{'quantity':<13}{'dtype':<9}{'ratio':>7}{'in eps':>8}{'budget':>8}  where")
    for (quantity, dtype), (ratio, mult, case, label) in sorted(worst.items()):
        units = f"{ratio * mult:8.2f}{mult:>8}" if mult else f"{'':>16}"
        print(f"{quantity:<13}{dtype:<9}{ratio:>7.3f}{units}  {case} {label}")
    print("ratio: worst error / tolerance; in eps: the same error in units of eps * (|expected| + scale)")


if __name__ == "__main__":
    main()
