"""The bench table: every column headed, every row under its headers."""

from nn_crosscheck.reports.bench import render

ROW = {
    "framework": "tensorflow", "mode": "compiled scan", "dtype": "float64", "median_s": 21.086,
    "min_s": 20.8657, "max_s": 21.8475, "compile_s": 0.913, "speedup_vs_reference": 0.0021, "agrees": True,
}  # fmt: skip


def test_every_column_has_a_header_and_the_rows_line_up():
    results = [ROW, {**ROW, "framework": "jax", "compile_s": None}]
    lines = render(results, {}, repeats=3, epochs=1000).splitlines()
    header = next(line for line in lines if "median s" in line)
    rows = [line for line in lines if line.startswith(("tensorflow", "jax "))]
    assert header.split()[0] == "framework"
    names = ["framework", "mode", "dtype", "median s", "min s", "max s", "compile s", "speedup", "agrees"]
    starts = [header.index(name) for name in names]
    assert starts == sorted(starts)
    for row in rows:
        # each cell begins after the previous header ends: no cell runs into its neighbour
        assert row[starts[1] - 1] == " " and row[starts[2] - 1] == " ", row
        assert row[: starts[1]].split() in (["tensorflow"], ["jax"])
