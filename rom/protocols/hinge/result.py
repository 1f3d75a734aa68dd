"""The hip hinge's result: its repetitions with their angles and form flags.

The keys of `to_dict()` are the public contract of `rom analyze --json` (DESIGN.md 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rom.core.results import FrameTable, Quality, rounded


@dataclass(frozen=True)
class HingeEvents:
    """Where the repetitions are in the frame table and what the views draw of them (the plot, the
    overlay, the key frame); not part of the JSON. Frames are indices into the result's frame table.
    """

    reps: tuple[tuple[int, int, int], ...] = ()  # (start, bottom, end) of each measured repetition
    bottoms: tuple[tuple[int, int], ...] = ()  # per repetition, the still frames around its bottom
    knee_bend_threshold_deg: float | None = None  # knee flexion above standing that flags a squat
    knee_standing_deg: float = 0.0  # the knee flexion standing
    rounded_back_threshold_deg: float | None = None  # upper-back rounding that flags a rounded back
    back_contour: dict = field(default_factory=dict)  # frame -> the back's outline there, (K, 2) pixels
    scene_cuts: tuple[int, ...] = ()  # frames where the clip cuts between camera shots


@dataclass(frozen=True)
class HingeRep:
    """One repetition of the hip hinge. Angles in degrees (DESIGN.md 3).

    back_rounding: rounding of the upper back at the bottom, in degrees: how much more the back's
    outline turns between the middle and the top of the back than when the person stands
    (0 = as standing; `rom.core.back_contour`). back_flexion_deg: the same for the whole back (lower
    to upper back). lumbar_ratio: back_flexion_deg per degree of hip flexion at the bottom, the
    share of the forward bend taken by the spine. knee_bend_deg: knee flexion above standing.
    confidence: the hip flexion's SD and, per flag, how sure its decision is (0.5-1: the
    probability that the feature is on the measured side of its threshold; None where it could
    not be assessed).
    """

    start_s: float
    bottom_s: float
    end_s: float
    max_hip_flexion_deg: float
    max_trunk_inclination_deg: float
    max_knee_flexion_deg: float
    back_rounding: float
    lumbar_ratio: float
    flags: tuple[str, ...]
    confidence: dict = field(default_factory=dict)
    back_flexion_deg: float = float("nan")
    knee_bend_deg: float = float("nan")
    max_hip_flexion_ci95_deg: tuple[float, float] = (float("nan"), float("nan"))

    def to_dict(self) -> dict:
        return {
            "start_s": rounded(self.start_s, 2), "bottom_s": rounded(self.bottom_s, 2), "end_s": rounded(self.end_s, 2),
            "max_hip_flexion_deg": rounded(self.max_hip_flexion_deg),
            "max_hip_flexion_ci95_deg": [rounded(v) for v in self.max_hip_flexion_ci95_deg],
            "max_trunk_inclination_deg": rounded(self.max_trunk_inclination_deg),
            "max_knee_flexion_deg": rounded(self.max_knee_flexion_deg),
            "knee_bend_deg": rounded(self.knee_bend_deg),
            "back_rounding": rounded(self.back_rounding), "back_flexion_deg": rounded(self.back_flexion_deg),
            "lumbar_ratio": rounded(self.lumbar_ratio, 2),
            "flags": list(self.flags), "confidence": self.confidence,
        }


@dataclass(frozen=True)
class HingeResult:
    video: str
    side: str  # the body side facing the camera
    reps: tuple[HingeRep, ...]
    flags: tuple[str, ...]
    quality: Quality
    frames: FrameTable = field(repr=False, compare=False)
    events: HingeEvents = field(default_factory=HingeEvents, repr=False, compare=False)  # for the views

    test = "hinge"

    def to_dict(self) -> dict:
        return {"test": "hinge", "video": self.video, "side": self.side,
                "reps": [r.to_dict() for r in self.reps], "flags": list(self.flags),
                "quality": self.quality.to_dict()}
