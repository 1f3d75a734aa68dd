"""JSON API: people, a person's history, an assessment's status and result, its per-frame
angles. Read-only; the pages use it for charts and the upload progress bar."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from web.assessments import get_assessment
from web.db import db
from web.models import Assessment, people_query
from web.people import get_person
from web.services import recording, summaries, trials

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.route("/people")
def people():
    found = db.session.scalars(people_query(request.args.get("q", ""))).all()
    return jsonify([_person(p) for p in found])


@bp.route("/people/<int:person_id>")
def person(person_id: int):
    p = get_person(person_id)
    items = recording.person_assessments(p)
    # per test that compares sides, by its name: its figures per side over time and the comparisons
    return jsonify({**_person(p), "assessments": [_assessment(a) for a in items],
                    **summaries.side_histories(items, current_app.config["COMPARE_WITHIN_DAYS"])})


@bp.route("/assessments/<int:assessment_id>")
def assessment(assessment_id: int):
    a = get_assessment(assessment_id)
    recording.mark_stale(a)
    return jsonify(_assessment(a))


@bp.route("/assessments/<int:assessment_id>/frames")
def assessment_frames(assessment_id: int):
    return jsonify(summaries.frames_payload(get_assessment(assessment_id)))


def _person(p) -> dict:
    return {"id": p.id, "name": p.name, "birth_year": p.birth_year, "notes": p.notes,
            "url": url_for("assessments.history", person_id=p.id)}


def _assessment(a: Assessment) -> dict:
    return {"id": a.id, "person_id": a.person_id, "test": a.test, "side": a.side, "mode": a.mode,
            "source": a.source, "status": a.status, "progress": a.progress, "error": a.error,
            "created_at": a.created_at.isoformat() + "Z",
            "started_at": None if a.started_at is None else a.started_at.isoformat() + "Z",
            "frames": a.n_frames, "pain_s": a.pain_s, "pain_marks": a.pain_times, "result": a.result,
            # a recording's trials (the SLR's raises) with the clinician's exclusions and the mean over those
            # counted (None: no trials)
            "trials": trials.trials_view(a) if a.status == "complete" else None,
            "url": url_for("assessments.result", assessment_id=a.id)}
