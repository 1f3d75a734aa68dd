"""Upload a video and analyse it in the background, with a progress bar, ending on the result
page. One analysis runs at a time (the machine's cores go to the pose model), each in a child
process (see `web.services.workers`); the others wait their turn."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import update
from werkzeug.utils import secure_filename

from rom.analysis import Options, analyze_video, measure
from rom.capture.video import probe, with_video_quality
from rom.core.errors import BadInput, RomError
from web.assessments import get_assessment
from web.db import db
from web.formats.filters import plain_words
from web.models import MODES, Assessment, people_query
from web.people import get_person
from web.services import keyframe, recording, sides, storage, workers

bp = Blueprint("uploads", __name__, url_prefix="/uploads")

TESTS = {"slr": "Straight-leg raise", "hinge": "Hip hinge", "auto": "Find out from the video"}
# Stored files get generated names (never the uploaded one: OpenCV reads a name with '%d' as an
# image sequence); the suffix is kept only when it is a video's, as a hint for players.
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp", ".ogv", ".mts"}
SIDES = {"auto": "Find out from the video", "left": "Left", "right": "Right"}
PROGRESS_EVERY_S = 0.5
_jobs_lock = threading.Lock()


@bp.route("/new", methods=("GET", "POST"))
def new():
    people = db.session.scalars(people_query()).all()
    if request.method == "GET":
        return render_template("uploads/new.html", people=people, tests=TESTS, sides=SIDES,
                               person_id=request.args.get("person", type=int))
    person = get_person(request.form.get("person_id", type=int) or 0)
    test, side, mode = request.form.get("test", "auto"), request.form.get("side", "auto"), request.form.get("mode")
    file = request.files.get("video")
    problem = None
    if test != "hinge" and not mode:
        mode = None if test == "auto" else mode
    if test not in TESTS or side not in SIDES or (test == "slr" and mode not in MODES) \
            or (test == "auto" and mode is not None and mode not in MODES):
        problem = "Choose the test, the side and (for an SLR) passive or active."
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
        return render_template("uploads/new.html", people=people, tests=TESTS, sides=SIDES,
                               person_id=person.id), 400
    a = Assessment(person=person, test=test, side=None if side == "auto" else side,
                   mode=mode if test != "hinge" else None, source="upload", status="analysing", progress=0.0,
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


class Prober:
    """Runs in a child process: the checks of `rom.capture.video.probe` (header, timestamps, the first
    frame), so that a hostile file costs the server process nothing."""

    def probe(self, path: str) -> None:
        probe(path)


def probe_elsewhere(path: Path) -> None:
    """`rom.capture.video.probe` in a child process; raises its BadInput."""
    with workers.ChildProcess(Prober) as child:
        child.call("probe", str(path))


class Analyser:
    """Runs in a child process: one uploaded video -> (result, series, key frame JPEG, video
    properties, side check). An SLR is measured with side 'auto' and checked against the
    declared side (`web.services.sides`); a hinge with the side declared to face the camera."""

    def run(self, path: str, test: str, side: str, model: str):
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                workers.emit(done / max(total, 1))

        declared = None if side == "auto" else side
        analysis = analyze_video(path, Options(test=test, side=side if test == "hinge" else "auto", model=model),
                                 progress=progress)
        result, check = analysis.result, None
        if result.test == "slr":
            result, check = sides.check_slr(result, analysis.series, declared, path)
        elif declared is not None and test == "auto":  # found to be a hinge: the side faces the camera
            result = measure(analysis.series, "hinge", path, Options(test="hinge", side=declared))
        if result is not analysis.result:
            analysis = replace(analysis, result=result)
        return result, analysis.series, keyframe.from_analysis(analysis), analysis.info, check


def submit(app: Flask, assessment_id: int, token: str | None, path: Path) -> None:
    """Queue the analysis of an uploaded video, for the assessment with this ID and token."""
    with _jobs_lock:
        jobs = app.extensions.get("rom_uploads")
        if jobs is None:
            jobs = app.extensions["rom_uploads"] = _Jobs()
    jobs.put(lambda: _analyse(app, assessment_id, token, path))


def resubmit(a: Assessment) -> bool:
    """Queue again an upload whose analysis a stopped server left unfinished (False when its
    file is gone)."""
    found = storage.uploads_of(a)
    if not found:
        return False
    a.progress = 0.0
    submit(current_app._get_current_object(), a.id, a.token, found[0])
    return True


def _still_mine(assessment_id: int, token: str | None) -> Assessment | None:
    """The assessment the job was queued for, if it still exists (not deleted, and not another
    record that got its ID since)."""
    db.session.expire_all()
    a = db.session.get(Assessment, assessment_id)
    if a is None or a.token != token or a.status != "analysing":
        return None
    return a


def _plain(message: str, path: Path, a: Assessment) -> str:
    """A reason for the page: the server's path of the file replaced by the uploaded file's name,
    command-line advice by the upload form's choices."""
    name = a.video_name or "the video"
    return plain_words(message.replace(str(path), name).replace(path.name, name))


