"""The side of a test whose side is the measured leg (`Protocol.side_from_video`: the SLR's raised
leg), measured from the video and checked against the side the clinician declared (issue 11). A
number stored under the wrong leg would feed the left/right comparison, so the stored side is what
the video shows; the declared side is used only when the video cannot show which leg was raised,
and the page then says so. The check is stored in the result (`result["side_check"]`) so that the
result page, the history, the report and the exports all say the same thing.

The engine finds the raised leg from geometry when it is told side 'auto' (`rom.protocols.slr.measure`):
it then knows whether the raised leg is the camera's near or far leg (`raised_leg`), and the
anatomical side follows from the way the person lies. When it cannot tell (`raised_leg` 'unknown'),
its side is the pose model's label, often wrong from the side: the declared side is better there.

Other tests' side (the hip hinge's side facing the camera, which the clinician may choose) is
measured as declared: there is no raised leg to check it against.
"""

from __future__ import annotations

from dataclasses import dataclass

from rom.analysis import Options, measure
from rom.core.landmarks import LandmarkSeries

SEEN_LEGS = ("near", "far")


@dataclass(frozen=True)
class SideCheck:
    """How a stored side was decided.

    declared: the side the clinician gave (None: 'find out from the video'); measured: the side
    stored; seen: whether the video showed which leg was raised (else the stored side is the
    declared one, or without one the pose model's label)."""

    declared: str | None
    measured: str
    seen: bool

    @property
    def mismatch(self) -> bool:
        return self.seen and self.declared is not None and self.measured != self.declared

    @property
    def source(self) -> str:
        """'video', 'declared' or 'pose_label'."""
        if self.seen:
            return "video"
        return "declared" if self.declared is not None else "pose_label"

    def sentence(self) -> str | None:
        """What the clinician must know, or None when the video confirms the declared side."""
        if self.mismatch:
            return (f"You declared the {self.declared} leg; the video shows the {self.measured} leg raised. "
                    f"Stored as {self.measured}.")
        if self.source == "declared":
            return (f"The video does not show which leg was raised; the declared side ({self.declared}) was used. "
                    "Check it before comparing left and right.")
        if self.source == "pose_label":
            return (f"The video does not show for certain which leg was raised; stored as {self.measured}, the pose "
                    "model's guess. Check it before comparing left and right.")
        return None

    def to_dict(self) -> dict:
        return {"declared": self.declared, "measured": self.measured, "source": self.source,
                "mismatch": self.mismatch, "sentence": self.sentence()}


def check(auto, series: LandmarkSeries, declared: str | None, video_name: str, config=None, **measure_args):
    """(result, SideCheck) from a result measured with side 'auto': that result when the video
    showed the raised leg (or no side was declared), else the series measured again with the
    declared side. measure_args go to `rom.analysis.measure` (the pain moment)."""
    seen = auto.raised_leg in SEEN_LEGS
    if seen or declared is None:
        return auto, SideCheck(declared, auto.side, seen)
    given = measure(series, auto.test, video_name, Options(test=auto.test, side=declared, config=config),
                    **measure_args)
    return given, SideCheck(declared, given.side, False)


def measure_checked(series: LandmarkSeries, test: str, declared: str | None, video_name: str, config=None,
                    **measure_args):
    """(result, SideCheck): the test measured with side 'auto' and checked against the declared side."""
    auto = measure(series, test, video_name, Options(test=test, side="auto", config=config), **measure_args)
    return check(auto, series, declared, video_name, config, **measure_args)


def stored(result: dict, check: SideCheck | None) -> dict:
    """A result's dict with its side check (unchanged without one: a test measured on the declared side)."""
    return result if check is None else {**result, "side_check": check.to_dict()}


def sentence(result: dict | None) -> str | None:
    """The stored side check's sentence, for pages and exports (None when there is nothing to say)."""
    return ((result or {}).get("side_check") or {}).get("sentence")
