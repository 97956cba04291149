"""The article's facts, in one place.

Source: Victor Zhou, "An Introduction to Neural Networks" (2019), and its companion script
`network.py` (repository vzhou842/neural-network-from-scratch). The full-precision values were
computed in float64 NumPy and checked by central finite differences.
"""

import numpy as np

# Parameter names as the article writes them, in the order the script draws them.
PARAM_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")

# §3 Data: (weight lb, height in) shifted by (135, 66); female = 1, male = 0.
SHIFT = (135, 66)
NAMES = ("Alice", "Bob", "Charlie", "Diana")
DATA = np.array([[-2, -1], [25, 6], [17, 4], [-15, -6]])  # integer arrays, as in the script
ALL_Y_TRUES = np.array([1, 0, 0, 1])

# §3 Prediction cases after training.
EMILY = np.array([-7, -3])  # 128 lb, 63 in
FRANK = np.array([20, 2])  # 155 lb, 68 in
# The article's own (unseeded) run printed these.
EMILY_PRINTED, FRANK_PRINTED = 0.951, 0.039

# §6 Training.
LEARN_RATE = 0.1
EPOCHS = 1000
LOG_EVERY = 10  # the MSE is logged after epochs 0, 10, ..., 990: 100 entries
N_LOGGED = EPOCHS // LOG_EVERY

# §1 One neuron: w = [0, 1], b = 4, x = [2, 3] -> f(7).
NEURON = {"w": (0.0, 1.0), "b": 4.0, "x": (2.0, 3.0)}
NEURON_PRINTED, NEURON_FULL = 0.999, 0.9990889488055994

# §2 Every neuron has w = [0, 1], b = 0; x = [2, 3].
NETWORK_EXAMPLE = {
    "params": dict(w1=0.0, w2=1.0, w3=0.0, w4=1.0, w5=0.0, w6=1.0, b1=0.0, b2=0.0, b3=0.0),
    "x": (2.0, 3.0),
}
NETWORK_H_PRINTED, NETWORK_H_FULL = 0.9526, 0.9525741268224334
NETWORK_PRINTED, NETWORK_FULL = 0.7216, 0.7216325609518421
# §1's neuron run through the whole network: the output neuron with zero weights and bias 7
# computes o1 = f(0 h1 + 0 h2 + 7) = f(7), so every implementation's forward can show it.
NEURON_AS_NETWORK = {**NETWORK_EXAMPLE["params"], "w6": 0.0, "b3": 7.0}

# §4 Loss: y_true = [1, 0, 0, 1] against all-zero predictions.
MSE_EXAMPLE = {"y_true": (1, 0, 0, 1), "y_pred": (0, 0, 0, 0)}
MSE_PRINTED = 0.5

# §5 Backpropagation by hand: all weights 1, all biases 0, only Alice.
BACKPROP_EXAMPLE = {
    "params": dict(w1=1.0, w2=1.0, w3=1.0, w4=1.0, w5=1.0, w6=1.0, b1=0.0, b2=0.0, b3=0.0),
    "x": (-2.0, -1.0),
    "y_true": 1.0,
}
# What the article prints (it rounded y_pred to 0.524 before the chain rule).
BACKPROP_PRINTED = {
    "h1": 0.0474,
    "y_pred": 0.524,
    "dL/dypred": -0.952,
    "dypred/dh1": 0.249,
    "dh1/dw1": -0.0904,
    "dL/dw1": 0.0214,
}
# Full precision for the same case.
BACKPROP_FULL = {
    "h1": 0.04742587317756678,
    "y_pred": 0.5236951740839997,
    "loss": 0.22686628719087137,
    "grads": dict(
        w1=0.02146953526581111,
        w2=0.010734767632905555,
        w3=0.02146953526581111,
        w4=0.010734767632905555,
        w5=-0.011269220242958155,
        w6=-0.011269220242958155,
        b1=-0.010734767632905555,
        b2=-0.010734767632905555,
        b3=-0.23761755952842809,
    ),
}
