"""plot.png: the angles against time, with the thresholds, the test's reading and its moments (the
knee-bend onset, the repetitions) marked.

What to draw is the test's (`Protocol.plot`: a `rom.protocols.base.Chart` of columns, levels,
moments, the reading and the repetitions); this module only draws it. matplotlib's object API on
the Agg canvas (`Figure` + `FigureCanvasAgg`), not pyplot: importing this module changes no global
state (no backend switch, no rcParams), and figures are freed with the last reference instead of
living in pyplot's registry.
"""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rom import protocols
from rom.outputs.atomic import atomic_path
from rom.protocols.base import Chart

COLORS = {"hip": "#d9480f", "leg": "#f08c00", "knee": "#1971c2", "other": "#868e96", "pelvis": "#5f3dc4",
          "trunk": "#2b8a3e", "back": "#c2255c", "mark": "#212529", "flag": "#c92a2a", "ok": "#2b8a3e",
          "pain": "#862e9c"}
STYLES = {"solid": "-", "dashed": "--", "dotted": ":", "dashdot": "-.", "threshold": (0, (4, 3))}
SIZE_IN = (10.0, 5.6)
DPI = 120  # 1200 x 672 px: sharp in a README, small on disk


def make_figure(result, size_in: tuple[float, float] = SIZE_IN, dpi: int = DPI) -> Figure:
    """The angle plot of a test's result as a matplotlib Figure on an Agg canvas."""
    fig = Figure(figsize=size_in, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    chart = protocols.of(result).plot(result)
    axes = draw_chart(ax, chart, result.frames.columns)
    handles, labels = [], []
    for a in axes:
        h, lab = a.get_legend_handles_labels()
        handles += h
        labels += lab
    # Below the chart, so that it never hides a curve or a mark.
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=8.5, frameon=False)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("angle (deg)")
    ax.grid(alpha=0.3)
    ax.set_title(f"{chart.title} - {Path(result.video).name}" if result.video else chart.title, fontsize=11)
    return fig


def write_plot(result, path: str | os.PathLike, size_in: tuple[float, float] = SIZE_IN, dpi: int = DPI) -> None:
    """Write the angle plot (`make_figure`) as a PNG of size_in * dpi pixels.

    Written under a temporary name and renamed, so a killed run leaves no half-written file.
    """
    fig = make_figure(result, size_in, dpi)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def draw_chart(ax, chart: Chart, columns: dict) -> list:
    """Draw a chart on ax (and on a twin axis for its right axis); returns the axes drawn on."""
    t = columns["t_s"]
    for s in (s for s in chart.series if s.axis == "left"):
        ax.plot(t, columns[s.column], color=COLORS[s.color], lw=s.width, ls=STYLES[s.style], alpha=s.alpha,
                label=s.label)
    for lv in (lv for lv in chart.levels if lv.axis == "left"):
        ax.axhline(lv.value, color=COLORS[lv.color], lw=0.9, ls=STYLES[lv.style], label=lv.label)
    if chart.y_top_deg is not None:
        ax.set_ylim(min(chart.y_floor_deg, ax.get_ylim()[0]), chart.y_top_deg)
    for sp in chart.spans:
        ax.axvspan(*sp.span_s, color="#ffe3e3" if sp.faulty else "#ebfbee", alpha=0.7, lw=0, zorder=0)
        ax.axvline(sp.t_mark_s, color=COLORS["mark"], lw=0.6, ls=":", zorder=1)
        ax.text(sp.t_mark_s, 0.985, sp.text, transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize=8.5, color=COLORS["flag"] if sp.faulty else COLORS["ok"])
    for m in chart.moments:
        ax.axvline(m.t_s, color=COLORS[m.color], lw=m.width, ls=STYLES[m.style], **({"label": m.label} if m.label
                                                                                       else {}))
    for rd in chart.readings:
        low, high = rd.interval
        ax.errorbar([rd.t_s], [rd.value], yerr=[[rd.value - low], [high - rd.value]], fmt="o",
                    color=COLORS["mark"], capsize=4, zorder=5, label=rd.label)
        if rd.callout:
            ax.annotate(rd.callout, (rd.t_s, 1.0), xycoords=("data", "axes fraction"), xytext=(-4, -4),
                        textcoords="offset points", ha="right", va="top", fontsize=9, fontweight="bold")
    if chart.note:
        ax.text(0.01, 0.98, chart.note, transform=ax.transAxes, va="top", fontsize=9, color=COLORS["flag"])
    if chart.right_axis is None:
        return [ax]
    right = chart.right_axis
    ax2 = ax.twinx()
    for s in (s for s in chart.series if s.axis == "right"):
        ax2.plot(t, columns[s.column], color=COLORS[s.color], lw=s.width, ls=STYLES[s.style], alpha=s.alpha,
                 label=s.label)
    for lv in (lv for lv in chart.levels if lv.axis == "right"):
        ax2.axhline(lv.value, color=COLORS[lv.color], lw=0.9, ls=STYLES[lv.style], label=lv.label)
    lo, hi = ax2.get_ylim()
    ax2.set_ylim(lo, lo + (hi - lo) * right.headroom)
    ax2.set_ylabel(right.label, color=COLORS[right.color])
    ax2.tick_params(axis="y", colors=COLORS[right.color])
    return [ax, ax2]
