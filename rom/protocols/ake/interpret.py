"""What an AKE result means, in sentences for the web pages, the reports and the exports
(`Protocol.interpretation()`): the thresholds (with a clinic's overrides), the sentences on one result,
the left/right comparison, the sources, and the parts of a FHIR Observation and of an OpenSim motion file.

Thresholds: an AKE angle under about 20 degrees is usually called normal, more suggests short
hamstrings; that cut-off is a clinical convention, not one study's. The test itself: Gajdosik & Lusin
1983 (Phys Ther). No left/right difference worth noting is established for the AKE: rom notes one
beyond SIDE_DIFFERENCE_DEG by its own convention (a clinic may set it) and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rom.protocols.ake.words import DRIFT_TOLERANCE_DEG

SHORT_ABOVE_DEG = 20.0  # AKE angle above this: short hamstrings (clinical convention)
SIDE_DIFFERENCE_DEG = 10.0  # rom's convention: no established threshold for the AKE
SETTINGS = {"AKE_SHORT_ABOVE_DEG": SHORT_ABOVE_DEG, "AKE_SIDE_DIFFERENCE_DEG": SIDE_DIFFERENCE_DEG}

SOURCE_TEST = ("The active knee extension test (supine, hip at 90 degrees, the knee extended actively; the knee "
               "flexion left is the reading): Gajdosik & Lusin 1983, Phys Ther.")


@dataclass(frozen=True)
class Thresholds:
    short_above_deg: float = SHORT_ABOVE_DEG
    side_difference_deg: float = SIDE_DIFFERENCE_DEG


def thresholds(settings: Mapping[str, Any] | None = None) -> Thresholds:
    """The interpretation table with the clinic's overrides (keys of SETTINGS)."""
    settings = settings or {}
    return Thresholds(short_above_deg=float(settings.get("AKE_SHORT_ABOVE_DEG", SHORT_ABOVE_DEG)),
                      side_difference_deg=float(settings.get("AKE_SIDE_DIFFERENCE_DEG", SIDE_DIFFERENCE_DEG)))


def degrees(v: float) -> str:
    text = f"{abs(v):.1f}".rstrip("0").rstrip(".")
    return f"{text} degree" + ("" if text == "1" else "s")


def angle_sentence(angle_deg: float | None, th: Thresholds) -> str | None:
    if angle_deg is None:
        return None
    if angle_deg > th.short_above_deg:
        return (f"An AKE angle of {angle_deg:.0f} degrees (knee flexion left at end range) is more than "
                f"{th.short_above_deg:g}: this suggests short hamstrings (clinical convention).")
    return (f"An AKE angle of {angle_deg:.0f} degrees is {th.short_above_deg:g} or less: hamstring length within "
            "the usual range (clinical convention).")


def sentences(result: dict, mode: str | None, th: Thresholds) -> list[str]:
    """Sentences for one AKE result (a result's dict)."""
    out = []
    angle = result.get("ake_angle_deg")
    text = angle_sentence(angle, th)
    if text:
        out.append(text)
    lo, hi = (result.get("ake_angle_ci95_deg") or [None, None])[:2]
    if lo is not None and hi is not None and lo <= th.short_above_deg < hi:
        out.append(f"The 95 % interval includes {th.short_above_deg:g} degrees: a borderline reading; repeat the test.")
    flags = result.get("flags") or []
    if "hip_drift" in flags:
        out.append(f"The thigh left its 90-degree position by more than {DRIFT_TOLERANCE_DEG:g} degrees during the "
                   "extension: the reading is not a true 90/90 AKE; repeat with the thigh held.")
    if "contralateral_leg_lift" in flags:
        out.append("The other leg lifted during the extension: the pelvis tilted; repeat with that leg kept flat.")
    out.append("The AKE loads the hamstrings without the nerve tension of the SLR: a limited SLR with a normal AKE "
               "points away from the hamstrings (towards neural tension).")
    return out


def headline(result: dict) -> str:
    """The main figure for lists: 'AKE 18.5°' ('' without an angle)."""
    angle = result.get("ake_angle_deg")
    return "" if angle is None else f"{angle:.1f}°"


