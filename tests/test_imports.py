"""Imports flow one way, and no framework is imported until its port is asked for."""

import subprocess
import sys
from pathlib import Path

import pytest

from nn_crosscheck import ports
from nn_crosscheck.engine.cases import Case

ROOT = Path(__file__).parent.parent


def _imported_after(statement: str, cwd: Path = ROOT) -> str:
    """What `statement` leaves in sys.modules that this test asks about, in a fresh interpreter."""
    argv = [sys.executable, "-c", statement]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_reference_and_ports_import_no_framework():
    code = (
        "import sys, nn_crosscheck, nn_crosscheck.reference, nn_crosscheck.ports,"
        " nn_crosscheck.engine.cases, nn_crosscheck.engine.checks, nn_crosscheck.engine.judge;"
        "print(sorted(m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules))"
    )
    assert _imported_after(code) == "[]"


def test_reference_imports_nothing_of_ports_or_the_harness():
    """The package's own __init__ is a docstring: the reference brings in only itself."""
    code = (
        "import sys, nn_crosscheck.reference;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'nn_crosscheck'"
        " and not m.startswith('nn_crosscheck.reference')))"
    )
    assert _imported_after(code) == "['nn_crosscheck']"


def test_the_one_import_name_leaves_the_generic_ones_free():
    """Neither the checkout's folders nor the installed package answer to `ports`, `reference` or
    `crosscheck`: those names stay the user's."""
    code = (
        "import sys, nn_crosscheck, nn_crosscheck.ports, nn_crosscheck.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ports', 'reference', 'crosscheck')))"
    )
    assert _imported_after(code) == "[]"


def test_registry_matches_the_port_modules(case):
    info = ports.PORTS[case.framework]
    assert case.port.NAME == info.name
    assert case.port.MODES == info.modes
    assert set(case.port.devices()) <= set(info.devices)


def test_unknown_framework_names_the_valid_ones():
    with pytest.raises(
        ports.PortError, match=f"unknown framework 'mxnet'; valid: {', '.join(ports.names())}"
    ):
        ports.load("mxnet")


def test_case_ids_are_readable():
    assert Case("jax", "cpu", "float32", "jit").id == "jax-cpu-float32-jit"
    assert Case("torch", "cuda", "float64", "eager").id == "torch-cuda-float64-eager"
    assert Case("scalar", "cpu", "float64", "eager").id == "scalar-cpu-float64"
