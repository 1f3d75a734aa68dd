"""Exports of one assessment: per-frame CSV (units in the header), JSON, FHIR R4 Observation,
OpenSim .mot, and the printable report page; a person's FHIR Bundle."""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select

from rom.outputs.batch_report import csv_safe
from rom.outputs.frames_csv import frame_rows
from web.assessments import get_assessment
from web.db import db
from web.formats import chart_text, fhir, mot
from web.models import Assessment, FrameSample, assessments_query
from web.people import get_person
from web.services import audit, frames, interpret, sides, summaries, trials

bp = Blueprint("exports", __name__)


@bp.after_request
def _record_export(response):
    """Every export that was served goes into the audit log (who exported what)."""
    if response.status_code == 200 and request.endpoint and request.endpoint.startswith("exports."):
        audit.record("export", request.path, commit=True)
    return response


@bp.route("/assessments/<int:assessment_id>/frames.csv")
def frames_csv(assessment_id: int):
    a = _complete(assessment_id)
    result, series = _stored(a)
    header, rows = frame_rows(result, series)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_safe(h) for h in header])
    w.writerows([csv_safe(v) for v in row] for row in rows)
    return _download(buf.getvalue(), "text/csv", f"{_stem(a)}.csv")


@bp.route("/assessments/<int:assessment_id>.json")
def as_json(assessment_id: int):
    a = _complete(assessment_id)
    declared = ((a.result or {}).get("side_check") or {}).get("declared")
    data = {"assessment": {"id": a.id, "person_id": a.person_id, "person": a.person.name, "test": a.test,
                           "side": a.side, "declared_side": declared, "side_note": sides.sentence(a.result),
                           "mode": a.mode, "source": a.source, "video_name": a.video_name,
                           "started_at": _iso(a.started_at or a.created_at), "finished_at": _iso(a.finished_at),
                           "frames": a.n_frames, "fps": a.fps, "notes": a.notes},
            "result": a.result,
            # several SLR raises: each trial with the clinician's exclusion and reason, the mean over those counted
            "trials": trials.trials_view(a),
            "interpretation": interpret.sentences(a),
            "frames": summaries.frames_payload(a)}
    return _download(json.dumps(data, indent=1), "application/json", f"{_stem(a)}.json")


@bp.route("/assessments/<int:assessment_id>/trials.csv")
def trials_csv(assessment_id: int):
    """One row per trial (units in the header), with whether it counts and why not, then the mean and
    spread over the trials counted: the test's columns (`trials_csv` of its interpret module)."""
    a = _complete(assessment_id)
    view = trials.trials_view(a)
    if view is None:
        abort(404, "This assessment has no trials.")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows([csv_safe(v) for v in row] for row in a.protocol.interpretation().trials_csv(view))
    return _download(buf.getvalue(), "text/csv", f"{_stem(a)}-trials.csv")


@bp.route("/assessments/<int:assessment_id>.fhir.json")
def as_fhir(assessment_id: int):
    a = _complete(assessment_id)
    obs = fhir.observation(a)
    return _download(json.dumps(obs, indent=1), "application/fhir+json", f"{_stem(a)}.fhir.json")


@bp.route("/people/<int:person_id>/bundle.fhir.json")
def person_bundle(person_id: int):
    person = get_person(person_id)
    items = db.session.scalars(assessments_query().where(Assessment.person_id == person.id)).all()
    b = fhir.bundle(person, items, request.url_root + "fhir/")
    return _download(json.dumps(b, indent=1), "application/fhir+json", f"person-{person.id}.fhir.json")


@bp.route("/assessments/<int:assessment_id>.mot")
def as_mot(assessment_id: int):
    a = _complete(assessment_id)
    table = frames.table_from(_angle_rows(a)).columns
    side = a.result.get("side") or a.side or "right"
    text = mot.mot_text(_stem(a), table["t_s"], table, a.protocol, side)
    return _download(text, "text/plain", f"{_stem(a)}.mot")


@bp.route("/assessments/<int:assessment_id>/report")
def report(assessment_id: int):
    a = _complete(assessment_id)
    return render_template("exports/report.html", a=a, interpretation=interpret.sentences(a),
                           angles_chart_text=chart_text.angles(summaries.frames_payload(a)),
                           trials=trials.trials_view(a))


def _complete(assessment_id: int) -> Assessment:
    a = get_assessment(assessment_id)
    if a.status != "complete":
        abort(409, "This assessment has no result to export.")
    return a


def _angle_rows(a: Assessment) -> list[dict | None]:
    return list(db.session.scalars(select(FrameSample.angles).where(FrameSample.assessment_id == a.id)
                                   .order_by(FrameSample.frame)))


class _Stored:
    """What `rom.outputs.frames_csv.frame_rows` reads from a result: its per-frame table."""

    def __init__(self, table):
        self.frames = table


def _stored(a: Assessment):
    """(result-like, series) rebuilt from the stored frames, for the engine's CSV writer."""
    rows = db.session.execute(select(FrameSample.t_s, FrameSample.relock, FrameSample.landmarks, FrameSample.angles)
                              .where(FrameSample.assessment_id == a.id).order_by(FrameSample.frame)).all()
    series = frames.series_from([r.landmarks for r in rows], [i for i, r in enumerate(rows) if r.relock],
                                (a.image_width or 0, a.image_height or 0), [r.t_s for r in rows])
    return _Stored(frames.table_from([r.angles for r in rows])), series


def _download(body: str, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _stem(a: Assessment) -> str:
    return f"assessment-{a.id}-{a.test}" + (f"-{a.result.get('side')}" if (a.result or {}).get("side") else "")


def _iso(t) -> str | None:
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")
