"""The NumPy reference against the article: its script's printout, worked examples and figures."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nn_crosscheck.engine import magnitudes
from nn_crosscheck.engine.judge import assert_agree, compare
from nn_crosscheck.reference import (
    ALL_Y_TRUES,
    DATA,
    EMILY,
    FRANK,
    PARAM_NAMES,
    SHARED_WEIGHTS,
    OurNeuralNetwork,
    article,
    draw,
    mse_loss,
    partials,
    sigmoid,
)
from nn_crosscheck.reference import __main__ as reference_main

import article_script

DATA_DIR = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
SEED0 = json.loads((DATA_DIR / "seed0_figures.json").read_text())


def test_printout_seed0_is_the_scripts_byte_for_byte():
    out = subprocess.run(
        [sys.executable, "-m", "nn_crosscheck.reference", "--seed", "0"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    assert out == (DATA_DIR / "original_seed0.out").read_bytes()


@pytest.mark.parametrize("seed", [1, 7, 42, 1234, 2**32 - 1])
def test_printout_matches_the_script_for_other_seeds(seed, capsys):
    reference_main.main(["--seed", str(seed)])
    assert capsys.readouterr().out == article_script.run(seed)


def test_printout_has_the_scripts_shape(capsys):
    reference_main.main(["--seed", "3"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 102
    assert lines[0].startswith("Epoch 0 loss: ") and lines[99].startswith("Epoch 990 loss: ")
    assert lines[100].startswith("Emily: ") and lines[101].startswith("Frank: ")


@pytest.mark.parametrize("seed", ["-1", str(2**32), "x"])
def test_bad_seed_is_a_usage_error(seed, capsys):
    with pytest.raises(SystemExit) as exit_info:
        reference_main.main(["--seed", seed])
    assert exit_info.value.code == 2
    assert "--seed" in capsys.readouterr().err


def test_shared_weights_are_the_articles_seed0_draw():
    assert draw(0) == SHARED_WEIGHTS == SEED0["initial"]
    assert tuple(SHARED_WEIGHTS) == PARAM_NAMES


def test_draw_leaves_the_global_generator_alone():
    np.random.seed(5)
    expected = np.random.normal()
    np.random.seed(5)
    draw(0)
    assert np.random.normal() == expected


def test_unseeded_construction_draws_in_the_scripts_order():
    np.random.seed(11)
    values = np.random.normal(size=9).tolist()
    np.random.seed(11)
    assert OurNeuralNetwork().params() == dict(zip(PARAM_NAMES, values))


def _full(quantity, got, expected, labels, magnitude=None):
    return compare(
        quantity, got, expected, dtype="float64", case="reference", labels=labels, magnitude=magnitude
    )


def test_worked_examples_full_precision():
    """§1 one neuron, §2 the network, §4 the MSE example, at full precision and as printed."""
    neuron = sigmoid(np.dot(article.NEURON["w"], article.NEURON["x"]) + article.NEURON["b"])
    ex = article.NETWORK_EXAMPLE
    net = OurNeuralNetwork(ex["params"])
    h1 = sigmoid(net.w1 * ex["x"][0] + net.w2 * ex["x"][1] + net.b1)
    o1 = net.feedforward(ex["x"])
    mse = mse_loss(np.array(article.MSE_EXAMPLE["y_true"]), np.array(article.MSE_EXAMPLE["y_pred"]))
    assert_agree(
        _full(
            "forward",
            [neuron, h1, o1],
            [article.NEURON_FULL, article.NETWORK_H_FULL, article.NETWORK_FULL],
            ["neuron f(7)", "network h1", "network o1"],
            [
                magnitudes.forward_magnitude(article.NEURON_AS_NETWORK, np.array([ex["x"]]), "float64")[0],
                magnitudes.neuron(
                    [(net.w1, magnitudes.exact(ex["x"][0])), (net.w2, magnitudes.exact(ex["x"][1]))],
                    net.b1,
                    "float64",
                )[0].magnitude,
                magnitudes.forward_magnitude(ex["params"], np.array([ex["x"]]), "float64")[0],
            ],
        ),
    )
    assert mse == article.MSE_PRINTED
    assert (round(neuron, 3), round(h1, 4), round(o1, 4)) == (
        article.NEURON_PRINTED,
        article.NETWORK_H_PRINTED,
        article.NETWORK_PRINTED,
    )


def test_backprop_example_full_precision_and_as_printed():
    """§5: all weights 1, biases 0, Alice; the hand partials against the article's figures."""
    ex, full, printed = article.BACKPROP_EXAMPLE, article.BACKPROP_FULL, article.BACKPROP_PRINTED
    net = OurNeuralNetwork(ex["params"])
    loss, grads = partials(net, np.array(ex["x"]), ex["y_true"])
    params, x, y_true = ex["params"], ex["x"], ex["y_true"]
    grad_magnitudes = magnitudes.gradient_magnitudes(params, x, y_true, "float64")
    assert_agree(
        _full(
            "loss",
            [loss],
            [full["loss"]],
            ["Alice"],
            magnitudes.loss_magnitude(params, x, y_true, "float64").magnitude,
        ),
        _full(
            "forward",
            [net.feedforward(x)],
            [full["y_pred"]],
            ["Alice"],
            magnitudes.forward_magnitude(params, np.array([x]), "float64"),
        ),
        _full(
            "gradients",
            [grads[p] for p in PARAM_NAMES],
            [full["grads"][p] for p in PARAM_NAMES],
            [f"Alice/{p}" for p in PARAM_NAMES],
            [grad_magnitudes[p] for p in PARAM_NAMES],
        ),
    )
    # The article rounds y_pred to 0.524 and h1 to 0.0474 before its chain rule.
    y_pred, h1 = printed["y_pred"], sigmoid(-3.0)
    d_ypred = -2 * (1 - y_pred)
    d_h1 = 1 * y_pred * (1 - y_pred)  # w5 f'(h1 + h2 + b3) = f (1 - f) at the rounded y_pred
    d_w1 = -2 * h1 * (1 - h1)  # x1 f'(-3)
    assert round(h1, 4) == printed["h1"]
    assert round(d_ypred, 3) == printed["dL/dypred"]
    assert round(d_h1, 3) == printed["dypred/dh1"]
    assert round(d_w1, 4) == printed["dh1/dw1"]
    product = printed["dL/dypred"] * printed["dypred/dh1"] * printed["dh1/dw1"]
    assert round(product, 4) == printed["dL/dw1"]
    # Its rounded factors put 0.0214 one unit in the last place below the exact 0.02147.
    assert abs(full["grads"]["w1"] - printed["dL/dw1"]) < 1e-4


