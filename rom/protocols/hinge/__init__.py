"""The hip hinge: standing, bending forward at the hips; per repetition the hip flexion, trunk
inclination and knee bend, with the form faults (rounded back, lumbar compensation, squatting).

Modules: `measure` (the offline analysis and `HingeConfig`), `reps` (repetitions), `form` (what
makes a hinge, and the form signals), `view` (which frames show what the angles need), `live`
(the rules run frame by frame), `result`, `words` (flags in words).
"""

from __future__ import annotations

from typing import ClassVar

from rom.protocols.base import NO_MARKS, LiveRules, Marks, Protocol
from rom.protocols.hinge import words


class Hinge(Protocol):
    name = "hinge"
    title = "Hip hinge"
    short_title = "hinge"
    posture = "standing"
    side_meaning = "the side facing the camera"
    segmentation = True  # the back's outline comes from the segmentation mask
    flags = words.FLAGS
    quantities = words.QUANTITIES
    live_angles = words.LIVE_ANGLES
    headline = "max_hip_flexion_deg"
    chart = ("hip_flexion_deg", "trunk_inclination_deg", "knee_flexion_deg", "back_flexion_deg")
    trend = ("max_hip_flexion_deg", "max_trunk_inclination_deg", "max_knee_flexion_deg")
    posture_cue: ClassVar[str] = "stand up straight, side-on to the camera"

    def default_config(self):
        # imported here: the hinge's analysis is a large module, which an SLR never needs
        from rom.protocols.hinge.measure import HingeConfig

        return HingeConfig()

    def analyze(self, series, video_name, *, side=None, config=None, marks: Marks = NO_MARKS):
        from rom.protocols.hinge.measure import analyze_hinge

        return analyze_hinge(series, video_name, side=side, config=config or self.default_config())

    def frame_features(self):
        from rom.core import back_contour

        return back_contour.frame_features, back_contour.N_FEATURES

    def live(self, side, fps, config=None) -> LiveRules:
        from rom.protocols.hinge.live import HingeLive

        return HingeLive(side, fps, config or self.default_config())

    # --- outputs (`report`, `chart`, `drawing`: what the views show, as data) ------------------
    batch_columns = ("rep_count", "max_hip_flexion_deg", "max_trunk_inclination_deg", "max_knee_flexion_deg")
    # No minimal detectable change is established for the hinge: the batch report uses the SLR's
    # (6 degrees, of a hip flexion too) for the deepest hip flexion.
    batch_side_difference = (6.0, "the minimal detectable change of a goniometric SLR")

    def batch_line(self, row):
        n = row["rep_count"]
        return f"hinge {row['side']}, {n} rep{'s' if n != 1 else ''}"


PROTOCOL = Hinge()
