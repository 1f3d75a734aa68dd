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
from web.services import interpret, sides, trials

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


def observation(a) -> dict:
    """The Observation of a complete assessment: the test's code, value, components and
    interpretation (`fhir` of its interpret module, with the clinic's thresholds), rom's notes."""
    r = a.result or {}
    p = a.protocol
    side = r.get("side") or a.side
    part = p.interpretation().fhir(r, a.mode, side, interpret.thresholds(p))
    obs = {
        "resourceType": "Observation", "id": f"rom-assessment-{a.id}", "status": "final",
        "category": [CATEGORY], "code": _code(*part["code"]),
        "subject": {"reference": f"Patient/{a.person_id}", "display": a.person.name},
        "effectiveDateTime": _when(a.started_at or a.created_at), "issued": _when(a.finished_at),
        "method": {"text": "side-view video, MediaPipe BlazePose landmarks, rom " + ("live" if a.source == "live"
                                                                                       else "uploaded video")},
        "note": ([{"text": f"Side: {sides.sentence(r)}"}] if sides.sentence(r) else [])
        + [{"text": f"{flag_words(f, p.name).capitalize()}: {flag_explanation(f, p.name)}"} for f in r.get("flags", [])]
        + [{"text": plain_words(w)} for w in (r.get("quality") or {}).get("warnings", [])]
        + ([{"text": f"Clinician's notes: {a.notes}"}] if getattr(a, "notes", None) else []),
    }
    if "value" in part:
        obs["valueQuantity"] = _qty(*part["value"])
    else:
        obs["dataAbsentReason"] = {"text": part["absent"]}
    obs["bodySite"] = {"text": part["body_site"]}
    view = trials.trials_view(a)
    several = view is not None and len(view["rows"]) > 1
    components = part["components"] + (p.interpretation().trial_components(view) if several else [])
    obs["component"] = [c for c in (_component(*c) for c in components) if c is not None]
    if several:
        obs["note"] += _trial_notes(view)
    if part["interpretation"] is not None:
        code, display, text = part["interpretation"]
        obs["interpretation"] = [{"coding": [{"system": INTERPRETATION, "code": code, "display": display}],
                                  "text": text}]
    if not obs["note"]:
        del obs["note"]
    return obs


def _trial_notes(view: dict) -> list[dict]:
    """Which trial the headline is, and each trial left out with the reason."""
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


def bundle(person, assessments, base: str) -> dict:
    """A collection Bundle: the Patient and the Observation of each complete assessment.
    base: absolute URL the resources' relative references resolve against (".../fhir/")."""
    entries = [patient(person)] + [observation(a) for a in assessments if a.status == "complete"]
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"{base}{e['resourceType']}/{e['id']}", "resource": e} for e in entries]}
