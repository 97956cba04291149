"""`crosscheck`: compare the implementations side by side, or walk through the article.

Exit status: 0 when everything agrees, 1 when anything disagrees, 2 for bad usage.
"""

import argparse
import importlib
import sys
import textwrap
from collections.abc import Callable

from nn_crosscheck import ports
from nn_crosscheck.ports import DEVICES, DTYPES, PortError
from nn_crosscheck.reference.pipes import quietly_on_broken_pipe

from . import __version__
from .engine.cases import check_modes, unknown_names
from .errors import UsageError


def _modes() -> tuple[str, ...]:
    """Every port's modes, as declared (PortInfo.declared_modes: no framework imported)."""
    return tuple(dict.fromkeys(mode for name in ports.names() for mode in ports.info(name).declared_modes))


def _declared_modes() -> tuple[str, ...]:
    """The modes the ports' sources declare, read without importing any (for --help)."""
    from nn_crosscheck.ports.registry import literal_assignments

    sources = (literal_assignments(ports.info(name).module_name) for name in ports.names())
    return tuple(dict.fromkeys(mode for found in sources for mode in found.get("MODES", ("eager",))))


EXIT_STATUS = (
    "exit status: 0 when everything agrees, 1 when anything disagrees or a port raised, 2 for bad "
    "usage, 130 when interrupted"
)


class _Formatter(argparse.HelpFormatter):
    """Descriptions wrapped, as argparse wraps them; text of several lines (the epilog: exit
    status and examples) kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _epilog(*examples: str, status: str = EXIT_STATUS) -> dict:
    """A command's closing lines: its exit status (wrapped) and examples, one a line."""
    lines = [*textwrap.wrap(status, 78), "", "examples:", *(f"  {e}" for e in examples)]
    return {"epilog": "\n".join(lines), "formatter_class": _Formatter}


def _names(kind: str, valid: Callable[[], tuple[str, ...]]):
    """An argparse type: a comma-separated list of names out of `valid()`, read when parsed (so
    a port registered after the parser was built is known)."""

    def parse(text: str) -> tuple[str, ...]:
        given = [n.strip() for n in text.split(",")]
        valid_names = valid()
        if "" in given and text.strip():  # "numpy,,": an empty name (no name at all: below)
            raise argparse.ArgumentTypeError(
                f"an empty {kind} name in {text!r} (names are separated by single commas); "
                f"valid: {', '.join(valid_names)}"
            )
        names = tuple(dict.fromkeys(n for n in given if n))  # deduplicated
        problem = unknown_names(kind, names, valid_names)
        if problem:
            raise argparse.ArgumentTypeError(problem)
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


def _selection_options(parser: argparse.ArgumentParser, **defaults: str) -> None:
    """--frameworks, --devices, --dtypes, --modes: the same four flags for every command, each a
    comma list; `defaults` overrides the help text of a flag whose default differs."""
    flags = {
        "frameworks": ("framework", ports.names, ports.names(), "all available"),
        "devices": ("device", lambda: DEVICES, DEVICES, "all present"),
        "dtypes": ("dtype", lambda: DTYPES, DTYPES, ",".join(DTYPES)),
        "modes": ("mode", _modes, _declared_modes(), "all of each framework"),
    }
    for flag, (kind, valid, shown, default) in flags.items():
        parse = _names(kind, valid)
        parser.add_argument(
            f"--{flag}", type=parse, metavar=kind.upper() + ",...",
            help=f"comma list of {', '.join(shown)}; default: {defaults.get(flag, default)}",
        )  # fmt: skip
        # The singular spellings some commands once had, kept working but not advertised.
        parser.add_argument(f"--{kind}", dest=flag, type=parse, help=argparse.SUPPRESS)
    _port_option(parser)


def _port_option(parser: argparse.ArgumentParser) -> None:
    # Read by main() before the command line is parsed (so --frameworks may name the port); here
    # for --help and so that argparse accepts it.
    parser.add_argument(
        "--port", action="append", metavar="SPEC", default=[],
        help="also check this port: a .py file or a dotted module name (repeatable; "
        f"{ports.ENVIRONMENT} holds more, comma-separated)",
    )  # fmt: skip


