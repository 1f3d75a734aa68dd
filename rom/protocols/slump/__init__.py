"""The seated slump test: sitting on the edge of the table, hands behind the back, the person slumps
the trunk, bends the neck, straightens one knee (and pulls the foot up); then the neck is released.
The knee's end range in full slump and after the release, and the steps' times and angles; the
positive/negative call stays with the clinician's symptom marks.

Modules: `measure` (the offline analysis and `SlumpConfig`), `phases` (the steps found from the
motion), `live` (the rules run frame by frame), `result`, `words` (flags, steps and cues in words).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rom.protocols.base import NO_MARKS, LiveRules, Marks, Protocol
from rom.protocols.slump import words

if TYPE_CHECKING:
    import numpy as np


class Slump(Protocol):
    name = "slump"
    title = "Slump test"
    short_title = "slump"
    posture = "sitting"
    side_meaning = "the tested leg (the knee straightened)"
    segmentation = True  # the back's outline comes from the segmentation mask
    pain_marks = True  # the examiner marks where the symptoms start
    symptom_button, symptom_word = "Symptoms now", "Symptoms"
    flags = words.FLAGS
    not_assessed = words.NOT_ASSESSED
    quantities = words.QUANTITIES
    live_angles = words.LIVE_ANGLES
    headline = "knee_flexion_end_deg"
    side_from_video = True  # the knee that straightens, checked against the declared one
    compares_sides = True
    chart = ("knee_flexion_deg", "spine_flexion_deg", "neck_flexion_deg", "ankle_dorsiflexion_deg")
    posture_cue: ClassVar[str] = "sit on the edge of the table, side-on to the camera, hands behind your back"

    def default_config(self):
        from rom.protocols.slump.measure import SlumpConfig

        return SlumpConfig()

    def analyze(self, series, video_name, *, side=None, config=None, marks: Marks = NO_MARKS):
        from rom.protocols.slump.measure import analyze_slump

        return analyze_slump(series, video_name, side=side, config=config or self.default_config(), marks=marks)

    def frame_features(self):
        from rom.core import back_contour

        return back_contour.frame_features, back_contour.N_FEATURES

    def live(self, side, fps, config=None) -> LiveRules:
        from rom.protocols.slump.live import SlumpLive

        return SlumpLive(side, fps, config or self.default_config())

    def posture_advice(self, xy: np.ndarray, side: str | None) -> dict[str, str | None]:
        """The posture, and a declared leg that is the camera's far leg (the near leg hangs in front
        of it: `SlumpConfig.refuse_far_leg`)."""
        from rom.protocols.slump.measure import image_facing

        checks = super().posture_advice(xy, side)
        if checks["posture"] is None and side in ("left", "right"):
            facing = image_facing(xy[None])
            near = None if facing == 0.0 else ("right" if facing > 0 else "left")
            checks["tested_leg_near"] = None if near is None or near == side else (
                f"the {side} leg is the camera's far leg: the other leg hangs in front of it and it cannot be measured "
                f"well. Film from the {side} side: move the camera to the other side, or turn the person round")
        return checks

    def tell(self, xys: list[np.ndarray]) -> bool | None:
        """The only sitting test: no tell of its own."""
        return None

    # --- outputs (`report`, `chart`, `drawing`: what the views show, as data) ------------------
    batch_columns = ("knee_flexion_end_deg", "knee_flexion_release_deg", "release_gain_deg", "max_spine_flexion_deg",
                     "max_neck_flexion_deg")
    # No minimal detectable change of the slump test's knee angle is published that rom relies on: the
    # batch report, like the web app, uses rom's own measurement noise (`interpret.SIDE_DIFFERENCE_DEG`).
    batch_side_difference = (8.0, "rom's measurement noise of the knee angle (no published minimal detectable "
                                  "change of the slump test)")

    def batch_line(self, row):
        return f"slump {row['side']} knee {row['knee_flexion_end_deg']} deg"


PROTOCOL = Slump()
