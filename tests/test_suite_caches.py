"""The suite's own caches: a test that swaps a port under a shared name takes `private_caches`
(conftest.py), which sets the worker's cached training runs aside instead of clearing them, so
the tests after it on that worker still find them."""

from pathlib import Path

from conftest import registry_restored
from nn_crosscheck import ports
from nn_crosscheck.cli import main
from nn_crosscheck.engine import checks
from nn_crosscheck.engine.cases import Case
from nn_crosscheck.reference import SHARED_WEIGHTS

ROOT = Path(__file__).parent.parent


def test_private_caches_set_the_workers_own_aside(request, monkeypatch):
    checks.train(Case("numpy", "cpu", "float64", "eager"), SHARED_WEIGHTS)
    before = checks._timed_train.cache_info().currsize
    request.getfixturevalue("private_caches")
    assert checks._timed_train.cache_info().currsize == 0
    checks.train(Case("numpy", "cpu", "float32", "eager"), SHARED_WEIGHTS)
    checks._timed_train.cache_clear()
    monkeypatch.undo()  # what the end of the test does
    assert checks._timed_train.cache_info().currsize == before >= 1


def test_a_port_registered_by_a_test_is_gone_after_it(capsys):
    """A command run in this process registers its --port for good; the tests after it on the
    same worker must not see it (conftest's registry_as_it_was, around every test)."""
    before = set(ports.PORTS)
    with registry_restored():
        main(["compare", "--port", str(ROOT / "tests" / "drifted_port.py"), "--frameworks", "numpy",
              "--dtypes", "float64", "--quiet"])  # fmt: skip
        assert "drifted" in ports.PORTS
    assert set(ports.PORTS) == before