def _analyse(app: Flask, assessment_id: int, token: str | None, path: Path) -> None:
    with app.app_context():
        a = _still_mine(assessment_id, token)
        if a is None:  # deleted while waiting
            path.unlink(missing_ok=True)
            return
        test, side = a.test, a.side

        def on_progress(fraction: float) -> None:
            db.session.execute(update(Assessment).where(Assessment.id == assessment_id, Assessment.token == token)
                               .values(progress=round(float(fraction), 3)))
            db.session.commit()

        outcome: tuple = ()
        try:
            with workers.ChildProcess(Analyser) as child:
                outcome = ("ok", child.call("run", str(path), test, side or "auto",
                                            app.config["POSE_MODEL"], on_message=on_progress))
        except RomError as e:
            outcome = ("failed", str(e))
        except Exception:  # a bug or a broken environment: logged in full, in plain words on the page
            app.logger.exception("analysis of upload %s failed", assessment_id)
            outcome = ("failed", "the analysis failed unexpectedly (the details are in the server's log)")
        a = _still_mine(assessment_id, token)
        if a is None:  # deleted during the analysis: its work is discarded
            path.unlink(missing_ok=True)
            return
        try:
            # the file first and one commit last: the status that the page polls for is final only
            # once the video is where the row says and the row is whole
            storage.keep_upload(a, path)
            if outcome[0] == "failed":
                recording.store_failure(a, _plain(outcome[1], path, a))
            else:
                result, series, key, info, check = outcome[1]
                a.test = result.test  # 'auto' resolved
                a.side = result.side  # what was measured (the declared side is in the side check)
                a.mode = a.mode if a.test == "slr" else None
                a.progress = 1.0
                recording.store_result(a, result, series, key, rows_stored=False, commit=False)
                # frame rate, rotation, timing notes; how the side was decided
                a.result = sides.stored(with_video_quality(a.result, info), check)
                db.session.commit()
        except Exception:  # deleted at this very moment, or the database is gone: nothing half-stored
            kept = a.video_path
            db.session.rollback()
            path.unlink(missing_ok=True)
            if kept:
                (storage.instance() / kept).unlink(missing_ok=True)
            app.logger.exception("storing the analysis of upload %s failed", assessment_id)


class _Jobs:
    """A queue served by one daemon thread (a stopped server leaves the rest to
    `recording.settle_unfinished` on the next start)."""

    def __init__(self):
        self._q: queue.Queue = queue.Queue()
        threading.Thread(target=self._run, name="uploads", daemon=True).start()

    def put(self, job) -> None:
        self._q.put(job)

    def _run(self) -> None:
        while True:
            job = self._q.get()
            try:
                job()
            except Exception:  # keep serving the queue
                logging.getLogger(__name__).exception("upload job failed")
