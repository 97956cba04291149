"""`--plot`: the loss curves of every implementation, and their distance from the reference (a
PNG file, or an SVG element for the HTML report)."""

import re

from nn_crosscheck.reference.article import LOG_EVERY, N_LOGGED

from ..errors import UsageError
from .json import write_whole


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install matplotlib (the 'plot' extra)") from None


def plot_losses(reports, path: str) -> None:
    """The figure of `loss_figure`, as a PNG file at `path` (written as every report is:
    reports.json.write_whole)."""
    figure = loss_figure(reports)
    write_whole(path, lambda out: figure.savefig(out, dpi=120, format="png"), "the plot")


def loss_svg(reports) -> str:
    """The figure of `loss_figure` as an <svg> element to inline in a page: text drawn as paths
    (no font to fetch), no XML prolog, DOCTYPE or metadata."""
    import io

    import matplotlib

    fig = loss_figure(reports)
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "nn-crosscheck"}):
        fig.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    svg = svg[svg.index("<svg") :]
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)


def loss_figure(reports):
    """Top: the logged MSE of every implementation over the 1000 epochs, overlaid. Bottom:
    |loss - reference loss| per logged epoch, log scale, against the same-dtype reference.
    A matplotlib Figure made without pyplot: no backend is chosen or changed, none is needed."""
    import numpy as np
    from matplotlib.figure import Figure

    epochs = np.arange(N_LOGGED) * LOG_EVERY
    fig = Figure(figsize=(10, 8))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    logged = [(r.case, c) for r in reports for c in r.checks if c.quantity == "loss_log" and not c.note]
    for case, check in logged:  # the losses as judged (the run may have been made in a worker)
        losses, ref = check.got, check.expected
        style = "-" if case.dtype == "float64" else "--"
        (line,) = top.plot(epochs, losses, style, label=case.id, alpha=0.8)
        diff = np.abs(losses - ref)
        # Exact agreement has no place on a log scale: drawn at the axis floor, marked "0".
        bottom.plot(
            epochs,
            np.where(diff > 0, diff, np.nan),
            style,
            marker=".",
            ms=3,
            color=line.get_color(),
            alpha=0.8,
        )
    budgets = {case.dtype: check.budget for case, check in logged}
    for dtype, budget in sorted(budgets.items()):  # the loss_log check's own budget, as judged
        bottom.plot(epochs, budget, ":", color="black", lw=1)
        bottom.annotate(
            f"tolerance, {dtype}",
            (epochs[-1], budget[-1]),
            textcoords="offset points",
            xytext=(-4, 4),
            ha="right",
            fontsize="small",
        )
    top.set_ylabel("MSE over the four samples")
    top.set_yscale("log")
    top.set_title("Training from the same initial weights: loss every 10 epochs")
    if logged:
        top.legend(fontsize="small", ncol=2)
    else:  # only ports that evaluate: no training run to draw
        top.text(0.5, 0.5, "no implementation here trains", ha="center", transform=top.transAxes)
    top.grid(alpha=0.3)
    bottom.set_yscale("log")
    bottom.set_xlabel("epoch")
    bottom.set_ylabel("|loss - reference loss|")
    bottom.set_title("Distance from the NumPy reference in the same dtype (no point: exactly equal)")
    bottom.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig
