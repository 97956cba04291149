"""The article's 2-2-1 sigmoid network in plain Python floats (float64), one sample at a time."""

import math

__version__ = "0.1.0"
NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")


def sigmoid(x: float) -> float:
    # 1 / (1 + e^-x), written so that e^-x never overflows: for x < 0, e^x / (1 + e^x).
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


class Net:
    def __init__(self, params):
        self.p = {name: float(params[name]) for name in NAMES}

    def hidden(self, x):
        p = self.p
        return (p["w1"] * x[0] + p["w2"] * x[1] + p["b1"], p["w3"] * x[0] + p["w4"] * x[1] + p["b2"])

    def __call__(self, x) -> float:
        s1, s2 = self.hidden(x)
        h1, h2 = sigmoid(s1), sigmoid(s2)
        return sigmoid(self.p["w5"] * h1 + self.p["w6"] * h2 + self.p["b3"])

    def grads(self, x, y_true) -> tuple[float, dict]:
        """(y_true - y_pred)^2 and its nine partials, by the chain rule."""
        p = self.p
        s1, s2 = self.hidden(x)
        h1, h2 = sigmoid(s1), sigmoid(s2)
        y = sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b3"])
        d_y = -2 * (y_true - y)
        d_o = y * (1 - y)
        d_h1, d_h2 = d_y * p["w5"] * d_o * h1 * (1 - h1), d_y * p["w6"] * d_o * h2 * (1 - h2)
        return (y_true - y) ** 2, {
            "w1": d_h1 * x[0], "w2": d_h1 * x[1], "b1": d_h1,
            "w3": d_h2 * x[0], "w4": d_h2 * x[1], "b2": d_h2,
            "w5": d_y * h1 * d_o, "w6": d_y * h2 * d_o, "b3": d_y * d_o,
        }  # fmt: skip

    def step(self, x, y_true, learn_rate: float) -> None:
        _, grads = self.grads(x, y_true)
        self.p = {name: self.p[name] - learn_rate * grads[name] for name in NAMES}
