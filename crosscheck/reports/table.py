"""The one text-table renderer: every command's table is columns of fixed width, a header, an
optional rule of dashes under it, and rows (a plain string row is a line of its own, such as a
summary under an implementation's rows)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 0  # 0: as wide as the cell (the last, free-text column)
    align: str = "<"  # "<" text, ">" numbers
    gap: str = "  "  # printed before the column (not before the first)
    rule: int | None = None  # width of its dashes in the rule; default its width


def table(
    columns: Sequence[Column], rows: Iterable[Sequence[str] | str], *, rule: bool = False, indent: str = ""
) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        text = "".join(
            (c.gap if i else "") + f"{cell:{c.align}{c.width}}"
            for i, (c, cell) in enumerate(zip(columns, cells))
        )
        return (indent + text).rstrip()

    lines = [line([c.title for c in columns])]
    if rule:
        lines.append(line(["-" * (c.width if c.rule is None else c.rule) for c in columns]))
    lines += [row if isinstance(row, str) else line(row) for row in rows]
    return lines
