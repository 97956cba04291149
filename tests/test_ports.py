"""The port protocol is declared once (ports.protocol.PROTOCOL) and every registered port
provides it; a port registered at run time goes through every command with no edit elsewhere."""

import importlib.util
import sys
from pathlib import Path

import pytest

from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.ports.protocol import PROTOCOL


@pytest.mark.parametrize("name", ports.names())
def test_every_registered_port_provides_the_protocol(name):
    try:
        port = ports.load(name)
    except ports.PortUnavailable as error:
        pytest.skip(str(error))
    # A built-in port that trains provides the whole protocol but train_many, which a port that
    # trains one network at a time (the scalar engine) leaves out: the sweep lists it as skipped;
    # one that only evaluates (ONNX) the same less loss_and_grads, train and the training extras.
    # An outside port provides the required part (the adapter fills in the rest, and what needs
    # an optional function skips a port without it).
    evaluates = ("loss_and_grads", "train", "train_many", "mse_loss", "matmul_canary")
    builtin = tuple(n for n in PROTOCOL if n != "train_many")
    if not port.provides("train"):
        builtin = tuple(n for n in builtin if n not in evaluates)
    required = builtin if name in ports.BUILTINS else ("NAME", "forward")
    missing = [attr for attr in required if not port.provides(attr)]
    assert not missing, f"port {name!r} lacks {', '.join(missing)}"
    assert port.NAME == name


@pytest.fixture
def dummy(monkeypatch):
    """A copy of the NumPy port, loaded from its file under another name and registered."""
    path = Path(ports.__file__).parent / "numpy.py"
    spec = importlib.util.spec_from_file_location("nn_crosscheck.ports.dummy", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "nn_crosscheck.ports.dummy", module)
    spec.loader.exec_module(module)
    module.NAME, module.LABEL = "dummy", "hand (dummy)"
    ports.register(module)
    yield module
    ports.unregister("dummy")


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "--frameworks", "numpy,dummy", "--dtypes", "float64"],
        ["article", "--frameworks", "numpy,dummy"],
        ["selftest", "--frameworks", "numpy", "--dtypes", "float64"],
        ["sweep", "--seeds", "8", "--frameworks", "dummy"],
        ["bench", "--repeats", "1", "--epochs", "5", "--frameworks", "numpy,dummy", "--dtypes", "float64"],
    ],
    ids=lambda argv: argv[0],
)
def test_a_port_registered_at_run_time_runs_through_every_command(dummy, capsys, argv):
    code = main([*argv, "--quiet"] if argv[0] != "article" else argv)
    out, err = capsys.readouterr()
    assert code == 0, out + err
    if argv[0] != "selftest":  # the mutants are made from the built-in ports
        assert "dummy" in out
