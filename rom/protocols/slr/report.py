"""What the SLR's text summary and batch row say (`rom.protocols.base` views; `rom.outputs` prints them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rom.protocols.base import TextSummary, num, row
from rom.protocols.slr import interpretation as meaning
from rom.protocols.slr.result import SLRResult

TITLE = "Straight-leg raise (SLR)"


def text_summary(r: SLRResult) -> TextSummary:
    lo, hi = r.slr_angle_ci95_deg
    bent = "knee_bend_not_reached" not in r.flags
    lines = [f"{TITLE}, {r.side} leg - {Path(r.video).name}",
             row("SLR angle", f"{num(r.slr_angle_deg)}  (95 % interval {num(lo)} to {num(hi)})"),
             row("", "the thigh against the table "
                 + ("when the knee began to bend" if bent else "at its highest: the knee never bent"))]
    if r.knee_bend_onset_s is not None:
        lines.append(row("knee-bend onset", f"{num(r.knee_bend_onset_s, 2, 's')}  "
                         f"(bend confirmed at {num(r.knee_bend_confirmed_s, 2, 's')})"))
    if r.pain_s is not None:
        lines.append(row("pain reported", f"at {num(r.pain_s, 2, 's')}, hip flexion "
                         f"{num(r.pain_angle_deg)} (the Lasegue reading)"))
    lines += [
        row("max hip flexion", num(r.max_hip_flexion_deg)),
        row("pelvic rotation", f"{num(r.pelvic_rotation_deg)} at the SLR angle, "
            f"at most {num(r.max_pelvic_rotation_deg)} during the raise"),
        row("other leg", f"rose {num(r.contralateral_hip_flexion_deg)} off the table"),
        row("table line", f"tilted {num(r.table_tilt_deg)} in the image (corrected for)"),
    ]
    # 'knee never bent' is said with the angle, not again under Flags
    return TextSummary(tuple(lines), tuple(interpretation(r, bent)), frozenset({"knee_bend_not_reached"}),
                       all_clear=" of those assessed" if r.not_assessed else "")


def interpretation(r: SLRResult, bent: bool) -> list[str]:
    """Sentences on the SLR angle (DESIGN.md 3): tight below 80 degrees, the MDC of 6-7 degrees."""
    limit = meaning.TIGHT_BELOW_DEG
    lo, hi = r.slr_angle_ci95_deg
    out = []
    if not bent:
        out.append(f"The knee never bent, so the hamstrings' limit was not reached: {r.slr_angle_deg:.0f} degrees "
                   "is a lower bound of the SLR angle.")
        if r.slr_angle_deg >= limit:
            out.append(f"That is already {limit:.0f} degrees or more: no sign of tight hamstrings.")
    else:
        out.append(meaning.angle_sentence(r.slr_angle_deg, limit))
        if np.isfinite(lo) and np.isfinite(hi) and lo < limit <= hi:
            out.append(f"The 95 % interval includes {limit:.0f} degrees: a borderline reading; repeat the test.")
    lo_asym, hi_asym = meaning.NORMAL_ASYMMETRY_DEG
    out.append("The minimal detectable change of goniometric SLR is about 6-7 degrees: count a left/right or "
               f"session-to-session difference only beyond {meaning.SIDE_DIFFERENCE_DEG:.0f} "
               f"(a normal left/right asymmetry is {lo_asym:.0f}-{hi_asym:.0f} degrees).")
    return out


def batch_figures(d: dict) -> dict:
    """The batch row's SLR columns from the result's JSON (`SLRResult.to_dict`)."""
    lo, hi = (d.get("slr_angle_ci95_deg") or [None, None])[:2]
    return dict(slr_angle_deg=d["slr_angle_deg"], slr_angle_ci95_low_deg=lo, slr_angle_ci95_high_deg=hi,
                knee_bend_onset_s=d["knee_bend_onset_s"], max_hip_flexion_deg=d["max_hip_flexion_deg"],
                pelvic_rotation_deg=d["pelvic_rotation_deg"],
                contralateral_hip_flexion_deg=d["contralateral_hip_flexion_deg"])


def batch_truth_figures(comparison: dict) -> dict:
    """The batch row's SLR error columns from `rom.validation.validate.compare`."""
    return dict(truth_slr_angle_deg=comparison["slr_truth_deg"], slr_angle_error_deg=comparison["slr_error_deg"],
                truth_knee_bend_onset_s=comparison.get("onset_truth_s"),
                knee_bend_onset_error_s=comparison.get("onset_error_s"))

