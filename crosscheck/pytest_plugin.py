"""nn-crosscheck as a pytest plugin: the agreement families on your own port, from your repository.

Installed with nn-crosscheck (entry point `pytest11`), inert unless asked for:

    pytest --crosscheck-port path/to/port.py     # or a dotted module name; repeatable
    pytest --crosscheck                          # the ports of NN_CROSSCHECK_PORTS and of
                                                 # installed packages, the built-in ones aside

adds the agreement families (`nn_crosscheck/families.py::...`: forward, gradients with the
finite-difference oracle, training, mapping where the port has one) to what pytest collects,
parametrised over those ports with the ids and failure messages of nn-crosscheck's own suite
(`homework-cpu-float64`). The header says which ports are checked and where each came from.
Without the plugin installed: `pytest -p nn_crosscheck.pytest_plugin --crosscheck-port ...`.
"""

import importlib
from pathlib import Path

import pytest

# Loaded into every pytest session of an environment where nn-crosscheck is installed, asked for or
# not: so this module imports nothing of the project until it is asked for (pytest_configure), and
# a session that did not ask meets only the two options below.
ENVIRONMENT = "NN_CROSSCHECK_PORTS"  # nn_crosscheck.ports.ENVIRONMENT, not imported to say it
CHOSEN: list[str] = []  # the ports the families run on, set when the plugin is asked for
FAMILIES = Path(__file__).resolve().with_name("families.py")


def pytest_addoption(parser):
    group = parser.getgroup("nn-crosscheck", "nn-crosscheck: check a port of the article's network")
    group.addoption(
        "--crosscheck-port", action="append", default=[], metavar="SPEC",
        help="run nn-crosscheck's agreement families on this port (a .py file or a module name)",
    )  # fmt: skip
    group.addoption(
        "--crosscheck", action="store_true",
        help=f"run them on the ports of {ENVIRONMENT} and of installed packages",
    )  # fmt: skip


def pytest_configure(config):
    specs = config.getoption("crosscheck_port")
    if not specs and not config.getoption("crosscheck"):
        return
    from nn_crosscheck import ports

    try:
        ports.check_clashes()
        registered = ports.from_environment()
        registered += [ports.load_spec(s, source="--crosscheck-port") for s in specs]
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


# The families join what pytest collected, as one module of their own, imported by its package
# name. Not as a path to collect: pytest would walk the folders above it, loading any conftest.py
# there and, where the package's folder is named crosscheck/ (an editable install), importing it
# as a top-level `crosscheck` with the checkout's root put on sys.path, in front of the user's own
# `ports`, `reference` and `crosscheck`. tryfirst: before -k and -m deselect.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    if CHOSEN:
        families = _Families.from_parent(session, path=FAMILIES, nodeid="nn_crosscheck/families.py")
        items.extend(session.genitems(families))


class _Families(pytest.Module):
    def _getobj(self):  # pytest.Module's own imports the file by its path
        module = importlib.import_module("nn_crosscheck.families")
        manager = self.config.pluginmanager
        manager.consider_module(module)
        if not manager.is_registered(module):  # its hook: a family the port does not provide skips
            manager.register(module, "nn_crosscheck.families")
        return module


def pytest_report_header(config):
    if not CHOSEN:
        return []
    from nn_crosscheck import ports
    from nn_crosscheck.engine.precision import describe, preflight

    lines = ["nn-crosscheck ports under check:"]
    lines += [f"  {name}: {ports.PORTS[name].source}" for name in CHOSEN]
    return lines + [f"  {line}" for line in describe(preflight(("numpy", *CHOSEN)))]
