"""The passive straight-leg raise (SLR): lying on the back, one straight leg lifted; the hip flexion
at the moment the knee begins to bend, per side, with its compensations.

Modules: `measure` (the offline analysis and `SLRConfig`), `onset` (when the knee began to bend),
`raises` and `trials` (several raises in one recording), `live` (the rules run frame by frame),
`result`, `words` (flags in words, what the video cannot assess), `interpretation` (thresholds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rom.protocols.base import NO_MARKS, LiveRules, Marks, Protocol
from rom.protocols.slr import interpretation, words

if TYPE_CHECKING:
    import numpy as np


class SLR(Protocol):
    name = "slr"
    title = "Straight-leg raise (SLR)"
    short_title = "SLR"
    posture = "lying"
    side_meaning = "the raised leg"
    keeps_lying_person = True
    pain_marks = True
    flags = words.FLAGS
    not_assessed = words.NOT_ASSESSED
    quantities = words.QUANTITIES
    live_angles = words.LIVE_ANGLES
    headline = "slr_angle_deg"
    modes = {"passive": "passive (examiner lifts the leg)", "active": "active (own leg lift)"}
    side_from_video = True  # the raised leg, checked against the declared one (issue 11)
    compares_sides = True
    chart = ("hip_flexion_deg", "knee_flexion_deg", "other_hip_flexion_deg", "pelvic_rotation_deg")
    trials = True
    posture_cue: ClassVar[str] = "lie down on your back on the table, legs straight"

    def default_config(self):
        from rom.protocols.slr.measure import SLRConfig

        return SLRConfig()

    def analyze(self, series, video_name, *, side=None, config=None, marks: Marks = NO_MARKS):
        """Every raise of the recording measured on its own (`rom.protocols.slr.trials`); one raise
        gives the engine's result as it is, with its one trial."""
        from rom.protocols.slr.trials import analyze_slr_trials

        return analyze_slr_trials(series, video_name, side=side, config=config or self.default_config(),
                                  pain_s=marks.first_pain_s, pain_marks=marks.pain)

    def live(self, side, fps, config=None) -> LiveRules:
        from rom.protocols.slr.live import SLRLive

        return SLRLive(side, fps, config or self.default_config())

    def posture_advice(self, xy: np.ndarray, side: str | None) -> dict[str, str | None]:
        """The posture, and a declared leg that is the camera's far leg: the near leg and an
        examiner standing behind hide it, and it cannot be measured well (samples/validation)."""
        from rom.core import kinematics, legs

        checks = super().posture_advice(xy, side)
        if checks["posture"] is None and side in ("left", "right"):
            body = kinematics.supine_frame_of(xy[None])
            near = None if body is None else legs.facing_side(body)
            checks["raised_leg_near"] = None if near is None or near == side else (
                f"the {side} leg is the camera's far leg: the other leg (and an examiner standing behind it) hides "
                f"it, and it cannot be measured well. Film from the {side} side: move the camera to the other side "
                "of the table, or turn the person round")
        return checks

    # --- outputs (`report`, `chart`, `drawing`: what the views show, as data) ------------------
    batch_columns = ("slr_angle_deg", "knee_bend_onset_s", "max_hip_flexion_deg", "pelvic_rotation_deg",
                     "contralateral_hip_flexion_deg")
    batch_side_difference = (interpretation.SIDE_DIFFERENCE_DEG, "the minimal detectable change of a goniometric SLR")

    def batch_line(self, row):
        return f"SLR {row['side']} {row['slr_angle_deg']} deg"


PROTOCOL = SLR()
