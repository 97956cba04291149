"""nn-crosscheck's harness, in three parts: engine, commands, reports.

    engine/    what is checked and how it is judged: cases (framework x device x dtype x mode)
               and `select`, the one selection every command makes; the check families
               (checks), the judge (Check, compare) and the tolerances it applies; the
               first-divergence locator, the precision preflight, the mutants, sweep and bench
    commands/  one module per subcommand, each `run(args)`: check the flags, call the engine,
               hand the result to a report
    reports/   the result as text (one table renderer), JSON, a plot, a reproduction bundle

How a verdict is reached:

    initial weights (reference: shared, --seed or --weights)
      -> select: the registered ports (ports.register) x devices x dtypes x modes, after the
         precision preflight; each becomes a Case
      -> each check family runs the case and the NumPy reference on the same weights
         (forward, gradients, finite differences, 1000-epoch training)
      -> compare: |got - expected| against c eps x the magnitude of what was rounded (the
         reference's arithmetic with every term in absolute value; for training, the scale
         times the amplification), element by element, as a Check
      -> a CaseReport per case (checks, timings, first divergence) -> PASS / FAIL
      -> reports: table, JSON, plot; exit status 0 / 1

Nothing here names a framework: what is framework-specific (label, modes, the compiled mode,
native layout, bench variants) is declared by the port and read through ports.PortInfo.
Imports flow one way: reference <- ports <- crosscheck <- tests and the command line.
"""

__version__ = "0.1.0"  # pyproject.toml reads it (crosscheck --version)

# The Python API (api.py), imported when first used: `import nn_crosscheck.reference` stays light.
__all__ = ["Result", "__version__", "check"]


def __getattr__(name: str):
    if name in ("check", "Result"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'nn_crosscheck' has no attribute {name!r}")
