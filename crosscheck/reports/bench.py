"""The bench report as text and as JSON."""

from .json import SCHEMA_VERSION, environment, versions_line
from .table import Column, table

COLUMNS = (
    Column("framework", 11),
    Column("mode", 15, gap=" "),
    Column("dtype", 8, gap=" "),
    Column("median s", 10, ">", gap=" "),
    Column("min s", 10, ">", gap=" "),
    Column("max s", 10, ">", gap=" "),
    Column("compile s", 10, ">", gap=" "),
    Column("speedup", 9, ">", gap=" "),
    Column("agrees"),
)


def render(results: list[dict], status: dict, repeats: int, epochs: int) -> str:
    rows = [
        (r["framework"], r["mode"], r["dtype"], f"{r['median_s']:.4f}", f"{r['min_s']:.4f}",
         f"{r['max_s']:.4f}", "-" if r["compile_s"] is None else f"{r['compile_s']:.3f}",
         f"{r['speedup_vs_reference']:.2f}x", "yes" if r["agrees"] else "NO")
        for r in results
    ]  # fmt: skip
    env = environment(status)
    lines = [
        f"nn-crosscheck bench: {epochs} epochs x 4 samples from the shared weights,",
        f"{repeats} timed run{'s' * (repeats != 1)} after one warm-up; "
        "speedup = NumPy reference median / median;",
        "compile = warm-up - median",
        "",
        *table(COLUMNS, rows),
        "",
        versions_line(env),
        f"platform: {env['platform']}",
    ]
    return "\n".join(lines)


def to_json(results: list[dict], status: dict) -> dict:
    rows = [{k: v for k, v in r.items() if k != "trained"} for r in results]
    return {"schema_version": SCHEMA_VERSION, "results": rows, "environment": environment(status)}
