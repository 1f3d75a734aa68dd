"""What the AKE's text summary and batch row say (`rom.protocols.base` views; `rom.outputs` prints them)."""

from __future__ import annotations

from pathlib import Path

from rom.protocols.ake import interpret
from rom.protocols.ake.result import AKEResult
from rom.protocols.base import TextSummary, num, row

TITLE = "Active knee extension (AKE, 90/90)"


def text_summary(r: AKEResult) -> TextSummary:
    lo, hi = r.ake_angle_ci95_deg
    hlo, hhi = r.hip_flexion_at_end_ci95_deg
    lines = [f"{TITLE}, {r.side} leg ({r.tested_leg} leg) - {Path(r.video).name}",
             row("AKE angle", f"{num(r.ake_angle_deg)}  (95 % interval {num(lo)} to {num(hi)})"),
             row("", "the knee flexion left at end range (0 = straight)"),
             row("end range", f"at {num(r.end_range_s, 2, 's')} (the knee began to extend at "
                 f"{num(r.extension_start_s, 2, 's')}, from {num(r.knee_flexion_start_deg)})"),
             row("hip flexion", f"{num(r.hip_flexion_start_deg)} at the start, {num(r.hip_flexion_at_end_deg)} at "
                 f"end range (95 % interval {num(hlo)} to {num(hhi)})"),
             row("thigh drift", f"{num(r.hip_drift_deg)} at end range from the start (tolerance "
                 f"{r.events.drift_tolerance_deg:g} deg)"),
             row("other leg", f"rose {num(r.other_leg_rise_deg)} off the table at end range"),
             row("table line", f"tilted {num(r.table_tilt_deg)} in the image (corrected for)")]
    th = interpret.thresholds()
    return TextSummary(tuple(lines), tuple(interpret.sentences(r.to_dict(), None, th)))


def batch_figures(d: dict) -> dict:
    """The batch row's AKE columns from the result's JSON (`AKEResult.to_dict`)."""
    lo, hi = (d.get("ake_angle_ci95_deg") or [None, None])[:2]
    return dict(ake_angle_deg=d["ake_angle_deg"], ake_angle_ci95_low_deg=lo, ake_angle_ci95_high_deg=hi,
                hip_flexion_at_end_deg=d["hip_flexion_at_end_deg"], end_range_s=d["end_range_s"],
                max_other_hip_flexion_deg=d["max_other_hip_flexion_deg"])


def batch_truth_figures(comparison: dict) -> dict:
    """The batch row's AKE error columns from `rom.validation.validate.compare`."""
    return dict(truth_ake_angle_deg=comparison["ake_truth_deg"], ake_angle_error_deg=comparison["ake_error_deg"])
