"""The SLR's plot.png as data (`rom.protocols.base.Chart`; `rom.outputs.plot` draws it): the hip and
knee against time, the other leg and the trunk line, the knee-bend threshold, the onset with the SLR
angle and its interval, the pain mark."""

from __future__ import annotations

import numpy as np

from rom.protocols.base import Chart, Level, Moment, Reading, Series, flag_words
from rom.protocols.slr.result import SLRResult
from rom.protocols.slr.words import FLAGS


def chart(r: SLRResult) -> Chart:
    c, ev = r.frames.columns, r.events
    series = (
        Series("hip_flexion_raw_deg", "hip flexion, unfiltered", "hip", width=0.9, alpha=0.3),
        Series("hip_flexion_deg", f"hip flexion ({r.side} thigh vs table), max {r.max_hip_flexion_deg:.1f} deg",
               "hip", width=2.2),
        Series("leg_hip_flexion_deg", "hip-ankle line vs table", "leg", width=1.2, style="dashed"),
        Series("knee_flexion_deg", "knee flexion", "knee", width=1.8),
        Series("other_hip_flexion_deg", f"other leg vs table, largest rise {r.contralateral_hip_flexion_deg:.1f} deg",
               "other", width=1.2),
        Series("pelvic_rotation_deg", f"pelvis/trunk rotation from rest, max {r.max_pelvic_rotation_deg:.1f} deg",
               "pelvis", width=1.0, style="dotted"),
    )
    levels = []
    level = knee_threshold(c["knee_flexion_deg"], r)
    if np.isfinite(level):
        levels.append(Level(level, f"knee-bend threshold ({ev.threshold_deg:.0f} deg above the knee at rest)", "knee"))
    lo, hi = r.slr_angle_ci95_deg
    moments = []
    if r.knee_bend_onset_s is not None:
        onset = r.knee_bend_onset_s
        moments.append(Moment(onset, ""))
        reading = Reading(onset, r.slr_angle_deg, (lo, hi),
                          f"SLR angle {r.slr_angle_deg:.1f} deg (95 % interval {lo:.1f}-{hi:.1f})",
                          callout=f"knee bends at {r.slr_angle_deg:.1f} deg\n({onset:.2f} s)")
        if r.knee_bend_confirmed_s is not None:
            moments.append(Moment(r.knee_bend_confirmed_s, f"bend confirmed at {r.knee_bend_confirmed_s:.2f} s",
                                  width=0.8, style="dotted"))
    else:
        t = c["t_s"]
        tp = float(t[int(ev.peak)]) if ev.peak is not None else float("nan")
        reading = Reading(tp, r.slr_angle_deg, (lo, hi),
                          f"knee never bent: SLR angle = max {r.slr_angle_deg:.1f} deg ({lo:.1f}-{hi:.1f})")
    if r.pain_s is not None:
        angle = r.pain_angle_deg
        moments.append(Moment(r.pain_s, "pain marked" + (f" at {angle:.1f} deg" if angle is not None else ""),
                              color="pain", style="dashdot"))
    note = "flags: " + ", ".join(flag_words(FLAGS, f) for f in r.flags) if r.flags else ""
    return Chart(f"Straight-leg raise, {r.side} leg", series, tuple(levels), tuple(moments), (reading,), note=note)


def knee_threshold(knee: np.ndarray, r: SLRResult) -> float:
    """The knee flexion (in the plotted column's units) at which a bend is confirmed."""
    ev = r.events
    if ev.knee_confirm_level_deg is not None:
        return float(ev.knee_confirm_level_deg)
    if ev.rest is None:
        return float("nan")
    at_rest = np.asarray(knee, float)[ev.rest[0]:ev.rest[1] + 1]
    at_rest = at_rest[np.isfinite(at_rest)]
    return float(np.median(at_rest)) + float(ev.threshold_deg) if len(at_rest) else float("nan")
