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


def render(results: list[dict]) -> str:
    rows = []
    for r in results:
        ratio = "inf" if r["ratio"] is None else f"{r['ratio']:.3g}"
        note = f"narrow margin (< {NARROW:g}x); " if r["narrow"] else ""
        note = f"ended early: {r['ended']}; " if r.get("ended") else note
        made_from = r["case"].split("~")[0]
        rows.append((r["name"], made_from, "yes" if r["caught"] else "NO", r["check"] or "-", ratio,
                     note + r["description"]))  # fmt: skip
    survivors = [r["name"] for r in results if not r["caught"]]
    if len(results) == 1:
        verdict = f"FAIL: the mutant survived: {survivors[0]}" if survivors else "PASS: the mutant was caught"
    elif survivors:
        verdict = f"FAIL: {len(survivors)} of {len(results)} mutants survived: {', '.join(survivors)}"
    else:
        verdict = f"PASS: all {len(results)} mutants caught"
    lines = [
        "nn-crosscheck selftest: each mutant is a porting bug; the compare checks must catch it",
        "",
        *table(COLUMNS, rows, rule=True),
        "",
        verdict,
    ]
    return "\n".join(lines)
