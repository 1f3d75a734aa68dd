"""The active knee extension (AKE, the 90/90 hamstring test): lying on the back, the tested hip held at
90 degrees, the person straightens the knee as far as it goes; the knee flexion left at end range
(the AKE angle), per side, with the hip's drift and the other leg's lift.

Modules: `measure` (the offline analysis and `AKEConfig`), `tell` (an AKE clip told from an SLR by
its sampled frames), `live` (the rules run frame by frame), `result`, `words` (flags in words),
`interpret` (thresholds and sentences), `report`, `chart`, `drawing`, `validation`.
"""

from __future__ import annotations

from typing import ClassVar

from rom.protocols.ake import words
from rom.protocols.base import NO_MARKS, LiveRules, Marks, Protocol


class AKE(Protocol):
    name = "ake"
    title = "Active knee extension (AKE, 90/90)"
    short_title = "AKE"
    posture = "lying"
    side_meaning = "the tested leg"
    keeps_lying_person = True
    flags = words.FLAGS
    quantities = words.QUANTITIES
    live_angles = words.LIVE_ANGLES
    headline = "ake_angle_deg"
    side_from_video = True  # the leg held up, checked against the declared one
    compares_sides = True
    chart = ("knee_flexion_deg", "hip_flexion_deg", "other_hip_flexion_deg")
    posture_cue: ClassVar[str] = "lie down on your back on the table, then hold the tested thigh upright"

    def default_config(self):
        from rom.protocols.ake.measure import AKEConfig

        return AKEConfig()

    def analyze(self, series, video_name, *, side=None, config=None, marks: Marks = NO_MARKS):
        from rom.protocols.ake.measure import analyze_ake

        return analyze_ake(series, video_name, side=side, config=config or self.default_config())

    def live(self, side, fps, config=None) -> LiveRules:
        from rom.protocols.ake.live import AKELive

        return AKELive(side, fps, config or self.default_config())

    def tell(self, xys) -> bool | None:
        """An AKE clip among the lying tests: most sampled frames hold one thigh up with the knee
        bent or extending, and neither the first nor the last shows both legs flat (`tell.is_ake`)."""
        from rom.protocols.ake.tell import is_ake

        return is_ake(xys)

    # --- outputs (`report`, `chart`, `drawing`: what the views show, as data) ------------------
    batch_columns = ("ake_angle_deg", "hip_flexion_at_end_deg", "end_range_s", "max_other_hip_flexion_deg")
    batch_side_difference = (10.0, "no established threshold for the AKE (rom's convention)")

    def batch_line(self, row):
        return f"AKE {row['side']} {row['ake_angle_deg']} deg"


PROTOCOL = AKE()
