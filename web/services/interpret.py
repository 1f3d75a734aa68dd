"""What a result means, for the result, history and report pages (DESIGN.md 3). The wording
shared with the overlay, the text summary and the batch report comes from `rom.outputs.wording`; what
only the web pages say (active SLR, the pain reading, hinge repetitions) is here. Thresholds
come from the app config (SLR_TIGHT_BELOW_DEG, SLR_MDC_DEG); the left/right difference worth noting
defaults to the SLR's interpretation table (`rom.protocols.slr.interpretation`), which the batch
report and the text summary read too, so that they all highlight the same pairs."""

from __future__ import annotations

from dataclasses import dataclass

from rom.outputs import wording
from rom.protocols.slr import interpretation as slr_meaning

ANGLE_NAMES = {
    "hip_flexion_deg": "hip flexion", "knee_flexion_deg": "knee flexion",
    "other_hip_flexion_deg": "other leg", "pelvic_rotation_deg": "pelvis",
    "trunk_inclination_deg": "trunk inclination", "back_flexion_deg": "back flexion",
}


@dataclass(frozen=True)
class Thresholds:
    tight_below_deg: float = slr_meaning.TIGHT_BELOW_DEG
    mdc_deg: float = slr_meaning.SIDE_DIFFERENCE_DEG

    @classmethod
    def from_config(cls, config) -> Thresholds:
        return cls(float(config["SLR_TIGHT_BELOW_DEG"]), float(config["SLR_MDC_DEG"]))


def slr(result: dict, mode: str | None, th: Thresholds) -> list[str]:
    """Sentences for one SLR result."""
    out = []
    angle = slr_meaning.angle_sentence(result.get("slr_angle_deg"), th.tight_below_deg)
    if angle:
        out.append(angle)
    if mode == "active":
        out.append("This was an active SLR (the person lifted their own leg): it also depends on strength, and "
                   "is usually lower than a passive SLR of the same leg.")
    pain = result.get("pain_angle_deg")
    if pain is not None:
        if slr_meaning.in_lasegue_range(pain):
            out.append(f"Pain was reported at {degrees(round(pain))}, between 30 and 70: if it was radiating leg pain, "
                       "this is a positive Lasègue sign (nerve root sensitivity). Back pain alone does not count.")
        else:
            out.append(f"Pain was reported at {degrees(round(pain))}, outside the 30-70 degree range of a classic "
                       "positive Lasègue sign.")
    return out


def degrees(v: float) -> str:
    """'1 degree', '0 degrees', '6.5 degrees' (one decimal at most)."""
    text = f"{abs(v):.1f}".rstrip("0").rstrip(".")
    return f"{text} degree" + ("" if text == "1" else "s")


def side_difference_sentence(left: float, right: float, th: Thresholds, left_day: str = "",
                             right_day: str = "") -> str:
    """Sentence comparing a left and a right SLR angle (with their dates when given), against the
    minimal detectable change th.mdc_deg."""
    def one(side: str, v: float, day: str) -> str:
        return f"{side} {v:.1f}°" + (f" ({day})" if day else "")

    d = abs(left - right)
    head = f"{one('Left', left, left_day)}, {one('right', right, right_day)}: "
    if d > th.mdc_deg:
        lower = "left" if left < right else "right"
        return (head + f"they differ by {degrees(d)}, more than the minimal detectable change of "
                f"{degrees(th.mdc_deg)}: the {lower} side is tighter.")
    return (head + f"they differ by {degrees(d)}, within the minimal detectable change of {degrees(th.mdc_deg)} "
            "(a normal asymmetry is 4-5 degrees).")


def side_difference(left: float | None, right: float | None, th: Thresholds) -> str | None:
    """Sentence comparing the left and right SLR angles, or None without both."""
    if left is None or right is None:
        return None
    return side_difference_sentence(left, right, th)


def hinge(result: dict) -> list[str]:
    """Sentences for one hip-hinge result."""
    reps = result.get("reps") or []
    if not reps:
        return ["No complete repetition was found."]
    out = [f"{len(reps)} repetition{'s' if len(reps) != 1 else ''}."]
    flagged = sorted({f for r in reps for f in r.get("flags", [])})
    if not flagged:
        out.append("Every repetition was a clean hip hinge: the hips travelled back with a neutral back and "
                   "softly bent knees.")
    for f in flagged:
        n = sum(f in r.get("flags", []) for r in reps)
        of = f"{n} of {len(reps)} repetition{'s' if len(reps) != 1 else ''}"
        out.append(f"{wording.flag_words(f).capitalize()} in {of} (see the flags).")
    return out


def sentences(a, th: Thresholds) -> list[str]:
    """The interpretation of an assessment (empty when it has no result)."""
    if not a.result:
        return []
    return slr(a.result, a.mode, th) if a.test == "slr" else hinge(a.result)

