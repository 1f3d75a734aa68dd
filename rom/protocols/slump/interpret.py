"""What a slump test result means, in sentences for the web pages, the reports and the exports
(`Protocol.interpretation()`): which steps were done and how far, the knee's end range and its gain on
the neck's release, the left/right comparison, the sources, and the parts of a FHIR Observation and
of an OpenSim motion file. The clinical call (positive or negative) is left to the clinician's
symptom marks: the sentences say so and make none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rom.protocols.slump.result import CLINICAL_CALL
from rom.protocols.slump.words import STEPS

# A left/right difference of the knee flexion at end range worth noting. No minimal detectable
# change of the slump test's knee angle is published that rom relies on: the default is the
# measurement's own, 1.96 * sqrt(2) * the knee's SD at end range on the validation set (about
# 3 degrees) rounded up, so that a difference the video cannot tell from noise is never called one.
SIDE_DIFFERENCE_DEG = 8.0
SETTINGS = {"SLUMP_SIDE_DIFFERENCE_DEG": SIDE_DIFFERENCE_DEG}


@dataclass(frozen=True)
class Thresholds:
    side_difference_deg: float = SIDE_DIFFERENCE_DEG


def thresholds(settings: Mapping[str, Any] | None = None) -> Thresholds:
    settings = settings or {}
    return Thresholds(side_difference_deg=float(settings.get("SLUMP_SIDE_DIFFERENCE_DEG", SIDE_DIFFERENCE_DEG)))


def _deg(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0f} degrees"


def steps_sentence(result: dict) -> str:
    """Which steps the video shows (and how far), and which it does not."""
    comps = result.get("components") or {}
    done = [f"{STEPS[k]} ({_deg(v.get('deg'))})" for k, v in comps.items() if v.get("done") and k in STEPS]
    missing = [STEPS[k] for k, v in comps.items() if not v.get("done") and k in STEPS]
    text = "Steps seen: " + (", ".join(done) if done else "none") + "."
    return text + (f" Not found in the video: {', '.join(missing)}." if missing else "")


def sentences(result: dict, mode: str | None = None, th: Thresholds | None = None) -> list[str]:
    """Sentences for one slump test result (a result's dict)."""
    out = [steps_sentence(result)]
    end, rel, gain = (result.get(k) for k in ("knee_flexion_end_deg", "knee_flexion_release_deg", "release_gain_deg"))
    if end is not None:
        out.append(f"In full slump the {result.get('side', '')} knee stopped {end:.0f} degrees short of straight.")
    if rel is not None and gain is not None:
        if "neck_release_gain" in (result.get("flags") or []):
            out.append(f"When the neck was released it straightened {gain:.0f} degrees further (to {rel:.0f}): the "
                       "limit depended on the neck's position (structural differentiation), which points to neural "
                       "tension rather than the hamstrings.")
        else:
            out.append(f"When the neck was released the knee did not go further beyond measurement noise ({gain:+.0f} "
                       f"degrees, to {rel:.0f}).")
    marks = result.get("symptom_marks") or []
    if marks:
        m = marks[0]
        out.append(f"Symptoms were marked at {m['t_s']:.1f} s during the {STEPS.get(m['phase'], m['phase'])}, with the "
                   f"knee at {_deg(m.get('knee_flexion_deg'))} of flexion.")
    else:
        out.append("No symptoms were marked.")
    out.append(CLINICAL_CALL)
    return out


def headline(result: dict) -> str:
    """The main figure for lists: 'knee 28.5°, +6.0° on release'."""
    end, gain = result.get("knee_flexion_end_deg"), result.get("release_gain_deg")
    if end is None:
        return ""
    return f"knee {end:.1f}°" + (f", {gain:+.1f}° on release" if gain is not None else "")


def side_difference(left_deg: float, right_deg: float, th: Thresholds, left_day: str = "",
                    right_day: str = "") -> tuple[bool, str]:
    """(beyond the difference worth noting, the sentence) comparing the knee flexion at end range of
    a left and a right slump test."""
    def one(side: str, v: float, day: str) -> str:
        return f"{side} {v:.1f}°" + (f" ({day})" if day else "")

    d = abs(left_deg - right_deg)
    head = f"Knee flexion at end range: {one('left', left_deg, left_day)}, {one('right', right_deg, right_day)}: "
    limit = th.side_difference_deg
    if d > limit:
        tighter = "left" if left_deg > right_deg else "right"
        return True, (head + f"they differ by {d:.1f} degrees, more than the {limit:g} degrees the video can tell "
                      f"from measurement noise: the {tighter} knee stopped further from straight.")
    return False, (head + f"they differ by {d:.1f} degrees, within the {limit:g} degrees of measurement noise.")


def reference_lines(th: Thresholds | None = None) -> list[dict]:
    return []


def sources(results: Sequence[dict], th: Thresholds | None = None, compared: bool = False) -> list[str]:
    if not results:
        return []
    th = th or Thresholds()
    out = ["Slump test (Maitland 1985; Butler 1991): structural differentiation by releasing the neck tells a neural "
           "limit from a hamstring one; the test is positive only when it reproduces the person's symptoms and "
           "releasing the neck changes them. rom measures the movements; the call is the clinician's."]
    if compared:
        out.append(f"Left/right: no published minimal detectable change of the knee angle in the slump test is used; "
                   f"a difference over {th.side_difference_deg:g} degrees is beyond rom's own measurement noise "
                   "(validation on rendered clips).")
    return out


def fhir(result: dict, mode: str | None, side: str | None, th: Thresholds | None = None) -> dict:
    """The test's part of a FHIR Observation, in plain values (see `rom.protocols.slr.interpret.fhir`):
    a text code (no LOINC or SNOMED CT code for the slump test's knee angle is used), the knee flexion
    at end range as the value, the rest as components. No interpretation: the call is the clinician's."""
    end = result.get("knee_flexion_end_deg")
    lo, hi = (result.get("knee_flexion_end_ci95_deg") or [None, None])[:2]
    rlo, rhi = (result.get("release_gain_ci95_deg") or [None, None])[:2]
    components = [
        ("knee-flexion-end-ci95-low", "Knee flexion at end range, 95% interval low", lo, "deg"),
        ("knee-flexion-end-ci95-high", "Knee flexion at end range, 95% interval high", hi, "deg"),
        ("knee-flexion-release", "Knee flexion after the neck release", result.get("knee_flexion_release_deg"), "deg"),
        ("release-gain", "Knee extension gained on the neck release", result.get("release_gain_deg"), "deg"),
        ("release-gain-ci95-low", "Gain on release, 95% interval low", rlo, "deg"),
        ("release-gain-ci95-high", "Gain on release, 95% interval high", rhi, "deg"),
        ("max-spine-flexion", "Greatest spine flexion", result.get("max_spine_flexion_deg"), "deg"),
        ("max-trunk-inclination", "Greatest trunk inclination", result.get("max_trunk_inclination_deg"), "deg"),
        ("max-neck-flexion", "Greatest neck flexion", result.get("max_neck_flexion_deg"), "deg"),
        ("max-ankle-dorsiflexion", "Greatest ankle dorsiflexion", result.get("max_ankle_dorsiflexion_deg"), "deg"),
        ("end-range-time", "End range reached", result.get("end_range_s"), "s"),
        ("symptom-time", "Symptoms marked", result.get("symptom_s"), "s"),
        ("symptom-knee-flexion", "Knee flexion when symptoms were marked", result.get("symptom_knee_flexion_deg"),
         "deg"),
    ]
    out: dict = {"code": ("slump-knee-flexion-end", "Slump test: knee flexion at end range in full slump"),
                 "body_site": f"{side} knee" if side else "knee", "components": components, "interpretation": None}
    if end is not None:
        out["value"] = (end, "deg")
    else:
        out["absent"] = "no knee extension measured"
    return out


def opensim_coordinates(side: str) -> dict[str, str]:
    """Per-frame column -> OpenSim coordinate (Rajagopal 2015 model) of the tested leg; the spine,
    neck and trunk angles are segment angles, not model coordinates."""
    s = side[0]
    return {"knee_flexion_deg": f"knee_angle_{s}", "hip_flexion_deg": f"hip_flexion_{s}",
            "ankle_dorsiflexion_deg": f"ankle_angle_{s}"}
