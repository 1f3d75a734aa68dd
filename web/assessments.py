"""Assessments: start one (person, test, camera set-up), the live page, the result page, a
person's history, and what to do with a recording that stopped early."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from rom import protocols
from web.db import db
from web.formats import chart_text
from web.models import Assessment, assessments_query, people_query
from web.people import get_person
from web.services import audit, comparison, interpret, live_registry, recording, storage, summaries
from web.services.trials import REASON_MAX_CHARS, TrialError, exclude, include, trials_view

bp = Blueprint("assessments", __name__)

NOTES_MAX_CHARS = 5000



def choices() -> dict[str, tuple[str, str | None, str]]:
    """The choices of the new-assessment form: value -> (test, side, label). A test whose side is
    the measured leg is chosen with its side ('slr-left'); another finds its side in the video."""
    out = {}
    for p in protocols.all_protocols():
        if p.side_from_video:
            out.update({f"{p.name}-{side}": (p.name, side, f"{p.title}, {side} leg") for side in ("left", "right")})
        else:
            out[p.name] = (p.name, None, p.title)
    return out


@bp.route("/assessments/new", methods=("GET", "POST"))
def new():
    people = db.session.scalars(people_query()).all()
    if request.method == "POST":
        person = get_person(request.form.get("person_id", type=int) or 0)
        choice = choices().get(request.form.get("test", ""))
        p = protocols.get(choice[0]) if choice else None
        mode = request.form.get("mode") or next(iter(p.modes), None) if p else None
        if choice is None or (p.modes and mode not in p.modes):
            flash("Choose a test (and, for a test done more than one way, how it is done).", "error")
            return render_template("assessments/new.html", people=people, choices=choices(),
                                   person_id=person.id), 400
        test, side, _ = choice
        a = Assessment(person=person, test=test, side=side, mode=mode if p.modes else None,
                       source="live", status="pending", keep_video=bool(request.form.get("keep_video")))
        db.session.add(a)
        db.session.commit()
        return redirect(url_for("assessments.live", assessment_id=a.id))
    if not people:
        flash("Add the person first.")
        return redirect(url_for("people.create"))
    return render_template("assessments/new.html", people=people, choices=choices(),
                           person_id=request.args.get("person", type=int))


@bp.route("/assessments/<int:assessment_id>/live")
def live(assessment_id: int):
    a = get_assessment(assessment_id)
    if a.status != "pending":
        return redirect(url_for("assessments.result", assessment_id=a.id))
    return render_template("assessments/live.html", a=a)


@bp.route("/assessments/<int:assessment_id>")
def result(assessment_id: int):
    a = get_assessment(assessment_id)
    recording.mark_stale(a)
    if a.status == "analysing":
        return redirect(url_for("uploads.progress", assessment_id=a.id))
    text = chart_text.angles(summaries.frames_payload(a)) if a.status in ("complete", "incomplete") else ""
    return render_template("assessments/result.html", a=a, interpretation=interpret.sentences(a),
                           angles_chart_text=text,
                           comparison=_comparison(a), abandoned=a.is_abandoned(abandoned_after()),
                           notes_max_chars=NOTES_MAX_CHARS, trials=trials_view(a),
                           reason_max_chars=REASON_MAX_CHARS)


@bp.route("/people/<int:person_id>/history")
def history(person_id: int):
    person = get_person(person_id)
    items = recording.person_assessments(person)
    after = abandoned_after()
    within = current_app.config["COMPARE_WITHIN_DAYS"]
    histories = []  # per test, its part of the page (assessments/protocols/<test>/_history.html)
    for p in protocols.all_protocols():
        h = {"protocol": p}
        if p.compares_sides:
            h["sides"] = summaries.side_history(p, items, within)
            h["sides_text"] = chart_text.side_history(p, h["sides"])
        if p.trend:
            h["trend"] = summaries.trend(p, items)
            h["trend_text"] = chart_text.trend(p, h["trend"])
        histories.append(h)
    return render_template("assessments/history.html", person=person, assessments=items, histories=histories,
                           abandoned={a.id for a in items if a.is_abandoned(after)},
                           abandoned_after_min=after.total_seconds() / 60)


@bp.route("/people/<int:person_id>/abandoned/delete", methods=("POST",))
def delete_abandoned(person_id: int):
    """Delete a person's camera set-ups left pending for longer than ABANDONED_AFTER_MIN (none
    whose live page is still open)."""
    person = get_person(person_id)
    after = abandoned_after()
    gone = [a for a in recording.person_assessments(person)
            if a.is_abandoned(after) and not live_registry.is_open(a.id)]
    for a in gone:
        storage.delete_files(a)
        audit.record("delete assessment", f"assessment {a.id} of person {person.id} (abandoned set-up)")
        db.session.delete(a)
    db.session.commit()
    flash(f"Deleted {len(gone)} abandoned set-up{'s' if len(gone) != 1 else ''}." if gone
          else "No abandoned set-ups to delete.")
    return redirect(url_for("assessments.history", person_id=person.id))


@bp.route("/assessments/<int:assessment_id>/notes", methods=("POST",))
def notes(assessment_id: int):
    """The clinician's notes on an assessment (say whether the pain radiated)."""
    a = get_assessment(assessment_id)
    text = request.form.get("notes")
    if text is None:
        abort(400, "The form has no notes field.")
    text = text.replace("\r\n", "\n").strip()
    if len(text) > NOTES_MAX_CHARS:
        abort(400, f"The notes are {len(text)} characters long; at most {NOTES_MAX_CHARS} are kept. "
                   "Shorten them and save again.")
    a.notes = text or None
    audit.record("edit notes", f"assessment {a.id} of person {a.person_id}")
    db.session.commit()
    flash("Notes saved.")
    return redirect(url_for("assessments.result", assessment_id=a.id) + "#notes")


