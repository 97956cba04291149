"""The saturated worked example of docs/budgets.md: an output neuron saturated at its target
(b3 = 36.7, float64, Alice's y_true = 1), where y_true - y_pred and f'(sum_o1) are both rounding
residue, and a port that writes f as 0.5 (1 + tanh(x/2)).
Run: python scripts/saturated_example.py
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nn_crosscheck.engine import exact, magnitudes
from nn_crosscheck.engine.tolerances import TOLERANCES, residue
from nn_crosscheck.reference import DATA, OurNeuralNetwork, partials

PARAMS = dict(w1=0.1, w2=-0.2, w3=0.3, w4=0.1, w5=0.2, w6=-0.1, b1=0.0, b2=0.0, b3=36.7)
X, Y_TRUE = DATA[0], 1.0  # Alice


def tanh_form_b3(p, x, y_true) -> float:
    """dL/db3 with f = 0.5 (1 + tanh(s/2)), f' = f (1 - f): the article's chain rule otherwise."""
    f = lambda s: 0.5 * (1 + np.tanh(s / 2))  # noqa: E731
    h1 = f(p["w1"] * x[0] + p["w2"] * x[1] + p["b1"])
    h2 = f(p["w3"] * x[0] + p["w4"] * x[1] + p["b2"])
    y = f(p["w5"] * h1 + p["w6"] * h2 + p["b3"])
    return float(-2 * (y_true - y) * (y * (1 - y)))


def main() -> None:
    net = OurNeuralNetwork(PARAMS)
    _, grads = partials(net, X, Y_TRUE)
    h1, _, h2, _, y, d_o1 = magnitudes.intermediates(PARAMS, X[0], X[1], "float64")
    sum_o1 = PARAMS["w5"] * h1.value + PARAMS["w6"] * h2.value + PARAMS["b3"]
    _, truth = exact.at_sample(PARAMS, X, Y_TRUE, "float64")
    d = Y_TRUE - y.value
    m_dldy = 2 * (y.magnitude + abs(d))  # dL/dy_pred = -2 (y_true - y_pred)
    first = abs(d_o1.value) * m_dldy + abs(2 * d) * d_o1.magnitude
    m = magnitudes.gradient_magnitudes(PARAMS, X, Y_TRUE, "float64")["b3"]
    budget = TOLERANCES["gradients"].budget
    y_exact = exact.forward(exact.weights(PARAMS, "float64"), X)
    print(f"sum_o1 = {sum_o1:.6g}: f rounds to 1 in float64 from about 36.7")
    print(f"the reference: y_pred = {y.value!r}, y_true - y_pred = {d!r}, f'(sum_o1) = {d_o1.value!r}")
    print(f"  dL/db3 = {grads['b3']!r}")
    print(f"tanh form: dL/db3 = {tanh_form_b3(PARAMS, X, Y_TRUE)!r}")
    print(
        f"exact (50 digits): dL/db3 = {exact.rounded(truth['b3'], 'float64')!r}, "
        f"y_true - y_pred = {exact.rounded(1 - y_exact, 'float64')!r}"
    )
    r = residue("float64")
    print(f"M(dL/dy_pred) = {m_dldy:.4g}, M(f'(sum_o1)) = {d_o1.magnitude:.4g}, r = c eps = {r:.3g}")
    print(
        f"first-order M(dL/db3) = |f'| M(dL/dy) + |dL/dy| M(f') = {first:.3g}: "
        f"budget {budget(first, 'float64'):.3g} (with U, 3.6e-307)"
    )
    print(
        f"with the second-order term r M(dL/dy) M(f'): M(dL/db3) = {m:.4g}, "
        f"budget {budget(m, 'float64'):.3g}"
    )

if __name__ == "__main__":
    main()
