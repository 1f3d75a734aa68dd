"""The SLR's result: the angle at the knee bend with its interval, the flags, the quality.

The keys of `to_dict()` are the public contract of `rom analyze --json` (DESIGN.md 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rom.core.results import FrameTable, Quality, rounded


@dataclass(frozen=True)
class SLRResult:
    video: str
    side: str  # the raised leg
    facing: str  # the body side facing the camera
    slr_angle_deg: float
    slr_angle_ci95_deg: tuple[float, float]
    max_hip_flexion_deg: float
    knee_bend_onset_s: float | None
    knee_bend_confirmed_s: float | None
    pelvic_rotation_deg: float  # at the SLR angle, from rest
    max_pelvic_rotation_deg: float
    contralateral_hip_flexion_deg: float  # largest rise of the other leg during the raise
    table_tilt_deg: float  # the table line's angle in the image (positive: counter-clockwise)
    flags: tuple[str, ...]
    quality: Quality
    frames: FrameTable = field(repr=False, compare=False)
    events: dict = field(default_factory=dict, repr=False, compare=False)  # frame indices for views
    pain_s: float | None = None  # when the person reported pain (live mode), seconds
    pain_angle_deg: float | None = None  # hip flexion at that moment (the Lasegue reading)
    # every pain mark, in time order: (seconds, hip flexion there or None); the first is pain_s
    pain_marks: tuple[tuple[float, float | None], ...] = ()
    raised_leg: str = "unknown"  # the camera's "near" or "far" leg, from the picture
    # Flags the video cannot decide either way, each with the reason: (flag, reason). A flag named
    # here is neither raised nor ruled out; its absence from `flags` says nothing.
    not_assessed: tuple[tuple[str, str], ...] = ()

    test = "slr"

    def to_dict(self) -> dict:
        return {
            "test": "slr", "video": self.video, "side": self.side, "facing": self.facing,
            "raised_leg": self.raised_leg,
            "slr_angle_deg": rounded(self.slr_angle_deg),
            "slr_angle_ci95_deg": [rounded(v) for v in self.slr_angle_ci95_deg],
            "max_hip_flexion_deg": rounded(self.max_hip_flexion_deg),
            "knee_bend_onset_s": rounded(self.knee_bend_onset_s, 2),
            "knee_bend_confirmed_s": rounded(self.knee_bend_confirmed_s, 2),
            "pelvic_rotation_deg": rounded(self.pelvic_rotation_deg),
            "max_pelvic_rotation_deg": rounded(self.max_pelvic_rotation_deg),
            "contralateral_hip_flexion_deg": rounded(self.contralateral_hip_flexion_deg),
            "table_tilt_deg": rounded(self.table_tilt_deg),
            "pain_s": rounded(self.pain_s, 2), "pain_angle_deg": rounded(self.pain_angle_deg),
            "pain_marks": [{"t_s": rounded(t, 2), "angle_deg": rounded(deg)} for t, deg in self.pain_marks],
            "flags": list(self.flags),
            "not_assessed": {flag: reason for flag, reason in self.not_assessed},
            "quality": self.quality.to_dict(),
        }
