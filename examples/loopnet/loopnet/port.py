"""loopnet's port for nn-crosscheck (registered by the entry point in pyproject.toml).

Plain Python floats are float64, so the port declares that one dtype; everything else it leaves
to the protocol's defaults (mode "eager", the CPU, no train_many: the sweep skips it).
"""

from . import NAMES, Net, __version__

NAME = "loopnet"
DTYPES = ("float64",)


def version() -> str:
    return __version__


def _rows(X):
    return [[float(v) for v in row] for row in X]


def forward(params, X, *, dtype, device, mode):
    net = Net(params)
    return [net(x) for x in _rows(X)]


def loss_and_grads(params, x, y_true, *, dtype, device, mode):
    return Net(params).grads([float(v) for v in x], float(y_true))


def train(params, data, all_y_trues, *, dtype, device, mode, learn_rate, epochs, record_steps):
    net, data, ys = Net(params), _rows(data), [float(y) for y in all_y_trues]
    losses, steps = [], []
    for epoch in range(epochs):
        for x, y_true in zip(data, ys):
            net.step(x, y_true, learn_rate)
            if record_steps:
                steps.append([net.p[name] for name in NAMES])
        if epoch % 10 == 0:
            losses.append(sum((y - net(x)) ** 2 for x, y in zip(data, ys)) / len(data))
    return {"losses": losses, "params": dict(net.p), "steps": steps if record_steps else None}
