"""Family a: forward outputs of every implementation against the reference."""

import numpy as np
from hypothesis import given

from nn_crosscheck.engine.checks import PEOPLE, PREDICTION_CASES, forward_check
from nn_crosscheck.engine.judge import assert_agree, compare
from nn_crosscheck.engine.magnitudes import forward_magnitude
from nn_crosscheck.reference import SHARED_WEIGHTS, article

from strategies import inputs, weights


def test_worked_examples(case):
    """§1 and §2 at full precision: f(7) = 0.99908..., the network's o1 = 0.72163..."""
    x = np.array([article.NETWORK_EXAMPLE["x"]])
    got = [
        case.forward(article.NEURON_AS_NETWORK, x)[0],
        case.forward(article.NETWORK_EXAMPLE["params"], x)[0],
    ]
    assert_agree(
        compare(
            "forward",
            got,
            [article.NEURON_FULL, article.NETWORK_FULL],
            dtype=case.dtype,
            case=case.id,
            labels=["neuron f(7)", "network o1"],
            magnitude=[
                forward_magnitude(article.NEURON_AS_NETWORK, x, case.dtype)[0],
                forward_magnitude(article.NETWORK_EXAMPLE["params"], x, case.dtype)[0],
            ],
        )
    )


def test_shared_weights_on_the_people(case):
    """The shared initial weights on Alice, Bob, Charlie, Diana, Emily and Frank."""
    people = {name: x for name, (x, _) in PEOPLE.items()} | PREDICTION_CASES
    assert_agree(forward_check(case, SHARED_WEIGHTS, np.array(list(people.values())), list(people)))


@given(params=weights(), X=inputs())
def test_random_weights_and_inputs(case, params, X):
    assert_agree(forward_check(case, params, X, [f"x={tuple(row)}" for row in X.tolist()]))
