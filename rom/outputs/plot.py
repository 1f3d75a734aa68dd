"""plot.png: the angles against time, with the knee-bend onset, the thresholds and the
repetitions marked.

matplotlib's object API on the Agg canvas (`Figure` + `FigureCanvasAgg`), not pyplot: importing
this module changes no global state (no backend switch, no rcParams), and figures are freed with
the last reference instead of living in pyplot's registry.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rom.outputs.files import atomic_path
from rom.outputs.wording import flag_words

COLORS = {"hip": "#d9480f", "leg": "#f08c00", "knee": "#1971c2", "other": "#868e96", "pelvis": "#5f3dc4",
          "trunk": "#2b8a3e", "back": "#c2255c", "mark": "#212529", "flag": "#c92a2a", "ok": "#2b8a3e"}
SIZE_IN = (10.0, 5.6)
DPI = 120  # 1200 x 672 px: sharp in a README, small on disk


def make_figure(result, size_in: tuple[float, float] = SIZE_IN, dpi: int = DPI) -> Figure:
    """The angle plot of an SLRResult or HingeResult as a matplotlib Figure on an Agg canvas."""
    fig = Figure(figsize=size_in, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    axes, title = (_slr(ax, result) if result.test == "slr" else _hinge(ax, result))
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
    ax.set_title(f"{title} - {Path(result.video).name}" if result.video else title, fontsize=11)
    return fig


def write_plot(result, path: str | os.PathLike, size_in: tuple[float, float] = SIZE_IN, dpi: int = DPI) -> None:
    """Write the angle plot (`make_figure`) as a PNG of size_in * dpi pixels.

    Written under a temporary name and renamed, so a killed run leaves no half-written file.
    """
    fig = make_figure(result, size_in, dpi)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def _max(x: np.ndarray) -> float:
    x = np.asarray(x, float)
    return float(np.nanmax(x)) if np.isfinite(x).any() else float("nan")


def _slr(ax, r) -> tuple[list, str]:
    c, ev = r.frames.columns, r.events
    t = c["t_s"]
    ax.plot(t, c["hip_flexion_raw_deg"], color=COLORS["hip"], alpha=0.3, lw=0.9, label="hip flexion, unfiltered")
    ax.plot(t, c["hip_flexion_deg"], color=COLORS["hip"], lw=2.2,
            label=f"hip flexion ({r.side} thigh vs table), max {r.max_hip_flexion_deg:.1f} deg")
    ax.plot(t, c["leg_hip_flexion_deg"], color=COLORS["leg"], lw=1.2, ls="--", label="hip-ankle line vs table")
    ax.plot(t, c["knee_flexion_deg"], color=COLORS["knee"], lw=1.8, label="knee flexion")
    ax.plot(t, c["other_hip_flexion_deg"], color=COLORS["other"], lw=1.2,
            label=f"other leg vs table, largest rise {r.contralateral_hip_flexion_deg:.1f} deg")
    ax.plot(t, c["pelvic_rotation_deg"], color=COLORS["pelvis"], lw=1, ls=":",
            label=f"pelvis/trunk rotation from rest, max {r.max_pelvic_rotation_deg:.1f} deg")
    level = _knee_threshold(c["knee_flexion_deg"], ev)
    if np.isfinite(level):
        ax.axhline(level, color=COLORS["knee"], lw=0.9, ls=(0, (4, 3)),
                   label=f"knee-bend threshold ({ev.get('threshold_deg', 10):.0f} deg above the knee at rest)")
    lo, hi = r.slr_angle_ci95_deg
    if r.knee_bend_onset_s is not None:
        onset = r.knee_bend_onset_s
        ax.axvline(onset, color=COLORS["mark"], lw=1.2)
        ax.errorbar([onset], [r.slr_angle_deg], yerr=[[r.slr_angle_deg - lo], [hi - r.slr_angle_deg]],
                    fmt="o", color=COLORS["mark"], capsize=4, zorder=5,
                    label=f"SLR angle {r.slr_angle_deg:.1f} deg (95 % interval {lo:.1f}-{hi:.1f})")
        ax.annotate(f"knee bends at {r.slr_angle_deg:.1f} deg\n({onset:.2f} s)", (onset, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(-4, -4), textcoords="offset points",
                    ha="right", va="top", fontsize=9, fontweight="bold")
        if r.knee_bend_confirmed_s is not None:
            ax.axvline(r.knee_bend_confirmed_s, color=COLORS["mark"], lw=0.8, ls=":",
                       label=f"bend confirmed at {r.knee_bend_confirmed_s:.2f} s")
    else:
        peak = ev.get("peak")
        tp = float(t[int(peak)]) if peak is not None else float("nan")
        ax.errorbar([tp], [r.slr_angle_deg], yerr=[[r.slr_angle_deg - lo], [hi - r.slr_angle_deg]], fmt="o",
                    color=COLORS["mark"], capsize=4, zorder=5,
                    label=f"knee never bent: SLR angle = max {r.slr_angle_deg:.1f} deg ({lo:.1f}-{hi:.1f})")
    pain_s = getattr(r, "pain_s", None)
    if pain_s is not None:
        angle = getattr(r, "pain_angle_deg", None)
        ax.axvline(pain_s, color="#862e9c", lw=1.2, ls="-.",
                   label="pain marked" + (f" at {angle:.1f} deg" if angle is not None else ""))
    if r.flags:
        ax.text(0.01, 0.98, "flags: " + ", ".join(flag_words(f) for f in r.flags), transform=ax.transAxes,
                va="top", fontsize=9, color=COLORS["flag"])
    return [ax], f"Straight-leg raise, {r.side} leg"


def _knee_threshold(knee: np.ndarray, ev: dict) -> float:
    """The knee flexion (in the plotted column's units) at which a bend is confirmed."""
    level = ev.get("knee_confirm_level_deg")
    if level is not None:
        return float(level)
    rest = ev.get("rest")
    if rest is None:
        return float("nan")
    at_rest = np.asarray(knee, float)[rest[0]:rest[1] + 1]
    at_rest = at_rest[np.isfinite(at_rest)]
    return float(np.median(at_rest)) + float(ev.get("threshold_deg", 10.0)) if len(at_rest) else float("nan")


def _hinge(ax, r) -> tuple[list, str]:
    c, ev = r.frames.columns, r.events
    t = c["t_s"]
    ax.plot(t, c["hip_flexion_raw_deg"], color=COLORS["hip"], alpha=0.3, lw=0.9, label="hip flexion, unfiltered")
    ax.plot(t, c["hip_flexion_deg"], color=COLORS["hip"], lw=2.2,
            label=f"hip flexion, max {_max(c['hip_flexion_deg']):.1f} deg")
    ax.plot(t, c["trunk_inclination_deg"], color=COLORS["trunk"], lw=1.5,
            label=f"trunk inclination from vertical, max {_max(c['trunk_inclination_deg']):.1f} deg")
    ax.plot(t, c["knee_flexion_deg"], color=COLORS["knee"], lw=1.5,
            label=f"knee flexion, max {_max(c['knee_flexion_deg']):.1f} deg")
    standing = ev.get("knee_standing_deg", 0.0)
    threshold = ev.get("knee_bend_threshold_deg")
    if threshold is not None and standing is not None and np.isfinite(standing):
        ax.axhline(standing + threshold, color=COLORS["knee"], lw=0.9, ls=(0, (4, 3)),
                   label=f"knee-bend threshold ({threshold:.0f} deg above standing)")
    top = np.nanmax([_max(c[k]) for k in ("hip_flexion_deg", "trunk_inclination_deg", "knee_flexion_deg")] + [10.0])
    ax.set_ylim(min(-5.0, ax.get_ylim()[0]), top * 1.28)  # head-room for the repetitions' labels
    for k, ((a, b, e), rep) in enumerate(zip(ev.get("reps", []), r.reps), 1):
        bad = bool(rep.flags)
        ax.axvspan(t[a], t[e], color="#ffe3e3" if bad else "#ebfbee", alpha=0.7, lw=0, zorder=0)
        ax.axvline(t[b], color=COLORS["mark"], lw=0.6, ls=":", zorder=1)
        ax.text(t[b], 0.985, f"rep {k}: {rep.max_hip_flexion_deg:.0f} deg\n" +
                ("\n".join(flag_words(f) for f in rep.flags) or "good hinge"),
                transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=8.5,
                color=COLORS["flag"] if bad else COLORS["ok"])
    axes = [ax]
    back = c.get("back_rounding")
    if back is not None and np.isfinite(back).any():
        deg = ev.get("back_rounding_unit") == "deg"
        ax2 = ax.twinx()
        ax2.plot(t, back, color=COLORS["back"], lw=1.2, ls="--", label="upper-back rounding vs standing (right axis)")
        limit = ev.get("rounded_back_threshold_deg", ev.get("rounded_back_threshold"))
        if limit is not None:
            ax2.axhline(limit, color=COLORS["back"], lw=0.9, ls=":",
                        label=f"rounded-back threshold ({limit:g}{' deg' if deg else ''})")
        lo2, hi2 = ax2.get_ylim()
        ax2.set_ylim(lo2, lo2 + (hi2 - lo2) * 1.28)
        ax2.set_ylabel("back rounding (deg)" if deg else "back rounding (fraction of trunk length)",
                       color=COLORS["back"])
        ax2.tick_params(axis="y", colors=COLORS["back"])
        axes.append(ax2)
    return axes, f"Hip hinge, {r.side} side"
