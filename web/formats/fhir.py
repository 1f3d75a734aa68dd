"""FHIR R4 resources for assessments: one Observation per assessment, a collection Bundle
(Patient + Observations) per person.

Codes: no LOINC or SNOMED CT code for "straight-leg raise angle" or for the hip-hinge measures
could be confirmed, so the Observation code is a text code in rom's own system (CODE_SYSTEM)
with `code.text`; the category is the standard 'exam'. Angles are UCUM `deg`, times `s`.
The subject is the person's record id (the name field may hold a pseudonymous ID).
"""

from __future__ import annotations

from datetime import datetime

from rom.outputs.wording import flag_explanation, flag_words
from web.formats.filters import plain_words
from web.services import sides, trials
from web.services.interpret import Thresholds

CODE_SYSTEM = "urn:rom:observation"
UCUM = "http://unitsofmeasure.org"
CATEGORY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "exam", "display": "Exam"}]}
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def _when(t: datetime | None) -> str | None:
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")  # stored as UTC


def _code(code: str, text: str) -> dict:
    return {"coding": [{"system": CODE_SYSTEM, "code": code, "display": text}], "text": text}


def _qty(value: float, unit: str = "deg") -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _component(code: str, text: str, value: float | None, unit: str = "deg") -> dict | None:
    return None if value is None else {"code": _code(code, text), "valueQuantity": _qty(value, unit)}


def observation(a, th: Thresholds) -> dict:
    """The Observation of a complete assessment."""
    r = a.result or {}
    obs = {
        "resourceType": "Observation", "id": f"rom-assessment-{a.id}", "status": "final",
        "category": [CATEGORY],
        "subject": {"reference": f"Patient/{a.person_id}", "display": a.person.name},
        "effectiveDateTime": _when(a.started_at or a.created_at), "issued": _when(a.finished_at),
        "method": {"text": "side-view video, MediaPipe BlazePose landmarks, rom " + ("live" if a.source == "live"
                                                                                       else "uploaded video")},
        "note": ([{"text": f"Side: {sides.sentence(r)}"}] if sides.sentence(r) else [])
        + [{"text": f"{flag_words(f).capitalize()}: {flag_explanation(f)}"} for f in r.get("flags", [])]
        + [{"text": plain_words(w)} for w in (r.get("quality") or {}).get("warnings", [])]
        + ([{"text": f"Clinician's notes: {a.notes}"}] if getattr(a, "notes", None) else []),
    }
    side = r.get("side") or a.side
    if a.test == "slr":
        angle = r.get("slr_angle_deg")
        lo, hi = (r.get("slr_angle_ci95_deg") or [None, None])[:2]
        obs.update(code=_code("slr-angle", f"Straight-leg raise angle ({a.mode or 'passive'}): hip flexion at "
                                           "knee-bend onset"),
                   valueQuantity=_qty(angle),
                   bodySite={"text": f"{side} hip" if side else "hip"},
                   component=[c for c in (
                       _component("slr-angle-ci95-low", "SLR angle, 95% interval low", lo),
                       _component("slr-angle-ci95-high", "SLR angle, 95% interval high", hi),
                       _component("max-hip-flexion", "Maximum hip flexion", r.get("max_hip_flexion_deg")),
                       _component("knee-bend-onset", "Knee-bend onset time", r.get("knee_bend_onset_s"), "s"),
                       _component("pain-angle", "Hip flexion when pain was reported", r.get("pain_angle_deg")),
                       _component("pain-time", "Time pain was reported", r.get("pain_s"), "s"),
                       _component("pelvic-rotation", "Pelvic rotation at the SLR angle", r.get("pelvic_rotation_deg")),
                       _component("contralateral-hip-flexion", "Rise of the other leg",
                                  r.get("contralateral_hip_flexion_deg")),
                   ) if c is not None] + _trial_components(a))
        obs["note"] += _trial_notes(a)
        if angle is not None:
            low = angle < th.tight_below_deg
            obs["interpretation"] = [{"coding": [{"system": INTERPRETATION, "code": "L" if low else "N",
                                                  "display": "Low" if low else "Normal"}],
                                      "text": f"below {th.tight_below_deg:.0f} degrees: suggests tight hamstrings"
                                      if low else "within the usual range"}]
    else:
        reps = r.get("reps") or []
        hips = [x["max_hip_flexion_deg"] for x in reps if x.get("max_hip_flexion_deg") is not None]
        obs.update(code=_code("hinge-max-hip-flexion", "Hip hinge: greatest hip flexion over the repetitions"),
                   bodySite={"text": f"{side} hip (side facing the camera)" if side else "hip"},
                   component=[c for i, x in enumerate(reps, 1) for c in (
                       _component(f"rep{i}-max-hip-flexion", f"Repetition {i}: maximum hip flexion",
                                  x.get("max_hip_flexion_deg")),
                       _component(f"rep{i}-max-trunk-inclination", f"Repetition {i}: maximum trunk inclination",
                                  x.get("max_trunk_inclination_deg")),
                       _component(f"rep{i}-max-knee-flexion", f"Repetition {i}: maximum knee flexion",
                                  x.get("max_knee_flexion_deg")),
                   ) if c is not None])
        if hips:
            obs["valueQuantity"] = _qty(max(hips))
        else:
            obs["dataAbsentReason"] = {"text": "no complete repetition"}
    if not obs["note"]:
        del obs["note"]
    return obs


