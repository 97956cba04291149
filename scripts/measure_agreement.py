"""Measure how closely the implementations agree, in the units crosscheck/engine/tolerances.py uses.

Prints, per quantity and dtype, the worst error / budget ratio over every present CPU case and
the same error as a multiple of eps * magnitude (the unit each `c` multiplies), on the shared
weights, the article's all-ones example, uniform draws, saturating draws and draws aimed at
cancellation (a layer's two terms large and opposite at one person, Emily or Frank).
Run: python scripts/measure_agreement.py [--draws N]
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nn_crosscheck.engine import checks
from nn_crosscheck.engine.cases import all_cases
from nn_crosscheck.engine.precision import preflight
from nn_crosscheck.engine.tolerances import TOLERANCES
from nn_crosscheck.reference import EMILY, FRANK, PARAM_NAMES, SHARED_WEIGHTS, article

from strategies import cancel_at

INPUTS = {name: x for name, (x, _) in checks.PEOPLE.items()} | {"Emily": EMILY, "Frank": FRANK}


def weight_sets(rng, draws: int) -> dict[str, list[dict]]:
    def uniform(bound):
        return dict(zip(PARAM_NAMES, rng.uniform(-bound, bound, 9)))

    cancelling = [
        cancel_at(
            uniform(3), INPUTS[who], layer, rng.choice([-1, 1]) * 10 ** rng.uniform(1, 6), rng.uniform(-4, 4)
        )
        for _ in range(max(1, draws // 18))
        for who in INPUTS
        for layer in ("h1", "h2", "o1")
    ]
    return {
        "fixed": [SHARED_WEIGHTS, article.BACKPROP_EXAMPLE["params"]],
        "uniform": [uniform(3) for _ in range(draws)],
        "saturating": [uniform(40) for _ in range(draws)],
        "cancelling": cancelling,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=36, help="draws per family (default 36)")
    args = parser.parse_args()
    preflight()
    rng = np.random.default_rng(0)
    sets = weight_sets(rng, args.draws)
    X = np.array(list(INPUTS.values()) + rng.uniform(-30, 30, (10, 2)).tolist())
    labels = [f"x{i}" for i in range(len(X))]
    worst: dict = {}

    def note(check, family):
        key = (check.quantity, check.case.split("-")[2])
        if check.ratio > worst.get(key, (-1,))[0]:
            worst[key] = (check.ratio, check.case, family, check.labels[check.worst])

    for case in all_cases(devices=("cpu",)):
        if case.unavailable():
            continue
        for check in checks.training_checks(case, SHARED_WEIGHTS):
            note(check, "fixed")
        for family, params_list in sets.items():
            for params in params_list:
                note(checks.forward_check(case, params, X, labels), family)
                for name, (x, y) in checks.PEOPLE.items():
                    for check in checks.gradient_checks(case, params, x, y, name):
                        note(check, family)
                    if case.dtype == "float64" and family in ("fixed", "cancelling"):
                        note(checks.fd_check(case, params, x, y, name), family)
    print(f"{'quantity':<13}{'dtype':<9}{'err/tol':>9}{'in eps M':>10}{'c':>5}  where")
    for (quantity, dtype), (ratio, case, family, label) in sorted(worst.items()):
        c = TOLERANCES[quantity].c if quantity in TOLERANCES else None
        units = f"{ratio * c:10.3f}{c:>5}" if c else f"{'':>15}"
        print(f"{quantity:<13}{dtype:<9}{ratio:>9.4f}{units}  {case} {family} {label}")
    print("err/tol: worst error / budget; in eps M: the same error in units of eps * magnitude")


if __name__ == "__main__":
    main()
