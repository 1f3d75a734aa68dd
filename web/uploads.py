"""Upload a video and analyse it in the background (`web.services.analysis_queue`), with a progress
bar, ending on the result page."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.utils import secure_filename

from rom import protocols
from rom.core.errors import BadInput
from web.assessments import get_assessment
from web.db import db
from web.models import Assessment, people_query
from web.people import get_person
from web.services import storage
from web.services.analysis_queue import probe_elsewhere, submit

bp = Blueprint("uploads", __name__, url_prefix="/uploads")

AUTO = "auto"  # the test found from the video, by its posture (`rom.analysis.detect_test`)
# Stored files get generated names (never the uploaded one: OpenCV reads a name with '%d' as an
# image sequence); the suffix is kept only when it is a video's, as a hint for players.
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp", ".ogv", ".mts"}
SIDES = {"auto": "Find out from the video", "left": "Left", "right": "Right"}


def tests() -> dict[str, str]:
    """The upload form's choices of test: name -> words."""
    return {**{p.name: p.title for p in protocols.all_protocols()}, AUTO: "Find out from the video"}


def modes() -> dict[str, str]:
    """The ways a test can be done, of every test that has them (passive, active)."""
    return {m: words for p in protocols.all_protocols() for m, words in p.modes.items()}


@bp.route("/new", methods=("GET", "POST"))
def new():
    people = db.session.scalars(people_query()).all()
    if request.method == "GET":
        return render_template("uploads/new.html", people=people, tests=tests(), sides=SIDES,
                               person_id=request.args.get("person", type=int))
    person = get_person(request.form.get("person_id", type=int) or 0)
    test, side, mode = request.form.get("test", "auto"), request.form.get("side", "auto"), request.form.get("mode")
    file = request.files.get("video")
    problem = None
    chosen = protocols.get(test) if test in protocols.names() else None
    if test == AUTO and not mode:
        mode = None
    if test not in tests() or side not in SIDES or (chosen is not None and chosen.modes and mode not in chosen.modes) \
            or (test == AUTO and mode is not None and mode not in modes()):
        ways = "; ".join(f"for the {p.short_title}, {' or '.join(p.modes)}"
                         for p in protocols.all_protocols() if p.modes)
        problem = f"Choose the test, the side and ({ways})."
    elif file is None or not file.filename:
        problem = "Choose a video file."
    else:
        suffix = Path(secure_filename(file.filename)).suffix.lower()
        path = storage.upload_dir() / f"incoming-{uuid.uuid4().hex}{suffix if suffix in VIDEO_SUFFIXES else '.video'}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, storage.PRIVATE_FILE)
        with os.fdopen(fd, "wb") as out:
            file.save(out)
        try:
            probe_elsewhere(path)  # a video is what can be read as one, whatever its name says
        except BadInput as e:
            path.unlink(missing_ok=True)
            problem = f"This file is not a video that can be read: {str(e).split(': ', 1)[-1]}"
        except Exception:
            path.unlink(missing_ok=True)
            current_app.logger.exception("probing an upload failed")
            problem = "This file could not be checked (the details are in the server's log); try again."
    if problem:
        flash(problem, "error")
        return render_template("uploads/new.html", people=people, tests=tests(), sides=SIDES,
                               person_id=person.id), 400
    a = Assessment(person=person, test=test, side=None if side == "auto" else side,
                   mode=mode if chosen is None or chosen.modes else None, source="upload", status="analysing",
                   progress=0.0,
                   video_name=file.filename[:255], keep_video=bool(request.form.get("keep_video")))
    db.session.add(a)
    db.session.commit()
    final = storage.upload_path(a, path.suffix.lower())
    path.replace(final)
    submit(current_app._get_current_object(), a.id, a.token, final)
    return redirect(url_for("uploads.progress", assessment_id=a.id))


@bp.route("/<int:assessment_id>")
def progress(assessment_id: int):
    a = get_assessment(assessment_id)
    if a.status != "analysing":
        return redirect(url_for("assessments.result", assessment_id=a.id))
    return render_template("uploads/progress.html", a=a)
