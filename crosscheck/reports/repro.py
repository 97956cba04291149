"""Reproduction bundle (`compare --repro DIR`): what it takes to rerun a failing case alone."""

import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from nn_crosscheck import ports

from ..engine.suite import CaseReport
from ..engine.weights_file import dump_weights
from ..errors import UsageError
from .json import json_safe


def rerun_command(report: CaseReport, weights_path: Path) -> str:
    """The command that reruns only this implementation, from the same initial weights."""
    case = report.case
    argv = [
        sys.executable, "-m", "nn_crosscheck", "compare",
        "--frameworks", case.framework, "--devices", case.device,
        "--dtypes", case.dtype, "--modes", case.mode,
        "--weights", str(weights_path.resolve()),
    ]  # fmt: skip
    spec = ports.info(case.framework).spec  # a port from --port or NN_CROSSCHECK_PORTS
    if spec:
        argv += ["--port", str(Path(spec).resolve()) if spec.endswith(".py") else spec]
    return shlex.join(argv)


def write_bundle(directory: str, reports: list[CaseReport], data: dict) -> list[str]:
    """Write weights.json, environment.json, report.json and commands.sh into `directory`, all
    or nothing: they are written into a temporary directory beside it first, then moved in;
    return the commands."""
    out = Path(directory).resolve()
    try:
        staging = Path(tempfile.mkdtemp(prefix=".repro-", dir=out.parent))
        try:
            commands = _write_files(staging, out / "weights.json", reports, data)
            if out.is_dir():  # a directory already there: each file replaced whole
                for name in BUNDLE:
                    os.replace(staging / name, out / name)
            else:
                staging.chmod(0o777 & ~_umask())  # mkdtemp's is private
                staging.rename(out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as error:
        raise UsageError(
            f"{directory}: cannot write the reproduction bundle: {error.strerror or error}"
        ) from None
    return commands


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


BUNDLE = ("weights.json", "environment.json", "report.json", "commands.sh")


def _write_files(staging: Path, weights_path: Path, reports: list[CaseReport], data: dict) -> list[str]:
    """The bundle's files, in `staging`; its commands name `weights_path`, where it will be."""
    dump_weights(data["weights"]["params"], staging / "weights.json")
    # Strict JSON, as --json writes it: a NaN result (an overflow, a broken port) is null.
    for name, value in (("environment.json", data["environment"]), ("report.json", data)):
        (staging / name).write_text(json.dumps(json_safe(value), indent=2, allow_nan=False) + "\n")
    commands = [rerun_command(r, weights_path) for r in reports if not r.passed]
    lines = [
        "#!/bin/sh",
        "# Rerun each failing case alone, from the same initial weights, where compare ran.",
        f"cd {shlex.quote(str(Path.cwd()))} || exit 2",
        *commands,
    ]
    script = staging / "commands.sh"
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    return commands
