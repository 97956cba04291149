"""`crosscheck`: compare the implementations side by side, or walk through the article.

Exit status: 0 when everything agrees, 1 when anything disagrees, 2 for bad usage.
"""

import argparse
import sys

from ports import DEVICES, DTYPES, PORTS, PortError

from .errors import UsageError

MODES = tuple(dict.fromkeys(mode for info in PORTS.values() for mode in info.modes))


def _names(kind: str, valid: tuple[str, ...]):
    """An argparse type: a comma-separated list of names out of `valid`."""

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))  # deduplicated
        unknown = [n for n in names if n not in valid]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"unknown {kind} {', '.join(map(repr, unknown)) or '(none given)'}; valid: {', '.join(valid)}"
            )
        return names

    return parse


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer; got {text!r}") from None
    if not 0 <= seed < 2**32:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32) as np.random.seed requires; got {seed}")
    return seed


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line on stderr and exit status 2 (argparse adds a usage block)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="crosscheck",
        description="The article's network in NumPy, PyTorch and JAX, checked to agree.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    compare = sub.add_parser(
        "compare",
        help="every framework x device x dtype against the reference, in one table",
        description="Run the forward, gradient and training checks for every available framework x "
        "device x dtype and print one table. Exit 0 if all agree, 1 if any disagrees, 2 for bad usage.",
    )
    compare.add_argument(
        "--frameworks", type=_names("framework", tuple(PORTS)), help="default: all available"
    )
    compare.add_argument("--devices", type=_names("device", DEVICES), help="default: all present")
    compare.add_argument("--dtypes", type=_names("dtype", DTYPES), help="default: float32,float64")
    compare.add_argument(
        "--modes", type=_names("mode", MODES), help="execution modes (JAX: jit, nojit); default: all"
    )
    start = compare.add_mutually_exclusive_group()
    start.add_argument("--seed", type=_seed, help="initial weights: the article's draw under this seed")
    start.add_argument(
        "--weights", metavar="FILE.json", help="initial weights from a file (keys w1..w6, b1..b3)"
    )
    compare.add_argument("--plot", metavar="PATH.png", help="plot the loss curves and their differences")
    compare.add_argument("--repro", metavar="DIR", help="on any FAIL, write a reproduction bundle here")
    _output_options(compare)

    selftest = sub.add_parser(
        "selftest",
        help="prove the checks catch each catalogued porting bug (mutation self-test)",
        description="Run each mutant (a correct port with one realistic bug) through the compare "
        "checks. Exit 0 if every mutant is caught, 1 if any survives.",
    )
    _output_options(selftest)

    bench = sub.add_parser(
        "bench",
        help="time the 1000-epoch training in each framework's idioms",
        description="Time the article's training for each implementation and idiomatic mode: one warm-up, "
        "then repeated timed runs (median, min, max), compile time apart, ratios to the NumPy reference.",
    )
    bench.add_argument("--repeats", type=int, default=5, help="timed runs after the warm-up (default 5)")
    bench.add_argument("--epochs", type=int, default=1000, help="epochs a run (default 1000, the article's)")
    bench.add_argument("--dtypes", type=_names("dtype", DTYPES), help="default: float32,float64")
    bench.add_argument("--frameworks", type=_names("framework", tuple(PORTS)), help="default: all available")
    bench.add_argument("--device", choices=DEVICES, default="cpu")
    _output_options(bench)

    sweep = sub.add_parser(
        "sweep",
        help="N networks from N initial draws, trained at once in every framework, checked one by one",
        description="Train N networks (network i from the article's draw under seed FIRST + i) at once in "
        "every framework, vectorised, and check that all agree on every network. Exit 0 if all agree, "
        "1 if any disagrees, 2 for bad usage.",
    )
    sweep.add_argument(
        "--seeds", type=int, default=1000, metavar="N", help="number of networks (default 1000)"
    )
    sweep.add_argument("--first-seed", type=int, default=0, help="seed of network 0 (default 0)")
    sweep.add_argument("--dtype", choices=DTYPES, default="float64")
    sweep.add_argument("--device", choices=DEVICES, default="cpu")
    sweep.add_argument("--frameworks", type=_names("framework", tuple(PORTS)), help="default: all available")
    _output_options(sweep)

    article = sub.add_parser(
        "article",
        help="the article's worked examples and training, beside what each framework computes",
        description="A walk through the article: each worked example with the article's printed value "
        "beside what numpy, torch and jax compute, then training side by side.",
    )
    article.add_argument("--seed", type=_seed, help="train from the article's draw under this seed")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "compare":
            from .commands.compare import run_compare

            return run_compare(args)
        if args.command == "bench":
            from .commands.bench import run_bench

            return run_bench(args)
        if args.command == "sweep":
            from .commands.sweep import run_sweep

            return run_sweep(args)
        if args.command == "selftest":
            from .commands.selftest import run_selftest

            return run_selftest(args)
        from .commands.article import run_article

        return run_article(args)
    except (UsageError, PortError) as error:
        print(f"crosscheck {args.command}: error: {error}", file=sys.stderr)
        return 2
