"""What every implementation of a dtype is judged against, computed once per command and handed
to each worker process (engine/workers.py): the reference's training run in each dtype, with what
the reference warned while it ran, and its amplification (the training budgets' multiplier)."""

from collections import Counter

from nn_crosscheck import ports

from . import checks
from .amplification import adopt_amplification, amplification
from .cases import reference_case

FLOAT64 = "float64"  # every float32 run is also measured against the float64 truth (suite.py)


def compute(dtypes: tuple[str, ...], params: dict, specs: list[str]) -> dict:
    """{dtype: (run, warnings, amplification)} for `dtypes`, and float64's run, in a worker."""
    ports.registry.load_specs(specs)  # the registry as the parent's: "numpy" means the same here
    reference = ports.load(reference_case(FLOAT64).framework)
    reference.pin_precision()
    state = {}
    for dtype in dict.fromkeys((*dtypes, FLOAT64)):
        case = reference_case(dtype)
        run = checks.timed_train(case, params)
        checks.adopt_train(case, params, run)  # so that `adopt` here adds its warnings no second time
        amp = amplification(dtype, params) if dtype in dtypes else None
        state[dtype] = (run, dict(reference.warned.get(_key(case), {})), amp)
    return state


def adopt(state: dict, params: dict) -> None:
    """In a worker: take `compute`'s results as this process's own (each then found, not run)."""
    reference = ports.load(reference_case(FLOAT64).framework)
    for dtype, (run, warned, amp) in state.items():
        case = reference_case(dtype)
        if checks.adopt_train(case, params, run):
            reference.warned.setdefault(_key(case), Counter()).update(warned)
        if amp is not None:
            adopt_amplification(dtype, params, amp)


def _key(case) -> tuple[str, str, str]:
    return (case.dtype, case.device, case.mode)
