"""Timing the article's 1000-epoch training in each framework's idioms (`crosscheck bench`).

Every variant trains from the shared weights; its result is checked against the reference
(the same final parameters within the training tolerance) so a fast wrong variant cannot pass
unnoticed. One untimed warm-up, then `repeats` timed runs: median, min and max. For compiled
variants the warm-up also compiles; `compile_s` is the warm-up minus the median run.
The variants are those each port declares (BENCH in ports/protocol.py).
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nn_crosscheck import ports
from nn_crosscheck.reference import ALL_Y_TRUES, DATA, PARAM_NAMES, SHARED_WEIGHTS

from .cases import Case, reference_case
from .tolerances import TOLERANCES, value_scale


@dataclass(frozen=True)
class Variant:
    framework: str
    mode: str  # the variant's label ("compiled scan"), as the table shows it
    description: str
    run: Callable[[str, str, int], dict]  # (dtype, device, epochs) -> trained parameters
    compiled: bool = False
    port_mode: str = ""  # the port's execution mode it runs in, for --modes


def variants(framework: str) -> list[Variant]:
    """The variants the port declares; by default one per mode, its `train`."""
    info = ports.info(framework)
    declared = info.declared("BENCH") or [
        (mode, f"train, mode {mode}", "train", {"mode": mode}, mode == info.compiled_mode)
        for mode in info.modes
    ]
    return [
        Variant(
            framework,
            label,
            description,
            _runner(framework, function, kwargs),
            compiles,
            kwargs.get("mode", info.modes[0]),
        )
        for label, description, function, kwargs, compiles in declared
    ]


def _runner(framework: str, function: str, kwargs: dict) -> Callable[[str, str, int], dict]:
    def run(dtype, device, epochs):
        train = getattr(ports.load(framework), function)
        result = train(SHARED_WEIGHTS, DATA, ALL_Y_TRUES, dtype=dtype, device=device, epochs=epochs, **kwargs)
        return getattr(result, "params", result)  # a TrainResult, or the parameters themselves

    return run


def time_variant(variant: Variant, dtype: str, device: str, repeats: int, epochs: int) -> dict:
    start = time.perf_counter()
    trained = variant.run(dtype, device, epochs)  # warm-up (and compilation)
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        variant.run(dtype, device, epochs)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {
        "framework": variant.framework,
        "mode": variant.mode,
        "dtype": dtype,
        "device": device,
        "median_s": median,
        "min_s": min(times),
        "max_s": max(times),
        "compile_s": max(0.0, first - median) if variant.compiled else None,
        "repeats": repeats,
        "epochs": epochs,
        "trained": [trained[p] for p in PARAM_NAMES],
    }


def bench(cases: list[Case], repeats: int, epochs: int, progress=lambda text: None) -> list[dict]:
    """Each variant of each case's port, in its device and dtype, after the reference's own
    variant on the CPU in that dtype; each result says whether it agrees with the reference."""
    results = []
    for dtype in dict.fromkeys(c.dtype for c in cases):
        reference_variant = variants(reference_case(dtype).framework)[0]
        reference = time_variant(reference_variant, dtype, "cpu", repeats, epochs)
        expected = np.array(reference["trained"])
        budget = TOLERANCES["final_params"].budget(value_scale(expected), dtype)
        chosen = {(c.framework, c.device, c.mode) for c in cases if c.dtype == dtype}
        for framework, device in dict.fromkeys((f, d) for f, d, _ in sorted(chosen, key=_order(cases))):
            for variant in (v for v in variants(framework) if (framework, device, v.port_mode) in chosen):
                progress(f"{variant.framework} {variant.mode} {dtype} ...")
                same = (variant.framework, variant.mode) == (
                    reference_variant.framework,
                    reference_variant.mode,
                )
                same = same and device == "cpu"
                result = reference if same else time_variant(variant, dtype, device, repeats, epochs)
                result["agrees"] = bool(np.all(np.abs(np.array(result["trained"]) - expected) <= budget))
                result["speedup_vs_reference"] = reference["median_s"] / result["median_s"]
                results.append(result)
    return results


def _order(cases: list[Case]):
    """Sort key: the order the cases were selected in (frameworks as registered)."""
    position = {(c.framework, c.device, c.mode): i for i, c in reversed(list(enumerate(cases)))}
    return position.__getitem__