@bp.route("/assessments/<int:assessment_id>/trials/<int:number>/exclude", methods=("POST",))
def exclude_trial(assessment_id: int, number: int):
    """Leave one trial of an SLR out of the mean, with the reason (`web.services.trials`)."""
    a = get_assessment(assessment_id)
    try:
        exclude(a, number, request.form.get("reason"), getattr(current_user, "name", None))
    except TrialError as e:
        abort(400, str(e))
    audit.record("exclude trial", f"trial {number} of assessment {a.id} of person {a.person_id}")
    db.session.commit()
    flash(f"Trial {number} left out of the mean.")
    return redirect(url_for("assessments.result", assessment_id=a.id) + "#trials")


@bp.route("/assessments/<int:assessment_id>/trials/<int:number>/include", methods=("POST",))
def include_trial(assessment_id: int, number: int):
    """Count an excluded trial again."""
    a = get_assessment(assessment_id)
    if not include(a, number):
        abort(400, f"Trial {number} is not excluded.")
    audit.record("include trial", f"trial {number} of assessment {a.id} of person {a.person_id}")
    db.session.commit()
    flash(f"Trial {number} counts again.")
    return redirect(url_for("assessments.result", assessment_id=a.id) + "#trials")


def abandoned_after() -> timedelta:
    return timedelta(minutes=float(current_app.config["ABANDONED_AFTER_MIN"]))


@bp.route("/assessments/<int:assessment_id>/analyse", methods=("POST",))
def analyse(assessment_id: int):
    """Analyse what an incomplete recording stored."""
    a = get_assessment(assessment_id)
    recording.mark_stale(a)
    if a.status != "incomplete":
        flash("Only an incomplete recording can be analysed this way.", "error")
    else:
        recording.finish_recorded(a)
    return redirect(url_for("assessments.result", assessment_id=a.id))


