"""The worked example of docs/budgets.md: a hidden sum whose terms cancel, its magnitude, its
budget, and what each implementation and 50-digit arithmetic give.
Run: python scripts/budget_example.py
"""

import sys
from decimal import Decimal, getcontext
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nn_crosscheck import ports
from nn_crosscheck.engine import magnitudes
from nn_crosscheck.engine.cases import Case
from nn_crosscheck.engine.precision import preflight
from nn_crosscheck.engine.tolerances import TOLERANCES

PARAMS = dict(w1=0.0, w2=0.0, w3=-30.0, w4=-30.0, w5=0.0, w6=1.0, b1=0.0, b2=14.0, b3=0.0)
X = (17.875, -17.386304903836702)
# Four rows: torch's vectorised kernels (fused multiply-adds) take over from four rows on.
BATCH = np.array([X, (1.0, 2.0), (1.0, 2.0), (1.0, 2.0)])


def exact_output() -> Decimal:
    """o1 in 50-digit decimal arithmetic from the same (binary, exactly converted) inputs."""
    getcontext().prec = 50
    p, x = {k: Decimal(v) for k, v in PARAMS.items()}, [Decimal(v) for v in X]

    def f(s):
        return 1 / (1 + (-s).exp())

    h1 = f(p["w1"] * x[0] + p["w2"] * x[1] + p["b1"])
    h2 = f(p["w3"] * x[0] + p["w4"] * x[1] + p["b2"])
    return f(p["w5"] * h1 + p["w6"] * h2 + p["b3"])


def main() -> None:
    preflight()
    terms = (PARAMS["w3"] * X[0], PARAMS["w4"] * X[1], PARAMS["b2"])
    _, _, h2, _, y, _ = magnitudes.intermediates(PARAMS, X[0], X[1], "float64")
    eps = float(np.finfo(np.float64).eps)
    budget = float(TOLERANCES["forward"].budget(y.magnitude, "float64"))
    print(f"hidden sum h2: {terms[0]!r} + {terms[1]!r} + {terms[2]!r} = {sum(terms)!r}")
    print(f"  magnitude M(sum) = {sum(abs(t) for t in terms):.6g}")
    print(f"  h2 = {h2.value:.17g}, M(h2) = f'(sum) M(sum) + |h2| + |1 - 2 h2| / 2 = {h2.magnitude:.6g}")
    print(f"output o1 = {y.value:.17g}, M(o1) = f'(sum_o1) |w6| M(h2) + ... = {y.magnitude:.6g}")
    print(f"  M(o1) / |o1| = {y.magnitude / y.value:.4g}")
    print(f"forward budget, float64: c {TOLERANCES['forward'].c} x eps x M(o1) = {budget:.3g}")
    print(f"  a budget of 8 eps (|o1| + 1) would be {8 * eps * (abs(y.value) + 1):.3g}")
    reference = Case("numpy", "cpu", "float64", "eager").forward(PARAMS, BATCH)[0]
    truth = exact_output()
    print(f"50-digit o1 {truth:.20f}")
    print(f"the reference {reference!r}: error vs 50 digits {abs(Decimal(reference) - truth):.3g}")
    for name, unavailable in ports.availability().items():
        if unavailable or "float64" not in ports.info(name).dtypes:  # the example is float64's
            continue
        for mode in ports.info(name).modes:
            got = Case(name, "cpu", "float64", mode).forward(PARAMS, BATCH)[0]
            print(
                f"{name} {mode}: {got!r}, |got - reference| {abs(got - reference):.3g} "
                f"(err/tol {abs(got - reference) / budget:.3f}), vs 50 digits {abs(Decimal(got) - truth):.3g}"
            )


if __name__ == "__main__":
    main()
