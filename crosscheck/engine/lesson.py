"""The article's worked examples, computed by each framework: the numbers `crosscheck article`
prints and the HTML report shows.

Each framework's part is computed where its case runs (`work`: in compare's worker, or in this
process) and comes back as plain data (`Worked`); `worked_examples` lays those out as sections of
tables, calling no port. A cell is a string, shown as it is (the article's printed value,
"(autograd)"), a number, shown to ten significant digits (`cell_text`), or an `Off`: a number
that disagrees with the reference, shown marked.
"""

from dataclasses import dataclass, field

import numpy as np

from nn_crosscheck import ports
from nn_crosscheck.ports import PortError
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

from .cases import Case, reference_case
from .checks import PREDICTION_CASES, finite_differences, forward_check, gradient_checks
from .judge import compare
from .step_code import step_code


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
    marked: list[str] = field(default_factory=list)  # each Off cell: the value the reference has


def cell_text(cell) -> str:
    if isinstance(cell, Off):
        return f"{cell.value:.10g} {OFF_MARK}"
    return cell if isinstance(cell, str) else f"{cell:.10g}"


OFF_MARK = "*"  # after a value that disagrees with the reference (an Off cell)

# How a port computes its partials, as it declares in GRADIENTS (ports/protocol.py): the cell
# shown for a chain-rule factor it does not return, and how section 5 names its method. A port
# that declares nothing is named by what it returns alone.
GRADIENTS = {
    "autograd": ("(autograd)", "autograd in {}"),
    "hand": ("(by hand)", "the chain rule by hand in {}"),
    None: ("(not returned)", "{}'s loss_and_grads"),
}
FACTOR_NOTES = {
    "autograd": '(autograd): the port declares GRADIENTS = "autograd": its framework differentiates the '
    "loss, and no factor is named.",
    "hand": '(by hand): the port declares GRADIENTS = "hand": it writes the chain rule itself, and its '
    "loss_and_grads returns the product alone.",
    None: "(not returned): the port does not declare how it computes its partials (GRADIENTS); its "
    "loss_and_grads returns the product alone.",
}


@dataclass(frozen=True)
class Off:
    """A framework's value that disagrees with the reference's, in the same dtype, by more than
    the budget compare judges it by (engine/checks): shown marked, the reference's beside it."""

    value: float
    expected: float
    budget: float


@dataclass
class Worked:
    """One framework's part in the worked examples (sections 1 to 5), computed where its case
    runs (`work`: in a worker of compare, or in this process) and plain data from then on, so
    that whatever shows it (`worked_examples`, the HTML report) only renders it.

    `values` holds what the port computed, by row name ("f(7)", "o1", "MSE", "y_pred",
    "dL/dw1", ...); `off` those of them that disagree with the reference, each with (the
    reference's value, the budget); `by_hand` the reference's chain-rule factors and `oracle`
    the central differences of its float64 loss (the same in every Worked); `code` the port's
    step code (engine/step_code), where asked for, or why it could not be read.
    """

    framework: str
    case: str  # the case's id
    label: str  # how the port's derivatives are named (LABEL)
    gradients: str | None  # GRADIENTS: "autograd", "hand", or None where the port does not say
    lacks: list[str] = field(default_factory=list)  # what it does not provide (`lacks`)
    error: str | None = None  # why it cannot take part (`broken`), or what raised
    values: dict = field(default_factory=dict)
    off: dict = field(default_factory=dict)
    by_hand: dict = field(default_factory=dict)
    oracle: list = field(default_factory=list)
    code: dict | str | None = None

    @property
    def usable(self) -> bool:
        return not self.lacks and self.error is None

    def cell(self, name: str):
        """The value of row `name` as a cell: an Off where it disagrees with the reference."""
        if name in self.off:
            return Off(self.values[name], *self.off[name])
        return self.values[name]


def _mse(case: Case, y_true, y_pred):
    """The port's own MSE in the case's dtype and device, where it defines one (mse_loss is
    optional in the protocol): a float, or a string saying why there is none."""
    mse_loss = getattr(case.port, "mse_loss", None)
    if mse_loss is None:
        return "(none)"
    try:
        got = np.asarray(mse_loss(y_true, y_pred, dtype=case.dtype, device=case.device), dtype=np.float64)
    except Exception as error:
        return f"(raised {type(error).__name__})"
    return float(got.reshape(-1)[0]) if got.size == 1 else f"(not one number: shape {got.shape})"


def _judged(check, names: list[str]) -> tuple[dict, dict]:
    """({name: value}, {name: (expected, budget)} where it disagrees) from one check."""
    if check.note:  # results of another shape
        raise ValueError(check.note)
    values = {n: float(check.got[i]) for i, n in enumerate(names)}
    ratios = check.ratios
    off = {n: (float(check.expected[i]), float(check.budget[i])) for i, n in enumerate(names)
           if not ratios[i] <= 1.0}  # fmt: skip
    return values, off


