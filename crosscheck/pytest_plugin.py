"""nn-crosscheck as a pytest plugin: the agreement families on your own port, from your repository.

Installed with nn-crosscheck (entry point `pytest11`), inert unless asked for:

    pytest --crosscheck-port path/to/port.py     # or a dotted module name; repeatable
    pytest --crosscheck                          # the ports of NN_CROSSCHECK_PORTS and of
                                                 # installed packages, the built-in ones aside

adds crosscheck/families.py (forward, gradients with the finite-difference oracle, training,
mapping where the port has one) to what pytest collects, parametrised over those ports with the
ids and failure messages of nn-crosscheck's own suite (`homework-cpu-float64`). The header says
which ports are checked and where each came from. Without the plugin installed:
`pytest -p crosscheck.pytest_plugin --crosscheck-port ...`.
"""

from pathlib import Path

import pytest

import ports

CHOSEN: list[str] = []  # the ports the families run on, set when the plugin is asked for


def pytest_addoption(parser):
    group = parser.getgroup("nn-crosscheck", "nn-crosscheck: check a port of the article's network")
    group.addoption(
        "--crosscheck-port", action="append", default=[], metavar="SPEC",
        help="run nn-crosscheck's agreement families on this port (a .py file or a module name)",
    )  # fmt: skip
    group.addoption(
        "--crosscheck", action="store_true",
        help=f"run them on the ports of {ports.ENVIRONMENT} and of installed packages",
    )  # fmt: skip


def pytest_configure(config):
    specs = config.getoption("crosscheck_port")
    if not specs and not config.getoption("crosscheck"):
        return
    try:
        ports.check_clashes()
        registered = [*ports.from_environment(), *(ports.load_spec(s) for s in specs)]
    except ports.PortError as error:
        raise pytest.UsageError(f"nn-crosscheck: {error}") from None
    names = [p.name for p in registered] or [
        n for n, info in ports.PORTS.items() if n not in ports.BUILTINS and "nn-crosscheck" not in info.source
    ]
    if not names:
        raise pytest.UsageError(
            f"nn-crosscheck: no port to check: give --crosscheck-port SPEC, set {ports.ENVIRONMENT}, "
            "or install a package with an nn_crosscheck.ports entry point"
        )
    CHOSEN[:] = dict.fromkeys(names)
    config.args.append(str(Path(__file__).with_name("families.py")))


def pytest_report_header(config):
    if not CHOSEN:
        return []
    from .engine.precision import describe, preflight

    lines = ["nn-crosscheck ports under check:"]
    lines += [f"  {name}: {ports.PORTS[name].source}" for name in CHOSEN]
    return lines + [f"  {line}" for line in describe(preflight(("numpy", *CHOSEN)))]
