"""A test fixture: a port whose import fails, as one with a broken dependency would."""

raise RuntimeError("simulated: libhomework.so: undefined symbol")
