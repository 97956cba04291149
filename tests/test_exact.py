"""Exact arithmetic judges the budget model: over 1,000 draws a dtype (random, large, cancelling,
saturating), the reference's own error from the exact value (mpmath, 50 digits) stays within
half of each element's budget, and so does every implementation's: a correctly rounded port may
sit on the other side of the truth, so two correct results are then within one budget of each
other. A draw over half is a budget that does not bound real rounding: a bug in the model
(crosscheck/engine/magnitudes.py), found here before a user finds it.

Each test prints its worst ratio |got - exact| / budget per quantity and where it was.
"""

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from nn_crosscheck.engine import checks, exact
from nn_crosscheck.engine.cases import reference_case
from nn_crosscheck.engine.judge import Check, assert_agree, compare
from nn_crosscheck.engine.magnitudes import forward_magnitude, gradient_magnitudes, loss_magnitude
from nn_crosscheck.engine.overflow import first_overflow
from nn_crosscheck.engine.tolerances import TOLERANCES
from nn_crosscheck.engine.weights_file import load_weights
from nn_crosscheck.reference import PARAM_NAMES, SHARED_WEIGHTS

from draws import INPUTS, X, draws, overflows

pytest.importorskip("mpmath", reason="exact arithmetic needs mpmath (the test extra)")

HALF = 0.5
DRAWS = 1000  # a dtype


@cache
def truth(dtype: str) -> list[tuple]:
    """For each draw: its description, params, person, and the exact forward at X, loss and
    partials at the person, with the error magnitude of each (magnitudes.py)."""
    found = []
    for what, params, (x, y_true) in draws(DRAWS, seed=2026):
        if first_overflow(params, dtype):
            continue
        loss, grads = exact.at_sample(params, x, y_true, dtype)
        gm = gradient_magnitudes(params, x, y_true, dtype)
        found.append((
            what, params, (x, y_true),
            exact.as_float64(exact.at_inputs(params, X, dtype)),
            forward_magnitude(params, X, dtype),
            exact.rounded(loss, "float64"),
            [loss_magnitude(params, x, y_true, dtype).magnitude],
            exact.as_float64([grads[p] for p in PARAM_NAMES]),
            [gm[p] for p in PARAM_NAMES],
        ))  # fmt: skip
    assert len(found) > 0.9 * DRAWS, f"{dtype}: only {len(found)} of {DRAWS} draws are finite"
    return found


def worst_ratios(case, skip=None) -> dict[str, Check]:
    """{quantity: `case` against the exact values over every draw, as one check (each element's
    budget from the reference's magnitudes)}: its worst element is the worst draw."""
    found = {q: ([], [], [], []) for q in ("forward", "loss", "gradients")}
    for what, params, (x, y_true), *exact_values in truth(case.dtype):
        fwd, fwd_magnitude, loss, loss_magnitude_, grads, grad_magnitudes = exact_values
        if skip is not None and skip(params):
            continue
        got_loss, got_grads = case.loss_and_grads(params, x, y_true)
        for quantity, parts in (
            ("forward", (case.forward(params, X), fwd, fwd_magnitude, [f"{what}, {who}" for who in INPUTS])),
            ("loss", ([got_loss], [loss], loss_magnitude_, [what])),
            ("gradients", ([got_grads[p] for p in PARAM_NAMES], grads, grad_magnitudes,
                           [f"{what}, {p}" for p in PARAM_NAMES])),
        ):  # fmt: skip
            for kept, part in zip(found[quantity], parts):
                kept.extend(np.ravel(part) if kept is not found[quantity][3] else part)
    return {
        q: compare(q, got, expected, dtype=case.dtype, case=case.id, labels=labels, magnitude=magnitude)
        for q, (got, expected, magnitude, labels) in found.items()
    }


def _assert_within_half(case, worst: dict[str, Check], capsys):
    with capsys.disabled():
        print(f"\n{case.id}: worst |got - exact| / budget over {len(truth(case.dtype))} draws")
        for quantity, check in worst.items():
            print(f"  {quantity:10s} {check.ratio:.3g}  ({check.describe()})")
    over = [c.describe() for c in worst.values() if not c.ratio <= HALF]
    assert not over, f"{case.id}: over half a budget from the exact value:\n" + "\n".join(over)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_reference_is_within_half_a_budget_of_the_truth(dtype, capsys):
    case = reference_case(dtype)
    _assert_within_half(case, worst_ratios(case), capsys)


def test_every_implementation_is_within_half_a_budget_of_the_truth(case, capsys):
    _assert_within_half(case, worst_ratios(case), capsys)


def test_every_sigmoid_formula_is_within_half_a_budget_of_the_truth(zoo_case, capsys):
    def skip(params):  # where the member's own exponentials overflow (NaN): tests/draws.py
        return overflows(zoo_case.port.OVERFLOWS, zoo_case.mode, params, X, zoo_case.dtype)

    _assert_within_half(zoo_case, worst_ratios(zoo_case, skip), capsys)


def test_the_tanh_form_needs_the_absolute_term_and_fits_the_budget():
    """The test can fail: at a saturated output the tanh form's error from the truth is far
    beyond a budget relative to |f| (the model before the contract), and within the forward
    budget that covers every formula."""
    from zoo_port import forward as zoo_forward

    params = dict.fromkeys(PARAM_NAMES, 0.0) | {"b3": -30.0}
    got = zoo_forward(params, X[:1], dtype="float64", device="cpu", mode="tanh-fprod")[0]
    true = exact.as_float64(exact.at_inputs(params, X[:1], "float64"))[0]
    budget = TOLERANCES["forward"].budget(forward_magnitude(params, X[:1], "float64"), "float64")[0]
    assert abs(got - true) > TOLERANCES["forward"].c * np.finfo(np.float64).eps * abs(true)
    assert abs(got - true) <= HALF * budget


