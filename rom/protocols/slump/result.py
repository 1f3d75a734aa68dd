"""The slump test's result: its steps with their times, the knee's end range in full slump and after
the neck's release with the gain between them, the trunk, neck and ankle maxima, the symptom marks.

The keys of `to_dict()` are the public contract of `rom analyze --json` (DESIGN.md 4). The result
says which steps were done and how far; whether the test is positive stays with the clinician's
symptom marks (`CLINICAL_CALL`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rom.core.results import FrameTable, Quality, rounded

CLINICAL_CALL = ("Positive or negative is the clinician's call from the person's symptoms (where they started, "
                 "whether releasing the neck eased them); the video measures the movements only.")


@dataclass(frozen=True)
class SlumpEvents:
    """Where the steps are in the frame table (fractional frames), for the views; not in the JSON."""

    phases: dict = field(default_factory=dict)  # step -> (start frame, end frame)
    end_range: float | None = None  # the end of the knee extension
    release_threshold_deg: float | None = None  # the gain on release that flags neck_release_gain


@dataclass(frozen=True)
class SlumpMark:
    """A symptom mark: when, during which step (the last one begun), and the angles there."""

    t_s: float
    phase: str
    knee_flexion_deg: float
    neck_flexion_deg: float
    spine_flexion_deg: float
    ankle_dorsiflexion_deg: float

    def to_dict(self) -> dict:
        return {"t_s": rounded(self.t_s, 2), "phase": self.phase,
                "knee_flexion_deg": rounded(self.knee_flexion_deg), "neck_flexion_deg": rounded(self.neck_flexion_deg),
                "spine_flexion_deg": rounded(self.spine_flexion_deg),
                "ankle_dorsiflexion_deg": rounded(self.ankle_dorsiflexion_deg)}


@dataclass(frozen=True)
class SlumpResult:
    video: str
    side: str  # the tested leg (the knee that straightened)
    facing: str  # the body side facing the camera
    tested_leg: str  # the camera's "near" or "far" leg
    phases: dict  # step -> (start_s, end_s), in the test's order
    end_range_s: float
    knee_flexion_end_deg: float
    knee_flexion_end_ci95_deg: tuple[float, float]
    knee_flexion_release_deg: float
    knee_flexion_release_ci95_deg: tuple[float, float]
    release_gain_deg: float  # degrees of knee extension gained on releasing the neck
    release_gain_ci95_deg: tuple[float, float]
    max_spine_flexion_deg: float
    max_trunk_inclination_deg: float
    max_neck_flexion_deg: float
    max_ankle_dorsiflexion_deg: float  # NaN: the foot was not pulled up
    # the back outline's estimate of the same: not reported (the hands behind the back break the outline;
    # fit half of samples/validation: errors of tens of degrees), kept for the validation table
    max_spine_flexion_outline_deg: float
    head_per_trunk: float  # the head's turn per degree of the trunk line's turn over the slump (the person's own)
    shank_ratio: float  # the straightened shank over the hanging one in the picture
    components: dict  # step -> how far it went (degrees), None: not done
    flags: tuple[str, ...]
    quality: Quality
    frames: FrameTable = field(repr=False, compare=False)
    marks: tuple[SlumpMark, ...] = ()
    events: SlumpEvents = field(default_factory=SlumpEvents, repr=False, compare=False)

    test = "slump"

    @property
    def raised_leg(self) -> str:
        """The tested leg as the web app's side check names a measured leg (`web.services.sides`)."""
        return self.tested_leg

    @property
    def first_mark(self) -> SlumpMark | None:
        return min(self.marks, key=lambda m: m.t_s) if self.marks else None

    def to_dict(self) -> dict:
        first = self.first_mark
        return {
            "test": "slump", "video": self.video, "side": self.side, "facing": self.facing,
            "tested_leg": self.tested_leg,
            "phases": {k: [rounded(a, 2), rounded(b, 2)] for k, (a, b) in self.phases.items()},
            "end_range_s": rounded(self.end_range_s, 2),
            "knee_flexion_end_deg": rounded(self.knee_flexion_end_deg),
            "knee_flexion_end_ci95_deg": [rounded(v) for v in self.knee_flexion_end_ci95_deg],
            "knee_flexion_release_deg": rounded(self.knee_flexion_release_deg),
            "knee_flexion_release_ci95_deg": [rounded(v) for v in self.knee_flexion_release_ci95_deg],
            "release_gain_deg": rounded(self.release_gain_deg),
            "release_gain_ci95_deg": [rounded(v) for v in self.release_gain_ci95_deg],
            "max_spine_flexion_deg": rounded(self.max_spine_flexion_deg),
            "max_trunk_inclination_deg": rounded(self.max_trunk_inclination_deg),
            "max_neck_flexion_deg": rounded(self.max_neck_flexion_deg),
            "max_ankle_dorsiflexion_deg": rounded(self.max_ankle_dorsiflexion_deg),
            "components": {k: {"done": v is not None, "deg": rounded(v)} for k, v in self.components.items()},
            "symptom_s": None if first is None else rounded(first.t_s, 2),
            "symptom_phase": None if first is None else first.phase,
            "symptom_knee_flexion_deg": None if first is None else rounded(first.knee_flexion_deg),
            "symptom_neck_flexion_deg": None if first is None else rounded(first.neck_flexion_deg),
            "symptom_spine_flexion_deg": None if first is None else rounded(first.spine_flexion_deg),
            "symptom_marks": [m.to_dict() for m in self.marks],
            "clinical_call": CLINICAL_CALL,
            "flags": list(self.flags),
            "quality": self.quality.to_dict(),
        }
