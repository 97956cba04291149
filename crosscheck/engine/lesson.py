"""The article's worked examples, computed by each framework: the numbers `crosscheck article`
prints and the HTML report shows, computed once here as data (sections of tables).

A cell is a string, shown as it is (the article's printed value, "(autograd)"), or a number,
shown to ten significant digits (`cell_text`).
"""

from dataclasses import dataclass, field

import numpy as np

from nn_crosscheck import ports
from nn_crosscheck.reference import (
    ALL_Y_TRUES,
    DATA,
    PARAM_NAMES,
    OurNeuralNetwork,
    deriv_sigmoid,
    partials,
    sigmoid,
)
from nn_crosscheck.reference import article as a
from nn_crosscheck.reference.article import LOG_EVERY

from .cases import Case
from .checks import PREDICTION_CASES, finite_differences


@dataclass
class Table:
    header: list[str]
    rows: list[list]  # cells: str or float


@dataclass
class Section:
    number: int
    title: str
    what: str
    tables: list[Table]
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a port that raised, left out of the tables


def cell_text(cell) -> str:
    return cell if isinstance(cell, str) else f"{cell:.10g}"


def _mse(port, y_true, y_pred):
    """The port's own MSE, where it defines one (mse_loss is optional in the protocol)."""
    mse_loss = getattr(port, "mse_loss", None)
    return "(none)" if mse_loss is None else mse_loss(y_true, y_pred)


def examples(cases: dict[str, Case]) -> list[Section]:
    """Sections 1 to 3: a neuron, the network, the loss; `cases`: {framework: its case}."""
    x = np.array([a.NETWORK_EXAMPLE["x"]])
    header = ["", "article", *cases]
    mse = a.MSE_EXAMPLE
    neuron = [c.forward(a.NEURON_AS_NETWORK, x)[0] for c in cases.values()]
    network = [c.forward(a.NETWORK_EXAMPLE["params"], x)[0] for c in cases.values()]
    losses = [_mse(c.port, mse["y_true"], mse["y_pred"]) for c in cases.values()]
    return [
        Section(
            1, "One neuron", "f(w.x + b) with w = [0, 1], b = 4, x = [2, 3]: f(7), as the output neuron.",
            [Table(header, [["f(7)", f"{a.NEURON_PRINTED}", *neuron]])],
        ),
        Section(
            2, "The network",
            "Every neuron with w = [0, 1], b = 0, at x = [2, 3]: o1 = f(w5 h1 + w6 h2 + b3).",
            [Table(header, [["o1", f"{a.NETWORK_PRINTED}", *network]])],
        ),
        Section(
            3, "Loss", "Mean squared error of y_true = [1, 0, 0, 1] against y_pred = [0, 0, 0, 0].",
            [Table(header, [["MSE", f"{a.MSE_PRINTED}", *losses]])],
        ),
    ]  # fmt: skip


def _by_hand() -> dict[str, float]:
    """The article's chain-rule factors for dL/dw1, at full precision, in the NumPy reference's
    own functions."""
    ex = a.BACKPROP_EXAMPLE
    params, xs, y_true = ex["params"], np.array(ex["x"]), ex["y_true"]
    sum_h = params["w1"] * xs[0] + params["w2"] * xs[1] + params["b1"]
    h1 = sigmoid(sum_h)
    h2 = sigmoid(params["w3"] * xs[0] + params["w4"] * xs[1] + params["b2"])
    sum_o = params["w5"] * h1 + params["w6"] * h2 + params["b3"]
    y_pred = sigmoid(sum_o)
    return {
        "y_pred": y_pred,
        "dL/dypred": -2 * (y_true - y_pred),
        "dypred/dh1": params["w5"] * deriv_sigmoid(sum_o),
        "dh1/dw1": xs[0] * deriv_sigmoid(sum_h),
        "dL/dw1": partials(OurNeuralNetwork(params), xs, y_true)[1]["w1"],  # their product
    }