def test_compare_exact_says_who_is_nearest_the_truth(tmp_path):
    """`crosscheck compare --exact`: the exact port is within half an ulp in every quantity, the
    reference's own distance beside it; in the table and in the JSON."""
    import importlib.util
    import json
    import subprocess
    import sys

    port, report, page = Path(__file__).parent / "exact_port.py", tmp_path / "exact.json", tmp_path / "r.html"
    html = importlib.util.find_spec("jinja2") is not None  # the page needs the html extra
    argv = ["compare", "--port", str(port), "--frameworks", "numpy,exact", "--exact", "--json", str(report)]
    argv += ["--html", str(page)] if html else []
    argv = [sys.executable, "-m", "nn_crosscheck", *argv, "--quiet"]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=_DATA.parent.parent, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "from the exact value, in ulps of float64" in done.stdout
    rows = {r["id"]: r["exact_ulps"] for r in json.loads(report.read_text())["implementations"]}
    for dtype in ("float32", "float64"):
        nearest, reference = rows[f"exact-cpu-{dtype}"], rows[f"numpy-cpu-{dtype}"]
        for quantity in ("forward", "loss", "gradients"):
            assert nearest[quantity]["ulps"] <= 0.5, (dtype, quantity, nearest[quantity])
            assert nearest[quantity]["reference_ulps"] == reference[quantity]["ulps"]
        assert reference["forward"]["ulps"] > 0.5  # the reference's own rounding shows
    if html:
        assert "from the exact value, in ulps of float32" in page.read_text()


# The exact port (tests/exact_port.py): the truth, each reported value rounded once to the dtype,
# through every family on the shared, cancelling and saturating weights.
_DATA = Path(__file__).parent / "data"
EXACT_WEIGHTS = {"shared": SHARED_WEIGHTS} | {
    f"{p.parent.name}/{p.stem}": p
    for p in sorted((_DATA / "cancelling").glob("*.json")) + sorted((_DATA / "saturating").glob("*.json"))
}
# Training in exact arithmetic costs ~4 s a run: the shared weights, a cancelling file, the output
# at both rounding points of f, and a hidden neuron saturated toward 0.
EXACT_TRAINED = (
    "shared", "cancelling/emily_o1", "saturating/o1_b3_16.3", "saturating/o1_b3_36.7", "saturating/h1_b1_-40",
)  # fmt: skip


def _weights(name: str) -> dict:
    found = EXACT_WEIGHTS[name]
    return found if isinstance(found, dict) else load_weights(found)


@pytest.mark.parametrize("name", list(EXACT_WEIGHTS))
def test_the_exact_port_passes_forward_partials_and_the_oracle(exact_case, name):
    params = _weights(name)
    found = [checks.forward_check(exact_case, params, X, list(INPUTS))]
    for who, (x, y_true) in checks.PEOPLE.items():
        found += checks.gradient_checks(exact_case, params, x, y_true, who)
        if exact_case.dtype == "float64":
            found.append(checks.fd_check(exact_case, params, x, y_true, who))
    assert_agree(*found)


@pytest.mark.parametrize("name", EXACT_TRAINED)
def test_the_exact_port_passes_training(exact_case, name):
    assert_agree(*checks.training_checks(exact_case, _weights(name)))


def test_an_ulp_at_a_value_near_0_is_measured_against_its_magnitude_on_request():
    """exact.ulps counts in the ulp of the exact value; with `scales`, in the ulp of the larger of
    the value and the scale (a partial of a saturated neuron: tiny, from terms of size ~0.4)."""
    ctx = exact.context()
    truth = [ctx.mpf("-1.1493618157816728e-17"), ctx.mpf("0.25")]
    own = exact.ulps([0.0, 0.25], truth, "float64")
    assert own[0] == pytest.approx(1.1493618157816728e-17 / 2.0**-109) and own[0] > 1e15
    scaled = exact.ulps([0.0, 0.25], truth, "float64", scales=[0.43, 0.1])
    assert scaled[0] == pytest.approx(1.1493618157816728e-17 / 2.0**-54) and scaled[0] < 1
    assert own[1] == scaled[1] == 0  # a scale below the value changes nothing


def test_compare_exact_says_why_a_distance_near_0_is_huge(capsys, tmp_path):
    """The shared weights saturate h2 at Bob: dL/db2 is -1.15e-17 exactly, from terms of size 0.43,
    and the reference's -0.0 is quadrillions of ulps of that value from it. The row says so, and
    gives the distances in ulps of each element's magnitude; the JSON has them under near_zero."""
    import json

    from test_shown_outputs import assert_shown

    from nn_crosscheck.cli import main
    from nn_crosscheck.engine.suite import NEAR_ZERO

    report = tmp_path / "exact.json"
    argv = ["compare", "--frameworks", "numpy", "--dtypes", "float64", "--exact", "--quiet"]
    assert main([*argv, "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert_shown("exact-near-zero", out)
    (numpy,) = json.loads(report.read_text())["implementations"]
    gradients = numpy["exact_ulps"]["gradients"]
    near = gradients["near_zero"]
    assert gradients["worst"] == "Bob/b2" and gradients["ulps"] > 1e15
    assert abs(near["exact"]) < NEAR_ZERO * near["magnitude"]
    assert near["ulps"] <= 1 and near["reference_ulps"] <= 1
    assert "near_zero" not in numpy["exact_ulps"]["forward"]  # no o1 is near 0 at these weights