def test_seed0_training_reproduces_the_articles_figures():
    net = OurNeuralNetwork(SHARED_WEIGHTS)
    before = mse_loss(ALL_Y_TRUES, net.feedforward(DATA.T))
    net.train(DATA, ALL_Y_TRUES)
    after = mse_loss(ALL_Y_TRUES, net.feedforward(DATA.T))
    trained = net.params()
    assert_agree(
        _full("loss_log", [before, after], [SEED0["loss_before"], SEED0["loss_after"]], ["before", "after"]),
        _full(
            "final_params",
            [trained[p] for p in PARAM_NAMES],
            [SEED0["trained"][p] for p in PARAM_NAMES],
            PARAM_NAMES,
        ),
        _full(
            "predictions",
            [net.feedforward(EMILY), net.feedforward(FRANK)],
            [SEED0["emily"], SEED0["frank"]],
            ["Emily", "Frank"],
        ),
    )
    assert net.feedforward(EMILY) > 0.5 > net.feedforward(FRANK), "Emily must come out F (1), Frank M (0)"


def test_float32_reference_stays_float32():
    net = OurNeuralNetwork(SHARED_WEIGHTS, dtype=np.float32)
    losses = net.train(DATA, ALL_Y_TRUES, epochs=2)
    assert {type(getattr(net, p)) for p in PARAM_NAMES} == {np.float32}
    assert net.feedforward(EMILY).dtype == np.float32
    assert len(losses) == 1


def test_partials_work_elementwise_on_arrays():
    """The article's arithmetic, unchanged, on a batch of parameter sets."""
    rng = np.random.default_rng(0)
    batch = {p: rng.normal(size=5) for p in PARAM_NAMES}
    loss, grads = partials(OurNeuralNetwork(batch), DATA[1], 0.0)
    for i in range(5):
        one_loss, one = partials(OurNeuralNetwork({p: v[i] for p, v in batch.items()}), DATA[1], 0.0)
        assert loss[i] == one_loss
        assert all(grads[p][i] == one[p] for p in PARAM_NAMES)
