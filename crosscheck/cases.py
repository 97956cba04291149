"""Cases: one implementation to check, as framework x device x dtype x mode."""

from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType

import ports
from ports import DEVICES, DTYPES, PORTS, PortError


@dataclass(frozen=True)
class Case:
    framework: str
    device: str
    dtype: str
    mode: str
    variant: str = ""  # names a modified port (a mutant of the self-test); part of the id
    port_override: object = field(default=None, compare=False, repr=False)  # that port

    def __post_init__(self):
        # Results are cached by Case, and a port object is not part of equality: a modified
        # port must carry a name of its own, or it would share the unmodified port's results.
        if self.port_override is not None and not self.variant:
            raise ValueError("a Case with port_override needs a variant name of its own")

    @property
    def id(self) -> str:
        """Readable id, e.g. "jax-cpu-float32-jit"; a framework with one mode omits it."""
        parts = [self.framework, self.device, self.dtype]
        if len(PORTS[self.framework].modes) > 1:
            parts.append(self.mode)
        return "-".join(parts) + (f"~{self.variant}" if self.variant else "")

    def __str__(self) -> str:
        return self.id

    @cached_property
    def port(self) -> ModuleType:
        return self.port_override or ports.load(self.framework)

    def unavailable(self) -> str | None:
        """Why this case cannot run here (framework not importable, device absent), or None."""
        try:
            port = self.port
        except PortError as error:
            return str(error)
        if self.device not in port.devices():
            return f"{self.framework}: no {self.device} device here (found: {', '.join(port.devices())})"
        # A port may support fewer dtypes than DTYPES (the scalar port: Python floats are
        # float64) by declaring its own DTYPES, and declare modes it cannot run here, with the
        # reason, in UNAVAILABLE_MODES (torch's compile mode without a C++ compiler).
        dtypes = getattr(port, "DTYPES", DTYPES)
        if self.dtype not in dtypes:
            return f"{self.framework}: no {self.dtype} (this port has {', '.join(dtypes)} only)"
        return getattr(port, "UNAVAILABLE_MODES", {}).get(self.mode)

    @property
    def kwargs(self) -> dict:
        return {"dtype": self.dtype, "device": self.device, "mode": self.mode}

    def forward(self, params, X):
        return self.port.forward(params, X, **self.kwargs)

    def loss_and_grads(self, params, x, y_true, *, dtype: str | None = None):
        return self.port.loss_and_grads(params, x, y_true, **{**self.kwargs, "dtype": dtype or self.dtype})

    def train(self, params, data, all_y_trues, **options):
        return self.port.train(params, data, all_y_trues, **self.kwargs, **options)


def reference_case(dtype: str) -> Case:
    """The NumPy reference in `dtype`: the expected side of every comparison."""
    return Case("numpy", "cpu", dtype, "eager")


def all_cases(frameworks=tuple(PORTS), devices=DEVICES, dtypes=DTYPES, modes=None) -> list[Case]:
    """Every combination each framework supports, present or not (absent ones say why)."""
    return [
        Case(name, device, dtype, mode)
        for name in frameworks
        for device in devices
        if device in PORTS[name].devices
        for dtype in dtypes
        for mode in PORTS[name].modes
        if modes is None or mode in modes
    ]
