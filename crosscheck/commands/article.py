"""`crosscheck article`: the article as a short lesson, each value beside what every framework
computes. Everything runs in float64 (JAX compiled with jit), in this process. The numbers are
computed by crosscheck.engine.lesson (the HTML report shows the same, computed in compare's
workers); this module prints them, a value that disagrees with the reference marked "*"."""

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
    for line in section.marked:
        print(f"   {line}")
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
    worked = {name: lesson.work(case) for name, case in cases.items()}
    lacking = {name: w for name, w in worked.items() if w.lacks}
    missing += [f"{line}; compare checks it" for line in lesson.left_out(lacking)]
    if len(lacking) == len(worked):
        raise UsageError(f"nothing to walk through: {'; '.join(missing)}")
    broken = lesson.left_out({name: w for name, w in worked.items() if name not in lacking})
    shown = {name: w for name, w in worked.items() if w.usable}
    through = ", ".join(shown) or "no framework: each selected one is left out (below)"
    print('"An Introduction to Neural Networks", worked through in ' + through)
    dtype = next(iter(cases.values())).dtype
    print(f"Each value the article prints, beside what each framework computes ({dtype}, CPU).")
    for line in missing:
        print(f"({line})")
    for line in broken:
        print(f"(ERROR: {line})")
    for section in lesson.worked_examples(shown):
        _print(section)
    if not shown:
        return 1
    training = lesson.training({name: cases[name] for name in shown}, initial_weights(args))
    _print(training)
    return 1 if broken or training.errors else 0
