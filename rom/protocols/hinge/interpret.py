"""What a hip-hinge result means, in sentences for the web pages, the reports and the exports
(`Protocol.interpretation()`): the sentences on one result, the sources, and the parts of a FHIR
Observation and of an OpenSim motion file. The hinge has no interpretation thresholds a clinic sets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rom.protocols.hinge import words

SETTINGS: dict[str, float] = {}


def thresholds(settings: Mapping[str, Any] | None = None) -> None:
    return None


def _reps(n: int) -> str:
    return f"{n} repetition{'s' if n != 1 else ''}"


def sentences(result: dict, mode: str | None = None, th: Any = None) -> list[str]:
    """Sentences for one hip-hinge result (a result's dict)."""
    reps = result.get("reps") or []
    if not reps:
        return ["No complete repetition was found."]
    out = [f"{_reps(len(reps))}."]
    flagged = sorted({f for r in reps for f in r.get("flags", [])})
    if not flagged:
        out.append("Every repetition was a clean hip hinge: the hips travelled back with a neutral back and "
                   "softly bent knees.")
    for f in flagged:
        n = sum(f in r.get("flags", []) for r in reps)
        text = words.FLAGS[f].words if f in words.FLAGS else f.replace("_", " ")
        out.append(f"{text.capitalize()} in {n} of {_reps(len(reps))} (see the flags).")
    return out


def headline(result: dict) -> str:
    """The main figure for lists: '3 reps, hip flexion up to 84.0°'."""
    reps = result.get("reps") or []
    hips = [x["max_hip_flexion_deg"] for x in reps if x.get("max_hip_flexion_deg") is not None]
    text = f"{len(reps)} rep{'s' if len(reps) != 1 else ''}"
    return text + (f", {words.QUANTITIES['max_hip_flexion_deg'].label} up to {max(hips):.1f}°" if hips else "")


def reference_lines(th: Any = None) -> list[dict]:
    return []


def sources(results: Sequence[dict], th: Any = None, compared: bool = False) -> list[str]:
    """What the flags of these results rest on."""
    if not results:
        return []
    return ["Hip hinge flags (rounded back, lumbar compensation, knee bend) follow rom's definitions: hip flexion = "
            "180 degrees minus the shoulder-hip-knee angle; the back's rounding from its outline against the "
            "person's own standing outline."]


def fhir(result: dict, mode: str | None, side: str | None, th: Any = None) -> dict:
    """The test's part of a FHIR Observation, in plain values (see `rom.protocols.slr.interpret.fhir`):
    the greatest hip flexion over the repetitions, each repetition's maxima as components."""
    reps = result.get("reps") or []
    hips = [x["max_hip_flexion_deg"] for x in reps if x.get("max_hip_flexion_deg") is not None]
    components = [c for i, x in enumerate(reps, 1) for c in (
        (f"rep{i}-max-hip-flexion", f"Repetition {i}: maximum hip flexion", x.get("max_hip_flexion_deg"), "deg"),
        (f"rep{i}-max-trunk-inclination", f"Repetition {i}: maximum trunk inclination",
         x.get("max_trunk_inclination_deg"), "deg"),
        (f"rep{i}-max-knee-flexion", f"Repetition {i}: maximum knee flexion", x.get("max_knee_flexion_deg"), "deg"))]
    out: dict = {"code": ("hinge-max-hip-flexion", "Hip hinge: greatest hip flexion over the repetitions"),
                 "body_site": f"{side} hip (side facing the camera)" if side else "hip",
                 "components": components, "interpretation": None}
    if hips:
        out["value"] = (max(hips), "deg")
    else:
        out["absent"] = "no complete repetition"
    return out


def opensim_coordinates(side: str) -> dict[str, str]:
    """Per-frame column -> OpenSim coordinate (Rajagopal 2015 model) of the leg facing the camera;
    trunk inclination is a segment angle, not a model coordinate."""
    s = side[0]
    return {"hip_flexion_deg": f"hip_flexion_{s}", "knee_flexion_deg": f"knee_angle_{s}"}