def _mse_check(case: Case):
    """The port's MSE of the article's example against the reference's in the same dtype, or
    the string said in its cell where the port gives no number (it defines none, or it raised)."""
    mse = a.MSE_EXAMPLE
    got = _mse(case, mse["y_true"], mse["y_pred"])
    if isinstance(got, str):
        return got
    expected = _mse(reference_case(case.dtype), mse["y_true"], mse["y_pred"])
    size = np.mean((np.abs(mse["y_true"]) + np.abs(mse["y_pred"])) ** 2)
    return compare("loss", [got], [expected], dtype=case.dtype, case=case.id, labels=["MSE"], magnitude=size)


def _values(case: Case) -> tuple[dict, dict]:
    """Every value the port computes in sections 1 to 5, and those that disagree with the
    reference in its dtype (forward, loss and gradients judged as compare judges them)."""
    x, ex = np.array([a.NETWORK_EXAMPLE["x"]]), a.BACKPROP_EXAMPLE
    params, xs, y_true = ex["params"], np.array(ex["x"]), ex["y_true"]
    found = [
        (forward_check(case, a.NEURON_AS_NETWORK, x, ["f(7)"]), ["f(7)"]),
        (forward_check(case, a.NETWORK_EXAMPLE["params"], x, ["o1"]), ["o1"]),
        (forward_check(case, params, xs[None], ["y_pred"]), ["y_pred"]),
        (gradient_checks(case, params, xs, y_true, "Alice")[1], [f"dL/d{q}" for q in PARAM_NAMES]),
    ]
    mse = _mse_check(case)
    values, off = {}, {}
    if isinstance(mse, str):  # no number: the cell says why
        values["MSE"] = mse
    else:
        found.append((mse, ["MSE"]))
    for check, names in found:
        more, wrong = _judged(check, names)
        values.update(more)
        off.update(wrong)
    return values, off


def work(case: Case, *, code: bool = False) -> Worked:
    """`case`'s part in the worked examples (and, with `code`, its step code), as data; never
    raises: what a port lacks or raises is said in the result."""
    info = ports.info(case.framework)
    worked = Worked(case.framework, case.id, info.label, info.declared("GRADIENTS"))
    if code:
        worked.code = _step_code(case.framework)
    worked.lacks = lacks(case)
    worked.error = None if worked.lacks else broken(case)
    if not worked.usable:
        return worked
    try:
        worked.values, worked.off = _values(case)
    except Exception as error:
        worked.error = f"{type(error).__name__}: {error}"
    ex = a.BACKPROP_EXAMPLE
    worked.by_hand = _by_hand(case.dtype)  # in the dtype its column is computed in
    oracle = finite_differences(reference_case("float64"), ex["params"], np.array(ex["x"]), ex["y_true"])[0]
    worked.oracle = [float(d) for d in oracle]
    return worked


def _step_code(framework: str) -> dict | str:
    """The port's step code, or why it cannot be read (its STEP_CODE names what it lacks, or a
    function that generates code raised): the page says so, the run goes on."""
    try:
        return step_code(framework)
    except PortError as error:
        return str(error)
    except Exception as error:
        return f"{type(error).__name__}: {error}"


def _disagreements(worked: dict[str, Worked], names: list[str]) -> list[str]:
    """A line for each value of rows `names` that disagrees with the reference."""
    return [
        f"{OFF_MARK} {f} {n}: {w.values[n]:.10g}, the reference {w.off[n][0]:.10g}: |error| "
        f"{abs(w.values[n] - w.off[n][0]):.3g} > tolerance {w.off[n][1]:.3g}"
        for f, w in worked.items()
        for n in names
        if n in w.off
    ]


def examples(worked: dict[str, Worked]) -> list[Section]:
    """Sections 1 to 3: a neuron, the network, the loss; `worked`: {framework: its part}."""
    header = ["", "article", *worked]

    def section(number, title, what, row, printed) -> Section:
        cells = [w.cell(row) for w in worked.values()]
        return Section(number, title, what, [Table(header, [[row, printed, *cells]])],
                       marked=_disagreements(worked, [row]))  # fmt: skip

    return [
        section(1, "One neuron", "f(w.x + b) with w = [0, 1], b = 4, x = [2, 3]: f(7), as the output neuron.",
                "f(7)", f"{a.NEURON_PRINTED}"),
        section(2, "The network",
                "Every neuron with w = [0, 1], b = 0, at x = [2, 3]: o1 = f(w5 h1 + w6 h2 + b3).",
                "o1", f"{a.NETWORK_PRINTED}"),
        section(3, "Loss", "Mean squared error of y_true = [1, 0, 0, 1] against y_pred = [0, 0, 0, 0].",
                "MSE", f"{a.MSE_PRINTED}"),
    ]  # fmt: skip