def _trial_components(a) -> list[dict]:
    """Several SLR trials: each trial's angle, and the mean and SD over the trials counted."""
    view = trials.trials_view(a)
    if view is None or len(view["rows"]) < 2:
        return []
    s = view["summary"]
    out = [_component(f"trial{t['number']}-slr-angle", f"Trial {t['number']}: SLR angle"
                      + ("" if t["included"] else " (not counted in the mean)"), t["slr_angle_deg"])
           for t in view["rows"]]
    out += [_component("trials-mean-slr-angle", f"Mean SLR angle of {s['n_included']} of {s['n_trials']} trials",
                       s["mean_slr_angle_deg"]),
            _component("trials-sd-slr-angle", "SD of the SLR angle over the trials counted", s["sd_deg"]),
            _component("trials-range-slr-angle", "Range of the SLR angle over the trials counted", s["range_deg"])]
    return [c for c in out if c is not None]


def _trial_notes(a) -> list[dict]:
    """Which trial the headline is, and each trial left out with the reason."""
    view = trials.trials_view(a)
    if view is None or len(view["rows"]) < 2:
        return []
    notes = [{"text": f"{len(view['rows'])} trials; the value is trial {view['headline_trial']}'s, the mean and "
                      "spread over the trials counted are components"}]
    for t in view["rows"]:
        if t["excluded"]:
            notes.append({"text": f"Trial {t['number']} excluded by the clinician"
                                  + (f" ({t['excluded_by']})" if t["excluded_by"] else "") + f": {t['excluded']}"})
        elif t["refused"]:
            notes.append({"text": f"Trial {t['number']} not measured: {plain_words(t['refused'])}"})
    return notes


def patient(person) -> dict:
    p = {"resourceType": "Patient", "id": str(person.id),
         "identifier": [{"system": "urn:rom:person", "value": person.name}]}
    if person.birth_year:
        p["birthDate"] = str(person.birth_year)  # FHIR dates may be a year alone
    return p


def bundle(person, assessments, th: Thresholds, base: str) -> dict:
    """A collection Bundle: the Patient and the Observation of each complete assessment.
    base: absolute URL the resources' relative references resolve against (".../fhir/")."""
    entries = [patient(person)] + [observation(a, th) for a in assessments if a.status == "complete"]
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"{base}{e['resourceType']}/{e['id']}", "resource": e} for e in entries]}
