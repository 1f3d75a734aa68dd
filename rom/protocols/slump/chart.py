"""The slump test's plot.png as data (`rom.protocols.base.Chart`; `rom.outputs.plot` draws it): the
tested knee, the spine, the neck and the ankle against time, each step shaded, the knee's reading at
end range and after the release with their intervals, the symptom marks."""

from __future__ import annotations

import numpy as np

from rom.protocols.base import Chart, Moment, Reading, Series, Span, flag_words
from rom.protocols.slump.result import SlumpResult
from rom.protocols.slump.words import FLAGS, STEPS


def _max(x) -> float:
    x = np.asarray(x, float)
    return float(np.nanmax(x)) if np.isfinite(x).any() else float("nan")


def chart(r: SlumpResult) -> Chart:
    c = r.frames.columns
    series = (
        Series("knee_flexion_raw_deg", "knee flexion, unfiltered", "knee", width=0.9, alpha=0.3),
        Series("knee_flexion_deg", f"knee flexion ({r.side} leg, tested)", "knee", width=2.2),
        Series("other_knee_flexion_deg", "other knee (hanging)", "other", width=1.0, style="dotted"),
        Series("spine_flexion_deg", f"spine flexion, max {r.max_spine_flexion_deg:.1f} deg", "back", width=1.5),
        Series("neck_flexion_deg", f"neck flexion, max {r.max_neck_flexion_deg:.1f} deg", "trunk", width=1.5),
        Series("ankle_dorsiflexion_deg", "ankle dorsiflexion", "leg", width=1.0, style="dashed"),
    )
    spans = tuple(Span((a, b), 0.5 * (a + b), STEPS.get(k, k).split(" (")[0], False)
                  for k, (a, b) in r.phases.items() if k != "upright")
    readings = []
    lo, hi = r.knee_flexion_end_ci95_deg
    if np.isfinite(r.knee_flexion_end_deg):
        readings.append(Reading(r.end_range_s, r.knee_flexion_end_deg, (lo, hi),
                                f"knee at end range {r.knee_flexion_end_deg:.1f} deg ({lo:.1f}-{hi:.1f})",
                                callout=f"end range {r.knee_flexion_end_deg:.1f} deg"))
    release = r.phases.get("neck_release")
    if release is not None and np.isfinite(r.knee_flexion_release_deg):
        lo, hi = r.knee_flexion_release_ci95_deg
        readings.append(Reading(release[1], r.knee_flexion_release_deg, (lo, hi),
                                f"after the neck release {r.knee_flexion_release_deg:.1f} deg ({lo:.1f}-{hi:.1f}), "
                                f"gain {r.release_gain_deg:.1f} deg"))
    moments = tuple(Moment(m.t_s, f"symptoms marked at {m.t_s:.2f} s (knee {m.knee_flexion_deg:.0f} deg)",
                           color="flag", style="dashed") for m in r.marks)
    note = "flags: " + ", ".join(flag_words(FLAGS, f) for f in r.flags) if r.flags else ""
    top = np.nanmax([_max(c[k]) for k in ("knee_flexion_deg", "other_knee_flexion_deg", "spine_flexion_deg")] + [10.0])
    return Chart(f"Slump test, {r.side} leg", series, moments=moments, readings=tuple(readings), spans=spans,
                 note=note, y_top_deg=float(top) * 1.2, y_floor_deg=-20.0)
