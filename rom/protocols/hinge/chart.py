"""The hip hinge's plot.png as data (`rom.protocols.base.Chart`; `rom.outputs.plot` draws it): hip,
trunk and knee against time, the knee-bend threshold, each repetition shaded with its depth and
faults, and the upper-back rounding with its threshold on a second axis."""

from __future__ import annotations

import numpy as np

from rom.protocols.base import Chart, Level, RightAxis, Series, Span, flag_words
from rom.protocols.hinge.result import HingeResult
from rom.protocols.hinge.words import FLAGS, QUANTITIES

HEADROOM = 1.28  # room above the curves for the repetitions' labels


def _max(x: np.ndarray) -> float:
    x = np.asarray(x, float)
    return float(np.nanmax(x)) if np.isfinite(x).any() else float("nan")


def chart(r: HingeResult) -> Chart:
    c, ev = r.frames.columns, r.events
    t = c["t_s"]
    hip, trunk, knee = (QUANTITIES[k].label for k in ("max_hip_flexion_deg", "max_trunk_inclination_deg",
                                                      "max_knee_flexion_deg"))
    series = [
        Series("hip_flexion_raw_deg", f"{hip}, unfiltered", "hip", width=0.9, alpha=0.3),
        Series("hip_flexion_deg", f"{hip}, max {_max(c['hip_flexion_deg']):.1f} deg", "hip", width=2.2),
        Series("trunk_inclination_deg", f"{trunk} from vertical, max {_max(c['trunk_inclination_deg']):.1f} deg",
               "trunk"),
        Series("knee_flexion_deg", f"{knee}, max {_max(c['knee_flexion_deg']):.1f} deg", "knee"),
    ]
    levels = []
    standing, threshold = ev.knee_standing_deg, ev.knee_bend_threshold_deg
    if threshold is not None and np.isfinite(standing):
        levels.append(Level(standing + threshold, f"knee-bend threshold ({threshold:.0f} deg above standing)", "knee"))
    top = np.nanmax([_max(c[k]) for k in ("hip_flexion_deg", "trunk_inclination_deg", "knee_flexion_deg")] + [10.0])
    spans = tuple(Span((float(t[a]), float(t[e])), float(t[b]), f"rep {k}: {rep.max_hip_flexion_deg:.0f} deg\n"
                       + ("\n".join(flag_words(FLAGS, f) for f in rep.flags) or "good hinge"), bool(rep.flags))
                  for k, ((a, b, e), rep) in enumerate(zip(ev.reps, r.reps), 1))
    right = None
    back = c.get("back_rounding")
    if back is not None and np.isfinite(back).any():
        rounding = QUANTITIES["back_rounding"].label
        series.append(Series("back_rounding", f"{rounding} vs standing (right axis)", "back", width=1.2,
                             style="dashed", axis="right"))
        if ev.rounded_back_threshold_deg is not None:
            levels.append(Level(ev.rounded_back_threshold_deg,
                                f"rounded-back threshold ({ev.rounded_back_threshold_deg:g} deg)", "back",
                                style="dotted", axis="right"))
        right = RightAxis(f"{rounding} (deg)", "back", headroom=HEADROOM)
    return Chart(f"Hip hinge, {r.side} side", tuple(series), tuple(levels), spans=spans,
                 y_top_deg=float(top) * HEADROOM, y_floor_deg=-5.0, right_axis=right)
