"""What an SLR angle means (DESIGN.md 3, sources in the README): the one table of the SLR's
interpretation thresholds that the text summary, the batch report and the web pages all read
(the web app's defaults come from here; a clinic may override them in its settings)."""

from __future__ import annotations

from dataclasses import dataclass

TIGHT_BELOW_DEG = 80.0  # SLR below this suggests tight hamstrings (Hansberger 2019)
# A left/right difference beyond the minimal detectable change of goniometric SLR (about 6-7 degrees)
# is worth noting; the lower end, so that a difference a clinician should look at is never hidden.
SIDE_DIFFERENCE_DEG = 6.0
NORMAL_ASYMMETRY_DEG = (4.0, 5.0)  # a normal left/right asymmetry
LASEGUE_RANGE_DEG = (30.0, 70.0)  # pain (radiating) in this range: a positive Lasegue sign


@dataclass(frozen=True)
class Thresholds:
    tight_below_deg: float = TIGHT_BELOW_DEG
    side_difference_deg: float = SIDE_DIFFERENCE_DEG
    lasegue_range_deg: tuple[float, float] = LASEGUE_RANGE_DEG


def angle_sentence(angle_deg: float | None, tight_below_deg: float = TIGHT_BELOW_DEG) -> str | None:
    """One sentence on an SLR angle (None when there is no angle)."""
    if angle_deg is None:
        return None
    if angle_deg < tight_below_deg:
        return (f"An SLR angle of {angle_deg:.0f} degrees is below {tight_below_deg:.0f}: this suggests tight "
                "hamstrings (Hansberger 2019).")
    return (f"An SLR angle of {angle_deg:.0f} degrees is {tight_below_deg:.0f} or more: hamstring length within "
            "the usual range.")


def side_difference_is_notable(left_deg: float, right_deg: float,
                               limit_deg: float = SIDE_DIFFERENCE_DEG) -> bool:
    return abs(left_deg - right_deg) > limit_deg


def in_lasegue_range(pain_angle_deg: float, range_deg: tuple[float, float] = LASEGUE_RANGE_DEG) -> bool:
    return range_deg[0] <= pain_angle_deg <= range_deg[1]
