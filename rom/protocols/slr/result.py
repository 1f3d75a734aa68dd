"""The SLR's result: the angle at the knee bend with its interval, the flags, the quality.

The keys of `to_dict()` are the public contract of `rom analyze --json` (DESIGN.md 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from rom.core.results import FrameTable, Quality, rounded


@dataclass(frozen=True)
class SLREvents:
    """Where things happened in the frame table, and the picture's geometry, for the views (the
    plot, the overlay, the key frame); not part of the JSON. Frames are indices into the result's
    frame table (fractional where the engine interpolates). Defaults: nothing known.
    """

    onset: float | None = None  # where the knee began to bend
    confirmed: int | None = None  # where the bend was confirmed
    peak: int | None = None  # the raise's highest hip flexion
    key: float | None = None  # the reading's frame: the onset, or the peak when the knee never bent
    rest: tuple[int, int] | None = None  # first and last frame of the rest before the raise
    label: str | None = None  # the landmark label holding the raised leg (after the relabelling)
    # the frames where the knee's (the foot's) landmarks were exchanged with the other leg's
    knee_swapped: frozenset[int] = frozenset()
    foot_swapped: frozenset[int] = frozenset()
    feet_deg: float = 0.0  # screen direction from the hips to the feet (degrees, `rom.core.geometry`)
    up_sign: float = 1.0  # +1: the leg rises counter-clockwise from the table line on the screen
    threshold_deg: float = 10.0  # knee bend above the knee's baseline that confirms a bend
    knee_confirm_level_deg: float | None = None  # that level in the knee column's units (rest = 0)

    def shifted(self, frames: int) -> SLREvents:
        """The same events with their frame indices moved by frames (a window of a recording)."""
        def move(i):
            return None if i is None else i + frames
        return replace(self, onset=move(self.onset), confirmed=move(self.confirmed), peak=move(self.peak),
                       key=move(self.key), rest=None if self.rest is None else (self.rest[0] + frames,
                                                                                self.rest[1] + frames),
                       knee_swapped=frozenset(i + frames for i in self.knee_swapped),
                       foot_swapped=frozenset(i + frames for i in self.foot_swapped))

    @staticmethod
    def frames_of(mask: np.ndarray) -> frozenset[int]:
        """The frames where a per-frame bool mask is set."""
        return frozenset(int(i) for i in np.flatnonzero(mask))


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
    events: SLREvents = field(default_factory=SLREvents, repr=False, compare=False)  # for the views
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
