"""Initial weights: the article's draw for a seed, and the shared weights every port starts from."""

import numpy as np

from .article import PARAM_NAMES
from .network import OurNeuralNetwork, Params


def draw(seed: int) -> Params:
    """The nine parameters the script draws after `np.random.seed(seed)`.

    The global generator is restored afterwards, so drawing does not disturb a caller's stream.
    """
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        return OurNeuralNetwork().params()
    finally:
        np.random.set_state(state)


def draw_many(first_seed: int, n: int) -> dict[str, np.ndarray]:
    """{name: (n,) array}: entry i is `draw(first_seed + i)`, the same numbers (a private legacy
    generator seeded like the global one, its nine normal draws in the same order)."""
    generator, rows = np.random.RandomState(), np.empty((n, len(PARAM_NAMES)))
    for i in range(n):
        generator.seed(first_seed + i)
        rows[i] = generator.normal(size=len(PARAM_NAMES))
    return {name: rows[:, j] for j, name in enumerate(PARAM_NAMES)}


# The shared initial weights: the article's draw under seed 0 (a test checks `draw(0)` gives
# exactly these). Non-symmetric (w2 != w3, w5 != w6), so a transposed layout cannot hide.
SHARED_WEIGHTS: Params = dict(
    w1=1.764052345967664,
    w2=0.4001572083672233,
    w3=0.9787379841057392,
    w4=2.240893199201458,
    w5=1.8675579901499675,
    w6=-0.977277879876411,
    b1=0.9500884175255894,
    b2=-0.1513572082976979,
    b3=-0.10321885179355784,
)
assert tuple(SHARED_WEIGHTS) == PARAM_NAMES