def side_difference(left_deg: float, right_deg: float, th: Thresholds, left_day: str = "",
                    right_day: str = "") -> tuple[bool, str]:
    """(beyond the difference worth noting, the sentence) comparing a left and a right AKE angle."""
    def one(side: str, v: float, day: str) -> str:
        return f"{side} {v:.1f}°" + (f" ({day})" if day else "")

    d = abs(left_deg - right_deg)
    head = f"{one('Left', left_deg, left_day)}, {one('right', right_deg, right_day)}: "
    limit = th.side_difference_deg
    if d > limit:
        tighter = "left" if left_deg > right_deg else "right"  # more knee flexion left: shorter hamstrings
        return True, (head + f"they differ by {degrees(d)}, more than {degrees(limit)} (rom's convention: no "
                      f"established threshold for the AKE): the {tighter} hamstrings are shorter.")
    return False, (head + f"they differ by {degrees(d)}, within {degrees(limit)} (rom's convention: no established "
                   "threshold for the AKE).")


def reference_lines(th: Thresholds) -> list[dict]:
    """Horizontal lines of a person's chart of AKE angles."""
    return [{"y": th.short_above_deg, "label": f"above {th.short_above_deg:g}°: short hamstrings",
             "meaning": "above it, short hamstrings (clinical convention)"}]


def sources(results: Sequence[dict], th: Thresholds, compared: bool = False) -> list[str]:
    """What the interpretation of these results rests on."""
    if not results:
        return []
    out = [SOURCE_TEST,
           f"An AKE angle above {th.short_above_deg:g} degrees suggests short hamstrings: clinical convention."]
    if compared:
        out.append(f"A left/right difference over {th.side_difference_deg:g} degrees is noted by rom's convention; no "
                   "threshold is established for the AKE.")
    return out


def fhir(result: dict, mode: str | None, side: str | None, th: Thresholds) -> dict:
    """The test's part of a FHIR Observation, in plain values (see `rom.protocols.slr.interpret.fhir`). No
    LOINC or SNOMED CT code for the AKE angle could be confirmed: a text code in rom's system."""
    angle = result.get("ake_angle_deg")
    lo, hi = (result.get("ake_angle_ci95_deg") or [None, None])[:2]
    hlo, hhi = (result.get("hip_flexion_at_end_ci95_deg") or [None, None])[:2]
    out: dict = {
        "code": ("ake-angle", "Active knee extension (90/90) angle: knee flexion left at end range"),
        "body_site": f"{side} knee" if side else "knee",
        "components": [
            ("ake-angle-ci95-low", "AKE angle, 95% interval low", lo, "deg"),
            ("ake-angle-ci95-high", "AKE angle, 95% interval high", hi, "deg"),
            ("hip-flexion-at-end", "Hip flexion at end range", result.get("hip_flexion_at_end_deg"), "deg"),
            ("hip-flexion-at-end-ci95-low", "Hip flexion at end range, 95% interval low", hlo, "deg"),
            ("hip-flexion-at-end-ci95-high", "Hip flexion at end range, 95% interval high", hhi, "deg"),
            ("hip-flexion-start", "Hip flexion at the start", result.get("hip_flexion_start_deg"), "deg"),
            ("end-range-time", "Time end range was reached", result.get("end_range_s"), "s"),
            ("max-other-hip-flexion", "Other thigh against the table, highest", result.get("max_other_hip_flexion_deg"),
             "deg"),
        ],
        "interpretation": None,
    }
    if angle is None:
        out["absent"] = "no AKE angle measured"
        return out
    out["value"] = (angle, "deg")
    out["interpretation"] = (("H", "High", f"above {th.short_above_deg:g} degrees: suggests short hamstrings")
                             if angle > th.short_above_deg else ("N", "Normal", "within the usual range"))
    return out


def opensim_coordinates(side: str) -> dict[str, str]:
    """Per-frame column -> OpenSim coordinate (Rajagopal 2015 model) of the tested leg and the other one."""
    s, o = side[0], ("right" if side == "left" else "left")[0]
    return {"hip_flexion_deg": f"hip_flexion_{s}", "knee_flexion_deg": f"knee_angle_{s}",
            "other_hip_flexion_deg": f"hip_flexion_{o}"}
