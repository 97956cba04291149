"""Precision preflight: pin every framework's numeric modes once, then verify them by canary.

Pinned: JAX float64 enabled (jax_enable_x64), full float32 matmul precision in torch and JAX,
TF32 off in torch's matmuls and cuDNN. The matmul canary then tells IEEE float32 from TF32 on
every device present, so a flag that did not take is seen before any comparison runs.
"""

from nn_crosscheck import ports
from nn_crosscheck.ports import PortError, load
from nn_crosscheck.ports.protocol import TF32_CANARY_ERROR


def canary_verdict(error: float) -> str:
    if error == 0.0:
        return "ieee float32"
    if error >= TF32_CANARY_ERROR / 2:
        return f"reduced precision (tf32 or lower): relative error {error:.3g}"
    return f"inexact: relative error {error:.3g}"


def preflight(frameworks=None, *, pin: bool = True) -> dict:
    """Pin (unless pin=False) and report, per framework: version, devices, settings in force and
    the canary's verdict per device; or the import error of a framework that is unavailable."""
    report = {}
    for name in ports.names() if frameworks is None else frameworks:
        surveyed = ports.registry.SURVEYS.get(name)
        if surveyed is not None:  # pinned and reported by the worker that surveyed it
            report[name] = surveyed["preflight"]
            continue
        try:
            port = load(name)
        except PortError as error:
            report[name] = {"available": False, "error": str(error)}
            continue
        if pin:
            port.pin_precision()
        report[name] = {
            "available": True,
            "version": port.version(),
            "devices": list(port.devices()),
            "settings": port.precision(),
            "matmul_canary": _canary(port),
        }
    return report


def _canary(port) -> dict:
    canary = getattr(port, "matmul_canary", None)
    if canary is None:
        return {d: "not run (the port defines no matmul_canary)" for d in port.devices()}
    found = {}
    for device in port.devices():
        try:
            found[device] = canary_verdict(canary(device))
        except Exception as error:  # the port's checks will say more: its rows are judged, not this
            found[device] = f"not run (matmul_canary raised {type(error).__name__}: {error})"
    return found


def describe(report: dict) -> list[str]:
    """The preflight report as lines, for the pytest header and the command line."""
    lines = []
    for name, entry in report.items():
        if not entry["available"]:
            lines.append(f"{name}: unavailable ({entry['error']})")
            continue
        settings = ", ".join(f"{k}={v}" for k, v in entry["settings"].items())
        canary = ", ".join(f"{d}: {v}" for d, v in entry["matmul_canary"].items())
        lines.append(
            f"{name} {entry['version']}; devices: {', '.join(entry['devices'])}"
            + (f"; {settings}" if settings else "")
            + f"; matmul canary: {canary}"
        )
    return lines
