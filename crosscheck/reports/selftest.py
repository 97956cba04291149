"""The self-test's report as text (its JSON is the result itself)."""

from ..engine.mutants import NARROW
from .table import Column, table

COLUMNS = (
    Column("mutant", 20),
    Column("made from", 30),
    Column("caught", 6),
    Column("by", 15),
    Column("err/tol", 9, ">"),
    Column("bug", rule=30),
)


def overall(results: list[dict]) -> str:
    """The verdict: "error" where a mutant could not be run or judged (an error of the harness,
    whatever else survived), else "fail" where one survived, else "pass"."""
    if any(r["error"] for r in results):
        return "error"
    return "fail" if any(not r["caught"] for r in results) else "pass"


def _row(r: dict) -> tuple:
    if r["error"]:
        return (r["name"], r["case"].split("~")[0], "ERROR", "-", "-",
                f"could not be run: {r['error']}; {r['description']}")  # fmt: skip
    ratio = "inf" if r["ratio"] is None else f"{r['ratio']:.3g}"
    note = f"narrow margin (< {NARROW:g}x); " if r["narrow"] else ""
    return (r["name"], r["case"].split("~")[0], "yes" if r["caught"] else "NO", r["check"] or "-", ratio,
            note + r["description"])  # fmt: skip


def verdict_line(results: list[dict]) -> str:
    """PASS, FAIL naming the survivors, or ERROR naming the mutants that could not be run (and
    the survivors, if any)."""
    errors = [r["name"] for r in results if r["error"]]
    survivors = [r["name"] for r in results if not r["caught"] and not r["error"]]
    if len(results) == 1:
        if errors:
            return f"ERROR: the mutant could not be run: {errors[0]}"
        return f"FAIL: the mutant survived: {survivors[0]}" if survivors else "PASS: the mutant was caught"
    if errors:
        also = f"; {len(survivors)} survived: {', '.join(survivors)}" if survivors else ""
        return f"ERROR: {len(errors)} of {len(results)} mutants could not be run: {', '.join(errors)}{also}"
    if survivors:
        return f"FAIL: {len(survivors)} of {len(results)} mutants survived: {', '.join(survivors)}"
    return f"PASS: all {len(results)} mutants caught"


def render(results: list[dict]) -> str:
    lines = [
        "nn-crosscheck selftest: each mutant is a porting bug; the compare checks must catch it",
        "",
        *table(COLUMNS, [_row(r) for r in results], rule=True),
        "",
        verdict_line(results),
    ]
    return "\n".join(lines)