def _by_hand(dtype: str = "float64") -> dict[str, float]:
    """The article's chain-rule factors for dL/dw1, at the full precision of `dtype`, in the
    NumPy reference's own functions."""
    ex, real = a.BACKPROP_EXAMPLE, np.dtype(dtype).type
    params = {name: real(value) for name, value in ex["params"].items()}
    xs, y_true = np.array(ex["x"], dtype=dtype), real(ex["y_true"])
    sum_h = params["w1"] * xs[0] + params["w2"] * xs[1] + params["b1"]
    h1 = sigmoid(sum_h)
    h2 = sigmoid(params["w3"] * xs[0] + params["w4"] * xs[1] + params["b2"])
    sum_o = params["w5"] * h1 + params["w6"] * h2 + params["b3"]
    y_pred = sigmoid(sum_o)
    return {
        "y_pred": float(y_pred),
        "dL/dypred": float(-2 * (y_true - y_pred)),
        "dypred/dh1": float(params["w5"] * deriv_sigmoid(sum_o)),
        "dh1/dw1": float(xs[0] * deriv_sigmoid(sum_h)),
        "dL/dw1": float(partials(OurNeuralNetwork(params, dtype=dtype), xs, y_true)[1]["w1"]),  # the product
    }


def _kind(w: Worked) -> tuple[str, str]:
    """(its factor cell, its method) by the port's GRADIENTS; a value not known as none."""
    return GRADIENTS.get(w.gradients, GRADIENTS[None])


def _factor_notes(others: dict[str, Worked]) -> list[str]:
    """What each factor cell of section 4 says, for the kinds of port shown."""
    kinds = dict.fromkeys(w.gradients if w.gradients in GRADIENTS else None for w in others.values())
    return [FACTOR_NOTES[kind] for kind in kinds]


def backprop(worked: dict[str, Worked]) -> Section:
    """Section 4: dL/dw1 by the chain rule, factor by factor, beside what each port computes."""
    others = {n: w for n, w in worked.items() if n != "numpy"}
    hand, p = next(iter(worked.values())).by_hand, a.BACKPROP_PRINTED
    factor = {n: _kind(w)[0] for n, w in others.items()}
    rows = [["y_pred", f"{p['y_pred']}", hand["y_pred"], *(w.cell("y_pred") for w in others.values())]]
    rows += [[f, f"{p[f]}", hand[f], *factor.values()] for f in list(hand)[1:-1]]
    rows.append(["dL/dw1", f"{p['dL/dw1']}", hand["dL/dw1"], *(w.cell("dL/dw1") for w in others.values())])
    notes = ["The article multiplies factors it rounded first (0.0214); at full precision dL/dw1 = 0.02147."]
    if others:
        verb = "computes" if len(others) == 1 else "compute"
        notes.append(f"{' and '.join(others)} {verb} the same product without returning its factors:")
        notes += _factor_notes(others)
    return Section(
        4,
        "Backpropagation by hand",
        "All weights 1, all biases 0, only Alice (x = [-2, -1], y_true = 1): dL/dw1 by the chain rule.",
        [Table(["", "article", "numpy by hand", *others], rows)],
        notes,
        marked=_disagreements(others, ["y_pred", "dL/dw1"]),
    )


def all_partials(worked: dict[str, Worked]) -> Section:
    """Section 5: all nine partials, by hand, by each port, by central differences."""
    methods = ["the hand derivation"]
    methods += [_kind(w)[1].format(n) for n, w in worked.items() if n != "numpy"]
    oracle = next(iter(worked.values())).oracle
    names = [f"dL/d{q}" for q in PARAM_NAMES]
    rows = [[n, *(w.cell(n) for w in worked.values()), oracle[i]] for i, n in enumerate(names)]
    header = ["partial", *(w.label for w in worked.values()), "finite diff."]
    return Section(
        5,
        "All nine partials",
        f"Same case: {', '.join([*methods, 'central differences of the reference'])}.",
        [Table(header, rows)],
        marked=_disagreements(worked, names),
    )


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


def worked_examples(worked: dict[str, Worked]) -> list[Section]:
    """Sections 1 to 5, everything the article works out before training, from each framework's
    part (`work`); those that lack a function or raised are left out (`left_out` says why)."""
    usable = {name: w for name, w in worked.items() if w.usable}
    if not usable:
        return []
    return [*examples(usable), backprop(usable), all_partials(usable)]


def left_out(worked: dict[str, Worked]) -> list[str]:
    """Why each framework whose part cannot be shown is left out of the worked examples."""
    lines = [f"{n} left out: the port has no {' and no '.join(w.lacks)}" for n, w in worked.items()
             if w.lacks]  # fmt: skip
    return lines + [f"{n} left out: {w.error}" for n, w in worked.items() if w.error is not None]


def chosen(cases) -> list[Case]:
    """One case per framework for the worked examples: the first of each, preferring the
    article's own arithmetic (float64, on the CPU) and the port's default mode."""

    def preference(c: Case) -> tuple:
        return (c.dtype != "float64", c.device != "cpu", c.mode != ports.info(c.framework).modes[0])

    found: dict[str, Case] = {}
    for case in sorted(cases, key=preference):
        found.setdefault(case.framework, case)
    return list(found.values())
