"""The AKE's plot.png as data (`rom.protocols.base.Chart`; `rom.outputs.plot` draws it): the knee and the
hip against time, the other leg, the hip's 90-degree band, end range with the AKE angle and its interval."""

from __future__ import annotations

from rom.protocols.ake.result import AKEResult
from rom.protocols.ake.words import FLAGS
from rom.protocols.base import Chart, Level, Moment, Reading, Series, Span, flag_words


def chart(r: AKEResult) -> Chart:
    ev = r.events
    series = (
        Series("knee_flexion_raw_deg", "knee flexion, unfiltered", "knee", width=0.9, alpha=0.3),
        Series("knee_flexion_deg", f"knee flexion ({r.side} leg)", "knee",
               width=2.2),
        Series("hip_flexion_deg", "hip flexion (thigh vs table)", "hip", width=1.8),
        Series("other_hip_flexion_deg", "other leg vs table", "other", width=1.2),
    )
    tol = ev.drift_tolerance_deg
    levels = (Level(r.hip_flexion_start_deg + tol, f"hip start +/- {tol:g} deg (drift tolerance)", "hip"),
              Level(r.hip_flexion_start_deg - tol, "", "hip"),
              Level(20.0, "AKE 20 deg (above: short hamstrings)", "knee", style="dotted"))
    lo, hi = r.ake_angle_ci95_deg
    reading = Reading(r.end_range_s, r.ake_angle_deg, (lo, hi),
                      f"AKE {r.ake_angle_deg:.1f} deg (95 %: {lo:.1f}-{hi:.1f})",
                      callout=f"end range: knee {r.ake_angle_deg:.1f} deg\n({r.end_range_s:.2f} s)")
    t = r.frames.columns["t_s"]
    t0, t1 = float(t[ev.start]), float(t[ev.hold[1]])
    spans = (Span((t0, t1), t0 + 0.12 * (t1 - t0), "thigh drifted" if "hip_drift" in r.flags else "extension",
                  "hip_drift" in r.flags),)
    moments = (Moment(r.extension_start_s, f"extension starts {r.extension_start_s:.2f} s", width=0.8,
                      style="dotted"),)
    note = "flags: " + ", ".join(flag_words(FLAGS, f) for f in r.flags) if r.flags else ""
    return Chart(f"Active knee extension, {r.side} leg", series, levels, moments, (reading,), spans, note=note,
                 y_top_deg=120.0)
