"""`crosscheck bench`: the article's 1000-epoch training, timed in each framework's idioms.

Every variant trains from the shared weights; its result is checked against the reference
(the same final parameters within the training tolerance) so a fast wrong variant cannot pass
unnoticed. One untimed warm-up, then `--repeats` timed runs: median, min and max. For compiled
variants the warm-up also compiles; `compile_s` is the warm-up minus the median run.
"""

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ports import DTYPES, load
from reference import ALL_Y_TRUES, DATA, PARAM_NAMES, SHARED_WEIGHTS

from ..engine.precision import preflight
from ..engine.tolerances import TOLERANCES
from ..errors import UsageError
from ..reports.compare import environment
from .options import writable, write_json


@dataclass(frozen=True)
class Variant:
    framework: str
    mode: str
    description: str
    run: Callable[[str, str, int], dict]  # (dtype, device, epochs) -> trained parameters
    compiled: bool = False


def _trained(framework: str, **kw) -> Callable[[str, str, int], dict]:
    def run(dtype, device, epochs):
        port = load(framework)
        return port.train(
            SHARED_WEIGHTS, DATA, ALL_Y_TRUES, dtype=dtype, device=device, epochs=epochs, **kw
        ).params

    return run


def _function(framework: str, name: str) -> Callable[[str, str, int], dict]:
    def run(dtype, device, epochs):
        train = getattr(load(framework), name)
        return train(SHARED_WEIGHTS, DATA, ALL_Y_TRUES, dtype=dtype, device=device, epochs=epochs)

    return run


_NUMPY = _trained("numpy", mode="eager")
VARIANTS = [
    Variant("numpy", "reference loop", "the article's loop over NumPy scalars", _NUMPY),
    Variant("torch", "eager", "nn.Module, autograd, optim.SGD", _trained("torch", mode="eager")),
    Variant(
        "torch", "torch.func", "functional_call and torch.func.grad", _function("torch", "train_functional")
    ),
    Variant(
        "jax", "no jit", "jax.grad op by op; lax.scan body compiled", _trained("jax", mode="nojit"), True
    ),
    Variant(
        "jax", "jit per step", "Python loop over a jitted SGD step", _function("jax", "train_per_step"), True
    ),
    Variant(
        "jax", "compiled scan", "the whole run as one jitted lax.scan", _trained("jax", mode="jit"), True
    ),
]


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


def run_bench(args) -> int:
    writable(args.json, "the JSON report")
    if args.repeats < 1:
        raise UsageError(f"--repeats must be at least 1, got {args.repeats}")
    if args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, got {args.epochs}")
    frameworks = args.frameworks or tuple(dict.fromkeys(v.framework for v in VARIANTS))
    status = preflight(tuple(dict.fromkeys(("numpy", *frameworks))))
    for name in frameworks:
        if not status[name]["available"] and args.frameworks:
            raise UsageError(f"framework {name!r} was requested but is unavailable: {status[name]['error']}")
    if args.device not in (
        "cpu",
        *(d for f in frameworks if status[f]["available"] for d in status[f]["devices"]),
    ):
        raise UsageError(f"device {args.device!r} was requested but is not present")
    variants = [v for v in VARIANTS if v.framework in frameworks and status[v.framework]["available"]]
    if args.device != "cpu":
        variants = [v for v in variants if args.device in status[v.framework]["devices"]]

    results = []
    for dtype in args.dtypes or DTYPES:
        reference = time_variant(VARIANTS[0], dtype, "cpu", args.repeats, args.epochs)
        for variant in variants:
            if not args.quiet:
                print(f"{variant.framework} {variant.mode} {dtype} ...", file=sys.stderr, flush=True)
            same = variant is VARIANTS[0] and args.device == "cpu"
            result = (
                reference if same else time_variant(variant, dtype, args.device, args.repeats, args.epochs)
            )
            expected = np.array(reference["trained"])
            budget = TOLERANCES["final_params"].budget(expected, dtype)
            result["agrees"] = bool(np.all(np.abs(np.array(result["trained"]) - expected) <= budget))
            result["speedup_vs_reference"] = reference["median_s"] / result["median_s"]
            results.append(result)

    print(f"nn-crosscheck bench: {args.epochs} epochs x 4 samples from the shared weights,")
    print(f"{args.repeats} timed runs after one warm-up; speedup = NumPy reference median / median;")
    print("compile = warm-up - median")
    print()
    line = "{:<7} {:<15} {:<8} {:>10} {:>10} {:>10} {:>10} {:>9}  {}"
    print(line.format("", "mode", "dtype", "median s", "min s", "max s", "compile s", "speedup", "agrees"))
    for r in results:
        compile_s = "-" if r["compile_s"] is None else f"{r['compile_s']:.3f}"
        print(line.format(r["framework"], r["mode"], r["dtype"], f"{r['median_s']:.4f}", f"{r['min_s']:.4f}",
                          f"{r['max_s']:.4f}", compile_s, f"{r['speedup_vs_reference']:.2f}x",
                          "yes" if r["agrees"] else "NO"))  # fmt: skip
    env = environment(status)
    print()
    print("versions: " + " | ".join(f"{k} {v}" for k, v in env["versions"].items() if v))
    print(f"platform: {env['platform']}")
    if args.json:
        for r in results:
            r.pop("trained")
        write_json({"schema_version": 1, "results": results, "environment": env}, args.json)
    return 0 if all(r["agrees"] for r in results) else 1
