"""The plain-text summary `rom analyze` prints without `--json`: the measurement, what it means,
the flags in words with a sentence each, and how far it can be trusted.

The words for flags and the interpretation thresholds come from `rom.outputs.wording`, so the terminal,
the annotated video, the batch report and the web pages all say the same thing.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from rom.outputs import wording
from rom.protocols.slr import interpretation as slr_meaning

_NAMES = {"slr": "Straight-leg raise (SLR)", "hinge": "Hip hinge"}
WIDTH = 100  # columns: sentences wrap there, so a terminal shows them indented, not broken anyhow


def describe(result) -> str:
    """A multi-line, human-readable summary of an SLRResult or HingeResult (no trailing newline)."""
    body = _slr_lines(result) if result.test == "slr" else _hinge_lines(result)
    return "\n".join(body + [""] + _flag_lines(result) + [""] + _quality_lines(result.quality))


def _num(v: float | None, nd: int = 1, unit: str = "deg") -> str:
    """A number with its unit, or 'n/a' when it is missing."""
    if v is None or not np.isfinite(v):
        return "n/a"
    return f"{v:.{nd}f} {unit}".rstrip()


def _wrap(text: str, indent: str = "  ", hang: str = "    ") -> str:
    """A paragraph wrapped at WIDTH, its continuation lines indented by hang."""
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=hang, break_on_hyphens=False)


def _row(label: str, text: str) -> str:
    return f"  {label:<20}{text}"


def _slr_lines(r) -> list[str]:
    lo, hi = r.slr_angle_ci95_deg
    bent = "knee_bend_not_reached" not in r.flags
    lines = [f"{_NAMES['slr']}, {r.side} leg - {Path(r.video).name}",
             _row("SLR angle", f"{_num(r.slr_angle_deg)}  (95 % interval {_num(lo)} to {_num(hi)})"),
             _row("", "the thigh against the table "
                  + ("when the knee began to bend" if bent else "at its highest: the knee never bent"))]
    if r.knee_bend_onset_s is not None:
        lines.append(_row("knee-bend onset", f"{_num(r.knee_bend_onset_s, 2, 's')}  "
                          f"(bend confirmed at {_num(r.knee_bend_confirmed_s, 2, 's')})"))
    pain_s = getattr(r, "pain_s", None)
    if pain_s is not None:
        lines.append(_row("pain reported", f"at {_num(pain_s, 2, 's')}, hip flexion "
                          f"{_num(getattr(r, 'pain_angle_deg', None))} (the Lasegue reading)"))
    lines += [
        _row("max hip flexion", _num(r.max_hip_flexion_deg)),
        _row("pelvic rotation", f"{_num(r.pelvic_rotation_deg)} at the SLR angle, "
             f"at most {_num(r.max_pelvic_rotation_deg)} during the raise"),
        _row("other leg", f"rose {_num(r.contralateral_hip_flexion_deg)} off the table"),
        _row("table line", f"tilted {_num(r.table_tilt_deg)} in the image (corrected for)"),
        "",
        "Interpretation",
    ]
    lines += [_wrap(s) for s in _slr_interpretation(r, bent)]
    return lines


def _slr_interpretation(r, bent: bool) -> list[str]:
    """Sentences on the SLR angle (DESIGN.md 3): tight below 80 degrees, the MDC of 6-7 degrees."""
    limit = slr_meaning.TIGHT_BELOW_DEG
    lo, hi = r.slr_angle_ci95_deg
    out = []
    if not bent:
        out.append(f"The knee never bent, so the hamstrings' limit was not reached: {r.slr_angle_deg:.0f} degrees "
                   "is a lower bound of the SLR angle.")
        if r.slr_angle_deg >= limit:
            out.append(f"That is already {limit:.0f} degrees or more: no sign of tight hamstrings.")
    else:
        out.append(slr_meaning.angle_sentence(r.slr_angle_deg, limit))
        if np.isfinite(lo) and np.isfinite(hi) and lo < limit <= hi:
            out.append(f"The 95 % interval includes {limit:.0f} degrees: a borderline reading; repeat the test.")
    lo_asym, hi_asym = slr_meaning.NORMAL_ASYMMETRY_DEG
    out.append("The minimal detectable change of goniometric SLR is about 6-7 degrees: count a left/right or "
               f"session-to-session difference only beyond {slr_meaning.SIDE_DIFFERENCE_DEG:.0f} "
               f"(a normal left/right asymmetry is {lo_asym:.0f}-{hi_asym:.0f} degrees).")
    return out


def _hinge_lines(r) -> list[str]:
    unit = "deg" if r.events.get("back_rounding_unit") == "deg" else ""
    nd = 1 if unit else 3
    n = len(r.reps)
    lines = [f"{_NAMES['hinge']}, {r.side} side facing the camera - {Path(r.video).name}",
             f"  {n} repetition{'s' if n != 1 else ''}"]
    for k, rep in enumerate(r.reps, 1):
        faults = ", ".join(wording.flag_words(f) for f in rep.flags) or "no fault"
        lines += [
            f"  rep {k}  {rep.start_s:.2f}-{rep.end_s:.2f} s, bottom at {rep.bottom_s:.2f} s: {faults}",
            f"         hip flexion {_num(rep.max_hip_flexion_deg)}, trunk {_num(rep.max_trunk_inclination_deg)}, "
            f"knee {_num(rep.max_knee_flexion_deg)}, back rounding {_num(rep.back_rounding, nd, unit)}"]
    if r.reps:
        deepest = max(rep.max_hip_flexion_deg for rep in r.reps)
        lines.append(_row("deepest hip flexion", _num(deepest)))
    return lines


def _flag_lines(r) -> list[str]:
    shown = [f for f in r.flags if not (r.test == "slr" and f == "knee_bend_not_reached")]
    unsure = [_wrap(f"not assessed: {wording.flag_words(f)}: {reason}")
              for f, reason in getattr(r, "not_assessed", ())]
    if not shown:
        return ["Flags: none" + (" - every repetition was a clean hip hinge" if r.test == "hinge"
                                 else " of those assessed" if unsure else "")] + unsure
    lines = ["Flags"]
    for f in shown:
        where = ""
        if r.test == "hinge":
            reps = [str(k) for k, rep in enumerate(r.reps, 1) if f in rep.flags]
            where = f" (rep {', '.join(reps)})" if reps else ""
        lines.append(_wrap(f"{wording.flag_words(f)}{where}: {wording.flag_explanation(f)}"))
    return lines + unsure


def _quality_lines(q) -> list[str]:
    source = "2D image landmarks" if q.angle_source == "image_2d" else q.angle_source.replace("_", " ")
    lines = [f"Quality: {q.frames} frames, a pose in {q.detected_fraction:.0%} of them, {q.view} view, "
             f"angles from {source}"]
    if not q.warnings:
        return lines + ["Warnings: none"]
    return lines + ["Warnings"] + [_wrap(w, "  - ", "    ") for w in q.warnings]