def register_ports(argv: list[str]) -> list:
    """Register the ports of NN_CROSSCHECK_PORTS and of every --port in `argv`, after checking
    the installed entry points for a clash: before parsing, so --frameworks knows them."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--port", action="append", default=[])
    specs = early.parse_known_args(argv)[0].port
    ports.check_clashes()
    return [*ports.from_environment(), *(ports.load_spec(spec) for spec in specs)]


def _positive(kind: type, what: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}")
        return value

    return parse


def _worker_options(parser: argparse.ArgumentParser, jobs="$NN_CROSSCHECK_JOBS, else a core each") -> None:
    from .engine.workers import DEFAULT_TIMEOUT

    parser.add_argument(
        "--jobs", type=_positive(int, "a whole number of workers, 1 or more"), metavar="N",
        help=f"worker processes, each running one implementation at a time (default: {jobs}); "
        "1: everything in this process, one after another (for debugging)",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", type=_positive(float, "a number of seconds above 0"), metavar="S",
        default=DEFAULT_TIMEOUT,
        help=f"seconds an implementation may run in its worker before it is ended and reported as an "
        f"ERROR (default {DEFAULT_TIMEOUT:g}; cases sharing a worker have theirs each; not enforced "
        "with --jobs 1)",
    )  # fmt: skip


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--verbose", action="store_true", help="also print the traceback of any port that raised, on stderr"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="crosscheck",
        description="The network of 'An Introduction to Neural Networks' in NumPy (the reference), "
        "PyTorch, JAX, TensorFlow and a scalar autograd engine, where it is deployed (ONNX Runtime, "
        "TensorFlow.js in Node.js and in Chromium), and in any port you point it at "
        f"(registered here: {', '.join(ports.names())}), checked to agree.",
        **_epilog("crosscheck compare", "crosscheck compare --port my_port.py --frameworks mine",
                  "crosscheck COMMAND --help"),
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=f"crosscheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_compare(sub)
    for add in (_add_report, _add_selftest, _add_bench, _add_sweep, _add_article):
        add(sub)
    return parser


def _add_compare(sub) -> None:
    compare = sub.add_parser(
        "compare",
        help="every framework x device x dtype against the reference, in one table",
        description="Run the forward, gradient and training checks for every available framework x "
        "device x dtype x mode and print one table, each implementation in a worker process.",
        **_epilog("crosscheck compare", "crosscheck compare --frameworks numpy,torch --dtypes float64",
                  "crosscheck compare --port my_port.py --frameworks mine --repro bundle"),
    )  # fmt: skip
    _compare_options(compare)
    compare.add_argument("--html", metavar="PATH.html", help="also write the report as one HTML page")


def _add_report(sub) -> None:
    report = sub.add_parser(
        "report",
        help="compare, written as one self-contained HTML page",
        description="Run compare (the same checks, flags and table) and write its report as one HTML "
        "page that loads nothing from anywhere: the verdict, the network, the comparison table with the "
        "locator's sentence for a FAIL, the loss curves, each framework's code for one SGD step side by "
        "side and the article's numbers.",
        **_epilog("crosscheck report --html report.html", "crosscheck report --frameworks jax --html j.html"),
    )  # fmt: skip
    _compare_options(report)
    report.add_argument("--html", metavar="PATH.html", required=True, help="write the HTML page here")


def _compare_options(compare: argparse.ArgumentParser) -> None:
    """compare's flags (and report's, which runs compare)."""
    _selection_options(compare)
    start = compare.add_mutually_exclusive_group()
    start.add_argument("--seed", type=_seed, help="initial weights: the article's draw under this seed")
    start.add_argument(
        "--weights", metavar="FILE.json", help="initial weights from a file (keys w1..w6, b1..b3)"
    )
    compare.add_argument("--plot", metavar="PATH.png", help="plot the loss curves and their differences")
    compare.add_argument("--repro", metavar="DIR", help="on any FAIL, write a reproduction bundle here")
    compare.add_argument(
        "--junit", metavar="PATH", help="also write JUnit XML: a testcase per implementation x quantity"
    )
    compare.add_argument(
        "--exact",
        action="store_true",
        help="also show each implementation's distance from the exact value (mpmath, 50 digits) "
        "for forward, loss and gradients, in ulps of its dtype, beside the reference's own",
    )
    _worker_options(compare)
    _output_options(compare)


def _add_selftest(sub) -> None:
    selftest = sub.add_parser(
        "selftest",
        help="prove the checks catch each catalogued porting bug (mutation self-test)",
        description="Run each mutant (a correct port with one realistic bug) through the compare "
        "checks, after the unmutated ports themselves.",
        **_epilog("crosscheck selftest", "crosscheck selftest --port my_port.py --frameworks mine",
                  status="exit status: 0 when every mutant is caught, 1 when one survives or an unmutated "
                  "port already disagrees, 2 for bad usage, 3 when a mutant could not be run (an error of "
                  "the harness, neither caught nor a survivor), 130 when interrupted"),
    )  # fmt: skip
    _selection_options(selftest, devices="cpu (every mutant runs there)")
    _worker_options(selftest)
    _output_options(selftest)


def _add_bench(sub) -> None:
    bench = sub.add_parser(
        "bench",
        help="time the 1000-epoch training in each framework's idioms",
        description="Time the article's training for each implementation and idiomatic mode: one warm-up, "
        "then repeated timed runs (median, min, max), compile time apart, ratios to the NumPy reference; "
        "in this process, one run at a time, so that no run disturbs another's timing.",
        **_epilog("crosscheck bench --repeats 3", "crosscheck bench --frameworks numpy,torch --json b.json",
                  status="exit status: 0 when every timed run agrees with the reference, 1 otherwise, 2 for "
                  "bad usage, 130 when interrupted"),
    )  # fmt: skip
    bench.add_argument("--repeats", type=int, default=5, help="timed runs after the warm-up (default 5)")
    bench.add_argument("--epochs", type=int, default=1000, help="epochs a run (default 1000, the article's)")
    _selection_options(bench, devices="cpu", modes="every variant")
    _output_options(bench)


def _add_sweep(sub) -> None:
    sweep = sub.add_parser(
        "sweep",
        help="N networks from N initial draws, trained at once in every framework, checked one by one",
        description="Train N networks (network i from the article's draw under seed FIRST + i) at once in "
        "every framework, vectorised and in chunks, and check that all agree on every network; then "
        "train a few again by each port's own train and check the batched results equal them. Or "
        "combine the JSON reports of separate seed ranges (--merge).",
        **_epilog("crosscheck sweep --seeds 1000", "crosscheck sweep --seeds 500 --first-seed 500",
                  "crosscheck sweep --merge a.json b.json"),
    )  # fmt: skip
    sweep.add_argument(
        "--seeds", type=int, default=1000, metavar="N", help="number of networks (default 1000)"
    )
    sweep.add_argument("--first-seed", type=int, default=0, help="seed of network 0 (default 0)")
    sweep.add_argument(
        "--recheck", type=int, default=3, metavar="K",
        help="after the batched run, train K networks of each implementation (the worst by err/tol, "
        "and at random) by the port's own train; the batched results must equal them (default 3; 0: none)",
    )  # fmt: skip
    sweep.add_argument(
        "--amplification", choices=("needed", "all"), default="needed",
        help="whose amplification (the budget multiplier) to measure: 'needed' (default), only the networks "
        "whose verdict, worst row or recheck pick it could bear on, with the verdict, rows and picks of "
        "'all'; 'all', every network, for its distribution",
    )  # fmt: skip
    sweep.add_argument(
        "--merge", nargs="+", metavar="REPORT.json",
        help="combine the --json reports of separate seed ranges (e.g. the jobs of a job array) into one "
        "verdict, instead of running a sweep",
    )  # fmt: skip
    _selection_options(
        sweep,
        devices="cpu (one device kind; JAX shards the networks over every device of that kind)",
        dtypes="float64 (one dtype)",
        modes="the one each port names for the sweep (TensorFlow: xla), else its first",
    )
    _output_options(sweep)


def _add_article(sub) -> None:
    article = sub.add_parser(
        "article",
        help="the article's worked examples and training, beside what each framework computes",
        description="A walk through the article: each worked example with the article's printed value "
        "beside what each selected framework computes (by default every available one), then training "
        "side by side.",
        **_epilog("crosscheck article", "crosscheck article --frameworks numpy,torch --seed 3"),
    )  # fmt: skip
    article.add_argument("--seed", type=_seed, help="train from the article's draw under this seed")
    _selection_options(
        article, devices="cpu (one device)", dtypes="float64 (one dtype)", modes="each default"
    )


COMMANDS = ("compare", "report", "selftest", "bench", "sweep", "article")
INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit status (141 when the reader of stdout left early, 130 when
    interrupted: one line, no traceback; the reports are written only once the work is done, each
    whole or not at all)."""
    try:
        return quietly_on_broken_pipe(lambda: _run(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("crosscheck: interrupted", file=sys.stderr)
        return INTERRUPTED


def _run(argv: list[str]) -> int:
    try:
        register_ports(argv)
    except PortError as error:
        command = next((a for a in argv if a in COMMANDS), None)  # before parsing: the first name
        print(f"crosscheck{f' {command}' if command else ''}: error: {error}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_modes(args.frameworks, args.modes)
        command = importlib.import_module(f"{__package__}.commands.{args.command}")
        return command.run(args)
    except (UsageError, PortError) as error:
        print(f"crosscheck {args.command}: error: {error}", file=sys.stderr)
        return 2
