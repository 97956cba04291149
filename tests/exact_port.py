"""A test fixture: the article's network in exact arithmetic (mpmath at 50 digits, training exact
step by step), each reported value rounded once to the dtype. It is the truth itself, so every
family must pass it: a failure is a budget that does not bound real rounding (docs/budgets.md).

Run it with `crosscheck compare --port tests/exact_port.py --frameworks exact`.
"""

from nn_crosscheck.engine import exact

NAME = "exact"
LABEL = "mpmath, 50 digits"


def forward(params, X, *, dtype, device, mode):
    return [exact.rounded(v, dtype) for v in exact.at_inputs(params, X, dtype)]


def loss_and_grads(params, x, y_true, *, dtype, device, mode):
    loss, grads = exact.at_sample(params, x, y_true, dtype)
    return exact.rounded(loss, dtype), {p: exact.rounded(g, dtype) for p, g in grads.items()}


def train(params, data, all_y_trues, *, dtype, device, mode, learn_rate, epochs, record_steps):
    return exact.train(
        params, data, all_y_trues, dtype, learn_rate=learn_rate, epochs=epochs, record_steps=record_steps
    )
