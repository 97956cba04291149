"""`crosscheck article`: the article as a short lesson, each value beside what every framework
computes. Everything runs in float64 (JAX compiled with jit). The numbers are computed by
crosscheck.engine.lesson (the HTML report shows the same); this module prints them."""

from ..engine import lesson
from ..engine.cases import one, select
from ..errors import UsageError
from ..reports.table import Column, table
from .options import initial_weights

WIDTH = 16


def _table(t: lesson.Table) -> None:
    header = t.header
    columns = [Column(header[0], max(14, len(header[0])))] + [Column(h, WIDTH, ">") for h in header[1:]]
    cells = [[lesson.cell_text(c) for c in row] for row in t.rows]
    print("\n".join(table(columns, cells, rule=True, indent="   ")))


def _print(section: lesson.Section) -> None:
    print()
    print(f"{section.number}. {section.title}")
    print(f"   {section.what}")
    for t in section.tables:
        print()
        _table(t)
    for note in section.notes:
        print(f"   {note}")
    for error in section.errors:
        print(f"   ERROR: {error}")


def _cases(args) -> tuple[dict, list[str]]:
    """One case per available framework (its default mode unless --modes), and what is missing."""
    device = one(args.devices, "cpu", "--devices", "article")
    dtype = one(args.dtypes, "float64", "--dtypes", "article")
    selection = select(args.frameworks, (device,), (dtype,), args.modes, default_modes_first=True)
    cases = {}
    for case in selection.cases:
        cases.setdefault(case.framework, case)
    status = selection.status
    missing = [f"{n} unavailable: {status[n]['error']}" for n in status if not status[n]["available"]]
    return cases, missing


def run(args) -> int:
    cases, missing = _cases(args)
    lacking = {name: lesson.lacks(case) for name, case in cases.items() if lesson.lacks(case)}
    for name, functions in lacking.items():
        missing.append(f"{name} left out: the port has no {' and no '.join(functions)}; compare checks it")
    cases = {name: case for name, case in cases.items() if name not in lacking}
    if not cases:
        raise UsageError(f"nothing to walk through: {'; '.join(missing)}")
    broken = {name: why for name, case in cases.items() if (why := lesson.broken(case))}
    cases = {name: case for name, case in cases.items() if name not in broken}
    print('"An Introduction to Neural Networks", worked through in ' + ", ".join(cases))
    print("Each value the article prints, beside what each framework computes (float64, CPU).")
    for line in missing:
        print(f"({line})")
    for name, why in broken.items():
        print(f"(ERROR: {name} left out: {why})")
    for section in lesson.worked_examples(cases):
        _print(section)
    training = lesson.training(cases, initial_weights(args))
    _print(training)
    return 1 if broken or training.errors else 0
