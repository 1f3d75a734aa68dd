"""What the slump test's text summary and batch row say (`rom.protocols.base` views; `rom.outputs`
prints them). Figures are named by their `words.QUANTITIES` labels, as every other view names them."""

from __future__ import annotations

from pathlib import Path

from rom.protocols.base import TextSummary, num, row
from rom.protocols.slump.result import CLINICAL_CALL, SlumpResult
from rom.protocols.slump.words import QUANTITIES, STEPS

TITLE = "Slump test"


# the figures' labels, short enough for the summary's column (`words.QUANTITIES` has them in full)
SHORT = {"knee_flexion_end_deg": "knee at end range", "knee_flexion_release_deg": "knee after release",
         "release_gain_deg": "gain on release", "end_range_s": "end range at", "max_spine_flexion_deg": "spine flexion",
         "max_trunk_inclination_deg": "trunk inclination", "max_neck_flexion_deg": "neck flexion",
         "max_ankle_dorsiflexion_deg": "ankle dorsiflexion"}


def _label(key: str) -> str:
    return SHORT.get(key) or QUANTITIES[key].label


def _ci(v: tuple[float, float]) -> str:
    lo, hi = v
    return "" if lo != lo or hi != hi else f" (95% {lo:.1f} to {hi:.1f})"


def steps_done(r: SlumpResult) -> list[str]:
    """Each step of the test in order: found and how far, or not found in the video (a small step,
    the ankle's above all, can be done and still not be found: the words say what the video shows)."""
    out = []
    for key, words in STEPS.items():
        if key == "upright":
            continue
        deg = r.components.get(key)
        span = r.phases.get(key)
        out.append(f"{words}: " + ("not found in the video" if span is None else
                                   f"{span[0]:.2f}-{span[1]:.2f} s" + ("" if deg is None else f", {deg:.0f} deg")))
    return out


def text_summary(r: SlumpResult) -> TextSummary:
    lines = [f"{TITLE}, {r.side} leg tested (the camera's {r.tested_leg} leg) - {Path(r.video).name}",
             row(_label("knee_flexion_end_deg"), num(r.knee_flexion_end_deg) + _ci(r.knee_flexion_end_ci95_deg)),
             row(_label("knee_flexion_release_deg"),
                 num(r.knee_flexion_release_deg) + _ci(r.knee_flexion_release_ci95_deg)),
             row(_label("release_gain_deg"), num(r.release_gain_deg) + _ci(r.release_gain_ci95_deg)),
             row(_label("end_range_s"), num(r.end_range_s, 2, "s")),
             row(_label("max_spine_flexion_deg"), f"{num(r.max_spine_flexion_deg)} at most"),
             row(_label("max_trunk_inclination_deg"), f"{num(r.max_trunk_inclination_deg)} at most"),
             row(_label("max_neck_flexion_deg"), f"{num(r.max_neck_flexion_deg)} at most"),
             row(_label("max_ankle_dorsiflexion_deg"), f"{num(r.max_ankle_dorsiflexion_deg)} at most"
                 if r.max_ankle_dorsiflexion_deg == r.max_ankle_dorsiflexion_deg else "no foot pull found"),
             "  steps:"] + [f"    {s}" for s in steps_done(r)]
    for m in r.marks:
        lines.append(row("symptoms marked", f"{m.t_s:.2f} s during the {STEPS.get(m.phase, m.phase)}: knee "
                                            f"{num(m.knee_flexion_deg)}, neck {num(m.neck_flexion_deg)}, spine "
                                            f"{num(m.spine_flexion_deg)}"))
    if not r.marks:
        lines.append(row("symptoms marked", "none"))
    return TextSummary(tuple(lines), interpretation=(CLINICAL_CALL,),
                       all_clear=" - the knee did not go further when the neck was released")


def batch_figures(d: dict) -> dict:
    """The batch row's slump columns from the result's JSON (`SlumpResult.to_dict`)."""
    return {k: d.get(k) for k in ("knee_flexion_end_deg", "knee_flexion_release_deg", "release_gain_deg",
                                  "max_spine_flexion_deg", "max_neck_flexion_deg", "max_trunk_inclination_deg")}