@bp.route("/assessments/<int:assessment_id>/again", methods=("POST",))
def again(assessment_id: int):
    """A new live assessment with the same person and test."""
    old = get_assessment(assessment_id)
    p = old.protocol
    if p is None:
        abort(400, "The video did not show which test it was: start a new assessment and choose the test.")
    side = old.side or (old.result or {}).get("side") if p.side_from_video else None
    mode = old.mode or next(iter(p.modes)) if p.modes else None
    a = Assessment(person_id=old.person_id, test=old.test, side=side, mode=mode, source="live", status="pending",
                   keep_video=old.keep_video)
    db.session.add(a)
    db.session.commit()
    return redirect(url_for("assessments.live", assessment_id=a.id))


@bp.route("/assessments/<int:assessment_id>/delete", methods=("POST",))
def delete(assessment_id: int):
    a = get_assessment(assessment_id)
    if a.status in ("recording", "analysing") and not recording.mark_stale(a):
        flash("This assessment is being recorded or analysed; stop it first.", "error")
        return redirect(url_for("assessments.result", assessment_id=a.id))
    person_id = a.person_id
    storage.delete_files(a)
    audit.record("delete assessment", f"assessment {a.id} of person {person_id}")
    db.session.delete(a)
    db.session.commit()
    flash("Assessment deleted.")
    return redirect(url_for("assessments.history", person_id=person_id))


@bp.route("/assessments/<int:assessment_id>/keyframe.jpg")
def keyframe(assessment_id: int):
    a = get_assessment(assessment_id)
    if not a.key_frame:
        abort(404, "No key frame stored.")
    return current_app.response_class(a.key_frame, mimetype="image/jpeg")


@bp.route("/assessments/<int:assessment_id>/video")
def video(assessment_id: int):
    a = get_assessment(assessment_id)
    path = storage.instance() / a.video_path if a.video_path else None
    if path is None or not path.exists():
        abort(404, "No video kept for this assessment.")
    return send_file(path, as_attachment=True, download_name=f"assessment-{a.id}{path.suffix}")


def get_assessment(assessment_id: int) -> Assessment:
    a = db.session.scalar(assessments_query().where(Assessment.id == assessment_id))
    if a is None:
        abort(404, f"Assessment {assessment_id} does not exist.")
    return a


def _comparison(a: Assessment) -> dict | None:
    """For a complete assessment of a test that compares sides (the SLR): the left/right comparison
    of like with like (`web.services.comparison`), with the other side's assessment the clinician
    chose (?compare=ID; refused with the reason when it is not like with like) or else the closest
    in time within COMPARE_WITHIN_DAYS; and the other side's like-with-like assessments to choose from."""
    here = comparison.side_value(a)
    if here is None:
        return None
    within = float(current_app.config["COMPARE_WITHIN_DAYS"])
    others = db.session.scalars(assessments_query().where(Assessment.person_id == a.person_id,
                                                          Assessment.test == a.test,
                                                          Assessment.status == "complete")).all()
    choices = [v for v in comparison.values(others)
               if v.side != here.side and v.mode == here.mode]
    chosen_id = request.args.get("compare", "")
    if chosen_id:
        if not chosen_id.isdigit():
            abort(400, "The assessment to compare with must be given by its number.")
        b = get_assessment(int(chosen_id))
        reason = comparison.why_not_comparable(a, b)
        if reason:
            abort(400, f"Assessment {b.id} cannot be compared with this one. {reason}")
        other = comparison.side_value(b)
    else:
        other = comparison.closest_other_side(here, choices, within)
    out = {"choices": list(reversed(choices)), "chosen": other.assessment_id if other and chosen_id else None,
           "within_days": within, "comparison": None, "missing": None}
    if other is not None:
        out["comparison"] = comparison.compare(here, other)
    else:
        out["missing"] = (f"No {comparison.other_side(here.side)} {here.mode} {here.protocol.short_title} within "
                          f"{within:g} days of this one"
                          + (": choose one below to compare anyway." if choices else "."))
    return out
