"""The active knee extension's result: the AKE angle with its interval, the hip at end range, the
flags, the quality.

The keys of `to_dict()` are the public contract of `rom analyze --json` (named as the renderer's
truth names them: `ake_angle_deg`, `end_range_s`, `hip_flexion_at_end_deg`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rom.core.results import FrameTable, Quality
from rom.core.results import rounded as _rounded


@dataclass(frozen=True)
class AKEEvents:
    """Where things happened in the frame table, and the picture's geometry, for the views (the
    plot, the overlay, the key frame); not part of the JSON. Frames are indices into the frame table."""

    start: int = 0  # where the knee began to extend
    end: int = 0  # end range: the first frame of the knee's most extended hold
    hold: tuple[int, int] = (0, 0)  # first and last frame of that hold
    label: str | None = None  # the landmark label holding the tested leg (after the relabelling)
    knee_swapped: frozenset[int] = frozenset()
    foot_swapped: frozenset[int] = frozenset()
    feet_deg: float = 0.0  # screen direction from the hips to the feet (`rom.core.geometry`)
    up_sign: float = 1.0  # +1: a thigh rises counter-clockwise from the table line on the screen
    drift_tolerance_deg: float = 5.0  # the hip_drift flag's tolerance (config)


@dataclass(frozen=True)
class AKEResult:
    video: str
    side: str  # the tested leg
    facing: str  # the body side facing the camera
    tested_leg: str  # the camera's "near" or "far" leg ("unknown" when the picture cannot tell)
    ake_angle_deg: float  # knee flexion left at end range (0 = straight)
    ake_angle_ci95_deg: tuple[float, float]
    end_range_s: float
    extension_start_s: float
    hip_flexion_start_deg: float  # the tested thigh against the table before the extension
    hip_flexion_at_end_deg: float
    hip_flexion_at_end_ci95_deg: tuple[float, float]
    hip_drift_deg: float  # the thigh at end range minus at the start (negative: it sank)
    max_other_hip_flexion_deg: float  # the other thigh against the table, at its highest during the extension
    other_leg_rise_deg: float  # the other leg's rise from its start at end range
    knee_flexion_start_deg: float  # the knee at the 90/90 start, as corrected
    knee_view_correction_deg: float  # added to every knee reading for the camera's view and the model's bias
    hip_view_correction_deg: float  # likewise, to every hip reading
    table_tilt_deg: float
    flags: tuple[str, ...]
    quality: Quality
    frames: FrameTable = field(repr=False, compare=False)
    events: AKEEvents = field(default_factory=AKEEvents, repr=False, compare=False)

    test = "ake"

    @property
    def raised_leg(self) -> str:
        """The tested leg held up, near or far: the name under which the web's side check reads the leg
        the video showed for every test whose side is the measured leg (`web.services.sides`)."""
        return self.tested_leg

    def to_dict(self) -> dict:
        def rounded(x, nd=1):  # (never "-0.0")
            v = _rounded(x, nd)
            return None if v is None else v + 0.0

        return {
            "test": "ake", "video": self.video, "side": self.side, "facing": self.facing,
            "tested_leg": self.tested_leg,
            "ake_angle_deg": rounded(self.ake_angle_deg),
            "ake_angle_ci95_deg": [rounded(v) for v in self.ake_angle_ci95_deg],
            "end_range_s": rounded(self.end_range_s, 2),
            "extension_start_s": rounded(self.extension_start_s, 2),
            "hip_flexion_start_deg": rounded(self.hip_flexion_start_deg),
            "hip_flexion_at_end_deg": rounded(self.hip_flexion_at_end_deg),
            "hip_flexion_at_end_ci95_deg": [rounded(v) for v in self.hip_flexion_at_end_ci95_deg],
            "hip_drift_deg": rounded(self.hip_drift_deg),
            "max_other_hip_flexion_deg": rounded(self.max_other_hip_flexion_deg),
            "other_leg_rise_deg": rounded(self.other_leg_rise_deg),
            "knee_flexion_start_deg": rounded(self.knee_flexion_start_deg),
            "knee_view_correction_deg": rounded(self.knee_view_correction_deg),
            "hip_view_correction_deg": rounded(self.hip_view_correction_deg),
            "table_tilt_deg": rounded(self.table_tilt_deg),
            "flags": list(self.flags),
            "quality": self.quality.to_dict(),
        }
