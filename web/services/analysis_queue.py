"""Analyses of uploaded videos in the background: one at a time (the machine's cores go to the
pose model), each in a child process (`web.services.workers`), the others waiting their turn; the
upload's probe in a child process too; and, on server start, what a previous run left unfinished."""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import replace
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select, update

from rom import protocols
from rom.analysis import Options, analyze_video, measure
from rom.capture.video import probe, with_video_quality
from rom.core.errors import RomError
from web.db import db
from web.formats.filters import plain_words
from web.models import Assessment
from web.services import keyframe, recording, sides, storage, workers

PROGRESS_EVERY_S = 0.5
_jobs_lock = threading.Lock()


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
    properties, side check). A test whose side is found in the video (`Protocol.side_from_video`:
    the SLR's raised leg) is measured with side 'auto' and checked against the declared side
    (`web.services.sides`); another (the hinge) with the side declared to face the camera."""

    def run(self, path: str, test: str, side: str, model: str):
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                workers.emit(done / max(total, 1))

        declared = None if side == "auto" else side
        chosen = protocols.get(test) if test in protocols.names() else None  # None: found from the video
        first_side = side if chosen is not None and not chosen.side_from_video else "auto"
        analysis = analyze_video(path, Options(test=test, side=first_side, model=model), progress=progress)
        result, check = analysis.result, None
        found = protocols.of(result)
        if found.side_from_video:
            result, check = sides.check(result, analysis.series, declared, path)
        elif declared is not None and chosen is None:  # found from the video: the declared side as given
            result = measure(analysis.series, found.name, path, Options(test=found.name, side=declared))
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
                a.mode = a.mode if a.protocol.modes else None
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
    `settle_unfinished` on the next start)."""

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


def settle_unfinished() -> None:
    """On server start (`rom serve`): recordings of a previous run are incomplete; uploads it was
    analysing are analysed again when their file is still there, otherwise failed."""
    for a in db.session.scalars(select(Assessment).where(Assessment.status.in_(("recording", "analysing")))):
        if a.status == "recording":
            a.status = "incomplete"
        elif not resubmit(a):
            a.status, a.error = "failed", "the server stopped during the analysis; upload the video again"
    db.session.commit()
    known = {f"{i}-{t}" if t else str(i) for i, t in db.session.execute(select(Assessment.id, Assessment.token))}
    removed = storage.clean_orphans(known)
    if removed:
        current_app.logger.info("removed %d files left by assessments that are gone or by a crash", removed)
