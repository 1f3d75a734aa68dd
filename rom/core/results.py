"""Result objects of an analysis: small frozen dataclasses with `to_dict()` for JSON at the edge.

The keys of `to_dict()` are the public contract of `rom analyze --json` (DESIGN.md 4): keys may
be added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _r(x: float | None, nd: int = 1) -> float | None:
    """Round a number for JSON; None and non-finite values become None."""
    if x is None or not np.isfinite(x):
        return None
    return round(float(x), nd)


@dataclass(frozen=True)
class Quality:
    """How far the measurement can be trusted."""

    frames: int
    detected_fraction: float
    warnings: tuple[str, ...] = ()
    view: str = "side"  # 'side', 'oblique' (turned up to about 30 degrees)
    angle_source: str = "image_2d"  # 2D image landmarks; world landmarks were measured worse

    def to_dict(self) -> dict:
        return {"frames": self.frames, "detected_fraction": _r(self.detected_fraction, 3),
                "warnings": list(self.warnings), "view": self.view, "angle_source": self.angle_source}


@dataclass(frozen=True)
class FrameTable:
    """Per-frame values for the CSV, the plot and the overlay: name -> (N,) array, with units.

    Column names carry their unit (`_deg`, `_s`, `_px`); visibility columns are 0..1.
    """

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0


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
            "slr_angle_deg": _r(self.slr_angle_deg),
            "slr_angle_ci95_deg": [_r(v) for v in self.slr_angle_ci95_deg],
            "max_hip_flexion_deg": _r(self.max_hip_flexion_deg),
            "knee_bend_onset_s": _r(self.knee_bend_onset_s, 2),
            "knee_bend_confirmed_s": _r(self.knee_bend_confirmed_s, 2),
            "pelvic_rotation_deg": _r(self.pelvic_rotation_deg),
            "max_pelvic_rotation_deg": _r(self.max_pelvic_rotation_deg),
            "contralateral_hip_flexion_deg": _r(self.contralateral_hip_flexion_deg),
            "table_tilt_deg": _r(self.table_tilt_deg),
            "pain_s": _r(self.pain_s, 2), "pain_angle_deg": _r(self.pain_angle_deg),
            "pain_marks": [{"t_s": _r(t, 2), "angle_deg": _r(deg)} for t, deg in self.pain_marks],
            "flags": list(self.flags),
            "not_assessed": {flag: reason for flag, reason in self.not_assessed},
            "quality": self.quality.to_dict(),
        }


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
            "start_s": _r(self.start_s, 2), "bottom_s": _r(self.bottom_s, 2), "end_s": _r(self.end_s, 2),
            "max_hip_flexion_deg": _r(self.max_hip_flexion_deg),
            "max_hip_flexion_ci95_deg": [_r(v) for v in self.max_hip_flexion_ci95_deg],
            "max_trunk_inclination_deg": _r(self.max_trunk_inclination_deg),
            "max_knee_flexion_deg": _r(self.max_knee_flexion_deg),
            "knee_bend_deg": _r(self.knee_bend_deg),
            "back_rounding": _r(self.back_rounding), "back_flexion_deg": _r(self.back_flexion_deg),
            "lumbar_ratio": _r(self.lumbar_ratio, 2),
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
    events: dict = field(default_factory=dict, repr=False, compare=False)

    test = "hinge"

    def to_dict(self) -> dict:
        return {"test": "hinge", "video": self.video, "side": self.side,
                "reps": [r.to_dict() for r in self.reps], "flags": list(self.flags),
                "quality": self.quality.to_dict()}
