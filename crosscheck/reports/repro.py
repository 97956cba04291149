"""Reproduction bundle (`compare --repro DIR`): what it takes to rerun a failing case alone."""

import json
import shlex
import sys
from pathlib import Path

import ports

from ..engine.suite import CaseReport
from ..engine.weights_file import dump_weights
from ..errors import UsageError


def rerun_command(report: CaseReport, weights_path: Path) -> str:
    """The command that reruns only this implementation, from the same initial weights."""
    case = report.case
    argv = [
        sys.executable, "-m", "crosscheck", "compare",
        "--frameworks", case.framework, "--devices", case.device,
        "--dtypes", case.dtype, "--modes", case.mode,
        "--weights", str(weights_path.resolve()),
    ]  # fmt: skip
    spec = ports.info(case.framework).spec  # a port from --port or NN_CROSSCHECK_PORTS
    if spec:
        argv += ["--port", str(Path(spec).resolve()) if spec.endswith(".py") else spec]
    return shlex.join(argv)


def write_bundle(directory: str, reports: list[CaseReport], data: dict) -> list[str]:
    """Write weights.json, environment.json, report.json and commands.sh; return the commands."""
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        weights_path = out / "weights.json"
        dump_weights(data["weights"]["params"], weights_path)
        (out / "environment.json").write_text(json.dumps(data["environment"], indent=2) + "\n")
        (out / "report.json").write_text(json.dumps(data, indent=2, allow_nan=False) + "\n")
        failing = [r for r in reports if not r.passed]
        commands = [rerun_command(r, weights_path) for r in failing]
        lines = [
            "#!/bin/sh",
            "# Rerun each failing case alone, from the same initial weights, where compare ran.",
            f"cd {shlex.quote(str(Path.cwd()))} || exit 2",
            *commands,
        ]
        script = out / "commands.sh"
        script.write_text("\n".join(lines) + "\n")
        script.chmod(0o755)
    except OSError as error:
        raise UsageError(
            f"{directory}: cannot write the reproduction bundle: {error.strerror or error}"
        ) from None
    return commands
