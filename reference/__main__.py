"""`python -m nn_crosscheck.reference [--seed S]`: print exactly what the article's script prints.

With `--seed S` the global generator is seeded (`np.random.seed(S)`) just before the network is
constructed; without it the draw is unseeded, as in the script.
"""

import argparse
import sys

import numpy as np

from .article import ALL_Y_TRUES, DATA, EMILY, FRANK, LOG_EVERY
from .network import OurNeuralNetwork
from .pipes import quietly_on_broken_pipe


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m nn_crosscheck.reference", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seed", type=int, help="call np.random.seed(SEED) before construction")
    args = parser.parse_args(argv)
    if args.seed is not None and not 0 <= args.seed < 2**32:
        parser.error(f"--seed must be in [0, 2**32), as np.random.seed requires; got {args.seed}")

    if args.seed is not None:
        np.random.seed(args.seed)
    network = OurNeuralNetwork()
    losses = network.train(DATA, ALL_Y_TRUES)
    for i, loss in enumerate(losses):
        print("Epoch %d loss: %.3f" % (i * LOG_EVERY, loss))
    print("Emily: %.3f" % network.feedforward(EMILY))  # the article's run: 0.951 - F
    print("Frank: %.3f" % network.feedforward(FRANK))  # the article's run: 0.039 - M


if __name__ == "__main__":
    sys.exit(quietly_on_broken_pipe(main))