def backprop(cases: dict[str, Case]) -> tuple[Section, dict]:
    """Section 4: dL/dw1 by the chain rule, factor by factor; also every case's
    (loss, partials) for the article's case."""
    ex = a.BACKPROP_EXAMPLE
    params, xs, y_true = ex["params"], np.array(ex["x"]), ex["y_true"]
    results = {name: c.loss_and_grads(params, xs, y_true) for name, c in cases.items()}
    pred = {name: c.forward(params, xs[None])[0] for name, c in cases.items()}
    autograd = [n for n in cases if n != "numpy"]
    hand, p = _by_hand(), a.BACKPROP_PRINTED
    rows = [["y_pred", f"{p['y_pred']}", hand["y_pred"], *(pred[n] for n in autograd)]]
    rows += [[f, f"{p[f]}", hand[f], *("(autograd)" for _ in autograd)] for f in list(hand)[1:-1]]
    rows.append(["dL/dw1", f"{p['dL/dw1']}", hand["dL/dw1"], *(results[n][1]["w1"] for n in autograd)])
    notes = ["The article multiplies factors it rounded first (0.0214); at full precision dL/dw1 = 0.02147."]
    if autograd:
        names = " and ".join(autograd)
        notes.append(f"Autograd ({names}) computes the same product without naming its factors.")
    section = Section(
        4,
        "Backpropagation by hand",
        "All weights 1, all biases 0, only Alice (x = [-2, -1], y_true = 1): dL/dw1 by the chain rule.",
        [Table(["", "article", "numpy by hand", *autograd], rows)],
        notes,
    )
    return section, results


def all_partials(cases: dict[str, Case], results: dict) -> Section:
    """Section 5: all nine partials, by hand, by autograd, by central differences."""
    ex = a.BACKPROP_EXAMPLE
    params, xs, y_true = ex["params"], np.array(ex["x"]), ex["y_true"]
    autograd = [n for n in cases if n != "numpy"]
    methods = ["the hand derivation", *(f"autograd in {n}" for n in autograd), "central differences"]
    oracle, *_ = finite_differences(next(iter(cases.values())), params, xs, y_true)
    rows = [[f"dL/d{q}", *(results[n][1][q] for n in cases), oracle[i]] for i, q in enumerate(PARAM_NAMES)]
    header = ["partial", *(ports.info(n).label for n in cases), "finite diff."]
    return Section(5, "All nine partials", f"Same case: {', '.join(methods)}.", [Table(header, rows)])


def training(cases: dict[str, Case], weights: dict) -> Section:
    """Section 6: training side by side from `weights` ({"source", "params"}), and the two
    predictions; a port whose train raises is left out, its error a note."""
    runs, failed = {}, []
    for name, case in cases.items():
        try:
            runs[name] = case.train(weights["params"], DATA, ALL_Y_TRUES)
        except Exception as error:
            failed.append(f"{name}: train raised {type(error).__name__}: {error}")
    names = list(runs)
    every = 100 // LOG_EVERY
    losses = Table(
        ["epoch", *(f"{n} MSE" for n in names)],
        [
            [str(e * LOG_EVERY), *(runs[n].losses[e] for n in names)]
            for e in range(0, len(runs[names[0]].losses), every)
        ],
    )
    rows = []
    for person, printed in (("Emily", a.EMILY_PRINTED), ("Frank", a.FRANK_PRINTED)):
        xp = PREDICTION_CASES[person][None]
        rows.append([person, f"{printed}", *(cases[n].forward(runs[n].params, xp)[0] for n in names)])
    return Section(
        6,
        "Training",
        f"1000 epochs of per-sample SGD, learning rate 0.1, from {weights['source']}.",
        [losses, Table(["prediction", "article", *names], rows)],
        [PREDICTIONS_NOTE],
        failed,
    )


PREDICTIONS_NOTE = "1 = F, 0 = M. The article's own run was unseeded, so its 0.951 and 0.039 differ a little."


def lacks(case: Case) -> list[str]:
    """What the walk-through needs (the chain rule, training) that the port does not provide: a
    port that only evaluates is left out of it, saying so."""
    return [fn for fn in ("loss_and_grads", "train") if not ports.provides(case.port, fn)]


def broken(case: Case) -> str | None:
    """Why `case` cannot take part in the worked examples: its forward or loss_and_grads raises
    on the article's inputs, or returns another shape. None where it can."""
    x, ex = np.array([a.NETWORK_EXAMPLE["x"]]), a.BACKPROP_EXAMPLE
    try:
        for params in (a.NEURON_AS_NETWORK, a.NETWORK_EXAMPLE["params"]):
            if np.shape(case.forward(params, x)) != (1,):
                return f"forward returned shape {np.shape(case.forward(params, x))} for one input, not (1,)"
        case.loss_and_grads(ex["params"], np.array(ex["x"]), ex["y_true"])
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


def worked_examples(cases: dict[str, Case]) -> list[Section]:
    """Sections 1 to 5: everything the article works out before training."""
    sections = examples(cases)
    section, results = backprop(cases)
    return [*sections, section, all_partials(cases, results)]
