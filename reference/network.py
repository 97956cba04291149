"""The article's 2-2-1 sigmoid network in NumPy, with its hand-derived backpropagation.

Faithful to the companion script: the same names, the same draw order, the same training step
(every partial from the pre-update values, f' evaluated on the pre-activation sums). Everything
here also works on arrays: give the parameters or the inputs a leading batch axis and the same
arithmetic runs elementwise.
"""

from collections.abc import Mapping

import numpy as np

from .article import EPOCHS, LEARN_RATE, LOG_EVERY, PARAM_NAMES

Params = dict[str, float]


def sigmoid(x):
    """f(x) = 1 / (1 + e^-x): the article's formula, kept as written.

    For x below about -709 (float64) or -88 (float32) e^-x overflows to inf and 1 / (1 + inf) = 0.0,
    which is the correctly rounded limit; the overflow is expected there, so it is not warned about.
    """
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def deriv_sigmoid(x):
    """f'(x) = f(x) * (1 - f(x)), the article's slope of the sigmoid."""
    fx = sigmoid(x)
    return fx * (1 - fx)


def mse_loss(y_true, y_pred):
    """(1/n) * sum (y_true - y_pred)^2, over the last axis.

    With y_pred of shape (N, n), the predictions of N networks, it gives each network's loss.
    """
    return ((y_true - y_pred) ** 2).mean(axis=-1)


def partials(net: "OurNeuralNetwork", x, y_true, scale=1) -> tuple[float, Params]:
    """The single-sample loss L = (y_true - y_pred)^2 and its nine partials, by hand (§5).

    Each partial is the chain rule written out: dL/dypred * dypred/d(hidden) * d(hidden)/dp.
    `x` is a pair (x1, x2); each may also be an array, giving partials per element.
    `scale` multiplies each partial first, as the script's update `learn_rate * d_L_d_ypred * ...`
    does: training passes the learning rate and so rounds exactly as the script (1 * a == a).
    """
    # Forward, keeping the pre-activation sums for f'.
    sum_h1 = net.w1 * x[0] + net.w2 * x[1] + net.b1
    h1 = sigmoid(sum_h1)
    sum_h2 = net.w3 * x[0] + net.w4 * x[1] + net.b2
    h2 = sigmoid(sum_h2)
    sum_o1 = net.w5 * h1 + net.w6 * h2 + net.b3
    y_pred = sigmoid(sum_o1)

    d_L_d_ypred = scale * (-2 * (y_true - y_pred))  # dL/dypred = -2 (y_true - y_pred)
    # f' on each pre-activation sum: f'(s) = f(s) (1 - f(s)), and f(s) is already at hand (h1,
    # h2, y_pred), so this is deriv_sigmoid(sum_h1) etc. bit for bit, without evaluating f again.
    d_h1, d_h2, d_o1 = h1 * (1 - h1), h2 * (1 - h2), y_pred * (1 - y_pred)

    # Neuron o1: ypred = f(w5 h1 + w6 h2 + b3)
    d_ypred_d_w5 = h1 * d_o1  # h1 f'(sum_o1)
    d_ypred_d_w6 = h2 * d_o1  # h2 f'(sum_o1)
    d_ypred_d_b3 = d_o1  # f'(sum_o1)
    d_ypred_d_h1 = net.w5 * d_o1  # w5 f'(sum_o1)
    d_ypred_d_h2 = net.w6 * d_o1  # w6 f'(sum_o1)

    # Neuron h1: h1 = f(w1 x1 + w2 x2 + b1)
    d_h1_d_w1 = x[0] * d_h1  # x1 f'(sum_h1)
    d_h1_d_w2 = x[1] * d_h1  # x2 f'(sum_h1)
    d_h1_d_b1 = d_h1  # f'(sum_h1)

    # Neuron h2: h2 = f(w3 x1 + w4 x2 + b2)
    d_h2_d_w3 = x[0] * d_h2  # x1 f'(sum_h2)
    d_h2_d_w4 = x[1] * d_h2  # x2 f'(sum_h2)
    d_h2_d_b2 = d_h2  # f'(sum_h2)

    loss = (y_true - y_pred) ** 2
    grads = dict(
        w1=d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w1,
        w2=d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w2,
        w3=d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w3,
        w4=d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w4,
        w5=d_L_d_ypred * d_ypred_d_w5,
        w6=d_L_d_ypred * d_ypred_d_w6,
        b1=d_L_d_ypred * d_ypred_d_h1 * d_h1_d_b1,
        b2=d_L_d_ypred * d_ypred_d_h2 * d_h2_d_b2,
        b3=d_L_d_ypred * d_ypred_d_b3,
    )
    return loss, grads


class OurNeuralNetwork:
    """A network with 2 inputs, a hidden layer of 2 neurons (h1, h2) and one output (o1).

    `OurNeuralNetwork()` draws the nine parameters as the script does: one standard normal draw
    each from NumPy's legacy global generator, in the order w1..w6, b1..b3.
    `OurNeuralNetwork(params)` takes them from a mapping under the same names instead.
    `dtype` is the float type every parameter and input is held in (float64 is the script's).
    """

    def __init__(self, params: Mapping[str, float] | None = None, *, dtype=np.float64):
        self.dtype = np.dtype(dtype)
        if params is None:
            params = {name: np.random.normal() for name in PARAM_NAMES}
        for name in PARAM_NAMES:
            value = params[name]  # a number, or an (N,) array of N networks' values (copied)
            setattr(
                self, name, np.array(value, dtype=self.dtype) if np.ndim(value) else self.dtype.type(value)
            )

    def params(self) -> Params:
        """The nine parameters under the article's names, as Python floats."""
        return {name: float(getattr(self, name)) for name in PARAM_NAMES}

    def feedforward(self, x):
        """o1 for x, a pair (x1, x2); x1 and x2 may be arrays (a batch)."""
        x = np.asarray(x, dtype=self.dtype)
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.b1)
        h2 = sigmoid(self.w3 * x[0] + self.w4 * x[1] + self.b2)
        o1 = sigmoid(self.w5 * h1 + self.w6 * h2 + self.b3)
        return o1

    def train(
        self,
        data,
        all_y_trues,
        *,
        learn_rate: float = LEARN_RATE,
        epochs: int = EPOCHS,
        on_step=None,
    ) -> list:
        """Per-sample SGD in table order; returns the MSE logged after every tenth epoch.

        - data is a (n x 2) array, n = number of samples in the dataset.
        - all_y_trues is an array of n elements, one per sample.
        `on_step(net)`, if given, is called after every parameter update.
        With parameters held as (N,) arrays, N networks train at once and each logged entry is
        an (N,) array of their losses: the arithmetic is the same, elementwise.
        """
        data = np.asarray(data, dtype=self.dtype)
        all_y_trues = np.asarray(all_y_trues, dtype=self.dtype)
        losses = []
        for epoch in range(epochs):
            for x, y_true in zip(data, all_y_trues):
                # p <- p - eta * dL/dp, every partial from the pre-update values.
                _, steps = partials(self, x, y_true, scale=learn_rate)
                for name in PARAM_NAMES:
                    setattr(self, name, getattr(self, name) - steps[name])
                if on_step is not None:
                    on_step(self)
            if epoch % LOG_EVERY == 0:
                y_preds = np.array([self.feedforward(x) for x in data])  # (n,), or (n, N)
                losses.append(mse_loss(all_y_trues, y_preds.T))
        return losses
