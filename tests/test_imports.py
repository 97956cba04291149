"""Imports flow one way, and no framework is imported until its port is asked for."""

import subprocess
import sys
from pathlib import Path

import pytest

import ports
from crosscheck.engine.cases import Case

ROOT = Path(__file__).parent.parent


def test_reference_and_ports_import_no_framework():
    code = (
        "import sys, reference, ports, crosscheck.engine.cases, crosscheck.engine.checks,"
        " crosscheck.engine.judge;"
        "print(sorted(m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_reference_imports_nothing_of_ports_or_crosscheck():
    code = (
        "import sys, reference;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ports', 'crosscheck')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


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
