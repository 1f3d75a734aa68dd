"""Storing an assessment as it is recorded, and its result when it ends.

Frames are inserted in batches at least every half second by a writer thread, so a closed tab
or a killed server loses at most the last half second; while the database is locked or
unreachable the writer keeps the rows and retries, and the live page says so. An assessment
left in 'recording' by a connection that is gone shows as incomplete; its stored landmarks give
the result up to the last stored frame (`analyse_recorded`).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import exc, insert, select, update
from sqlalchemy.engine import Engine

from rom import protocols
from rom.analysis import Options, measure
from rom.core.errors import NotMeasurable, RomError
from rom.core.timing import SteadyClock, with_timing
from web.db import db
from web.models import Assessment, FrameSample, assessments_query, utcnow
from web.services import frames, keyframe, live_registry, sides, storage

FLUSH_EVERY_S = 0.5


class RecordGone(RuntimeError):
    """The recording's assessment was deleted (or is no longer this recording): its frames are
    dropped, never stored under another record."""


class FrameWriter:
    """Rows of one recording (dicts of FrameSample columns without assessment_id), inserted by
    a background thread at least every FLUSH_EVERY_S seconds. The Assessment's n_frames and
    last_frame_at follow each batch.

    When the database is locked or unreachable, the rows wait in memory and the thread retries
    (RETRY_S apart) until they are stored; `status()` then says so, for the live page, and so it
    does when stored rows lag more than LAG_WARN_S behind. Only an error that a retry cannot
    mend (a bug, a constraint) stops the writer; the next add() raises it.

    Each batch is stored only while the assessment is still this recording (same ID, same token),
    checked in the same transaction: when it was deleted, the batch is
    dropped and the writer stops with RecordGone."""

    RETRY_S = 0.5
    LAG_WARN_S = 1.0

    def __init__(self, engine: Engine, assessment_id: int, token: str | None = None):
        self.engine, self.assessment_id, self.token = engine, assessment_id, token
        self._rows: list[tuple[float, dict]] = []  # (time added, row), not yet stored
        self._oldest_in_flight: float | None = None  # time the oldest row being written was added
        self._count = 0
        self._error: BaseException | None = None  # fatal
        self._failure: str | None = None  # why the last write failed, while retrying
        self._cond = threading.Condition()
        self._closing = False
        self._deadline = float("inf")
        self._thread = threading.Thread(target=self._run, name=f"frames-{assessment_id}", daemon=True)
        self._thread.start()

    def add(self, row: dict) -> None:
        self._raise()
        with self._cond:
            self._rows.append((time.monotonic(), {"assessment_id": self.assessment_id, **row}))

    def status(self) -> str | None:
        """None while the frames are stored in time; else why not, in words for the page."""
        with self._cond:
            times = [t for t in (self._oldest_in_flight, self._rows[0][0] if self._rows else None) if t is not None]
            failure = self._failure
        lag = time.monotonic() - min(times) if times else 0.0
        if failure is None and lag <= self.LAG_WARN_S:
            return None
        why = failure or f"the database has not answered for {lag:.0f} s"
        return f"storage unavailable, retrying ({why}); the frames' angles are kept meanwhile"

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._rows) + (0 if self._oldest_in_flight is None else 1)

    def close(self, timeout_s: float = 120.0, on_wait=None) -> None:
        """Store what is left (retrying for at most timeout_s) and stop the thread. on_wait(status)
        is called about every second while that takes longer. Raises RuntimeError if rows could
        not be stored."""
        with self._cond:
            self._closing = True
            self._deadline = time.monotonic() + timeout_s
            self._cond.notify()
        while self._thread.is_alive():
            self._thread.join(1.0)
            if self._thread.is_alive() and on_wait is not None:
                on_wait(self.status())
        self._raise()
        if self._rows:
            raise RuntimeError(f"storing the frames failed: {len(self._rows)} frames could not be stored "
                               f"({self._failure or 'the database did not answer'})")

    def _raise(self) -> None:
        """The writer's fatal error, for the page in plain words (the details go to the log)."""
        if isinstance(self._error, RecordGone):
            raise self._error
        if self._error is not None:
            raise RuntimeError("storing the frames failed (the details are in the server's log)") from self._error

    def discard(self) -> None:
        """Drop the rows not stored yet and stop the thread (the record is gone)."""
        with self._cond:
            self._rows = []
            self._closing = True
            self._deadline = 0.0
            self._cond.notify()
        self._thread.join(5.0)

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._closing:
                    self._cond.wait(self.RETRY_S if self._failure else FLUSH_EVERY_S)
                batch, self._rows = self._rows, []
                self._oldest_in_flight = batch[0][0] if batch else None
                closing, deadline = self._closing, self._deadline
            if batch:
                try:
                    self._write([row for _, row in batch])
                except Exception as e:
                    if not isinstance(e, RecordGone) and not _retryable(e):
                        logging.getLogger(__name__).exception("storing frames of assessment %s failed",
                                                              self.assessment_id)
                    with self._cond:
                        if isinstance(e, RecordGone):
                            self._rows, self._oldest_in_flight, self._error = [], None, e
                            return
                        self._rows[:0] = batch  # first in line for the next try
                        self._oldest_in_flight = None
                        if not _retryable(e):
                            self._error = e
                            return
                        self._failure = _short(e)
                    if closing:
                        if time.monotonic() >= deadline:
                            return
                        time.sleep(self.RETRY_S)
                    continue
                with self._cond:
                    self._oldest_in_flight, self._failure = None, None
            if closing:
                with self._cond:
                    if not self._rows:
                        return

    def _write(self, rows: list[dict]) -> None:
        with self.engine.begin() as conn:
            # First the assessment's row (which locks it): a deleted one stops the batch here.
            mine = Assessment.id == self.assessment_id
            if self.token is not None:
                mine = mine & (Assessment.token == self.token)
            done = conn.execute(update(Assessment).where(mine)
                                .values(n_frames=self._count + len(rows), last_frame_at=utcnow()))
            if done.rowcount == 0:
                raise RecordGone("the assessment was deleted during the recording")
            conn.execute(insert(FrameSample), rows)
        self._count += len(rows)


def _retryable(e: BaseException) -> bool:
    """A database that is locked, gone or busy (worth another try), not a bug or a constraint."""
    return isinstance(e, (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)) or \
        bool(getattr(e, "connection_invalidated", False))


def _short(e: BaseException) -> str:
    """The database's own words, on one short line ('database is locked')."""
    text = str(getattr(e, "orig", None) or e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:120]


def with_storage_retry(action, timeout_s: float = 120.0, on_wait=None):
    """action() (which writes through db.session), tried again while the database is locked or
    unreachable, for at most timeout_s; on_wait(reason) is called before each new try."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return action()
        except Exception as e:
            db.session.rollback()
            if not _retryable(e) or time.monotonic() >= deadline:
                raise
            if on_wait is not None:
                on_wait(f"storage unavailable, retrying ({_short(e)})")
            time.sleep(FrameWriter.RETRY_S)


def store_result(a: Assessment, result, series, key_frame: bytes | None, rows_stored: bool = True,
                 commit: bool = True) -> None:
    """Record a measured assessment: the result, the offline angles of every frame (and the
    frames themselves when they are not stored yet, as for an uploaded video), the key frame.

    A recording's rows are its received frames at their capture times, and its result is on the
    steady clock of those times (`rom.core.timing`): each row gets the angles of the step nearest its
    capture time, with that capture time, so charts and exports keep the capture clock.

    A live test whose side is found in the video (`Protocol.side_from_video`: the SLR) is measured
    again here with the side found in the video and checked against the one declared when it was
    set up (`web.services.sides`); the stored side is the measured one. (An upload is checked where
    it is analysed.)

    commit=False leaves the commit to a caller that adds to the row first, so that no one reads
    'complete' before the row is whole."""
    check = clock = None
    if rows_stored:
        clock = SteadyClock.of(db.session.scalars(select(FrameSample.t_s).where(FrameSample.assessment_id == a.id)
                                                  .order_by(FrameSample.frame)).all() or [0.0])
    if a.source == "live" and a.protocol.side_from_video:
        result, check = sides.measure_checked(series, a.test, a.side, result.video, pain_s=a.pain_s,
                                              pain_marks=a.pain_times)
        a.side = result.side
    if clock is not None:
        result = with_timing(result, clock)
    angle_rows = frames.angle_rows(result.frames)
    if rows_stored:
        db.session.execute(update(FrameSample), [
            {"assessment_id": a.id, "frame": i, "angles": _at_capture(angle_rows, int(step), float(t))}
            for i, (step, t) in enumerate(zip(clock.step_of, clock.times))])
    else:
        back = series.back
        db.session.execute(insert(FrameSample), [
            {"assessment_id": a.id, "frame": i, "t_s": float(series.t_s[i]), "relock": i in series.relocks,
             "landmarks": frames.pack(series.xy_px[i], series.z[i], series.visibility[i], series.world_m[i],
                                      None if back is None else back[i]),
             "angles": r} for i, r in enumerate(angle_rows)])
    a.result = sides.stored(result.to_dict(), check)
    a.status, a.error, a.finished_at = "complete", None, utcnow()
    a.n_frames, a.fps = len(series), float(series.fps)
    a.image_width, a.image_height = (int(v) for v in series.image_size)
    a.key_frame = key_frame
    if commit:
        db.session.commit()


def _at_capture(angle_rows: list[dict], step: int, t_s: float) -> dict | None:
    """A received frame's angles: its step's, at the frame's capture time."""
    if step >= len(angle_rows):
        return None
    row = dict(angle_rows[step])
    if "t_s" in row:
        row["t_s"] = t_s
    return row


def store_failure(a: Assessment, reason: str) -> None:
    a.status, a.error, a.finished_at = "failed", reason, utcnow()
    db.session.commit()


def analyse_recorded(a: Assessment):
    """(result, series, clock) from the frames stored for a recording, on the steady clock of
    their capture times (`rom.core.timing`); raises NotMeasurable."""
    rows = db.session.execute(
        select(FrameSample.t_s, FrameSample.relock, FrameSample.landmarks)
        .where(FrameSample.assessment_id == a.id).order_by(FrameSample.frame)).all()
    if not rows:
        raise NotMeasurable("no frames were stored for this recording")
    features = a.protocol.frame_features()  # the back's outline of a hinge
    n_features = features[1] if features else 0
    times = [r.t_s for r in rows]
    received = frames.series_from([r.landmarks for r in rows], [i for i, r in enumerate(rows) if r.relock],
                                  (a.image_width or 640, a.image_height or 480), times, n_features)
    clock = SteadyClock.of(times)
    series = clock.series(received)
    return with_timing(measure_series(series, a.test, a.side, a.pain_s, a.pain_times), clock), series, clock


def measure_series(series, test: str, side: str | None, pain_s: float | None, pain_marks=()):
    """What `rom.live.session.LiveSession.result` computes, for a series rebuilt from storage; a test
    whose side is found in the video with that side (`store_result` checks it against the declared
    one), so that a wrongly declared side is reported, not refused."""
    side = "auto" if protocols.get(test).side_from_video else (side or "auto")
    return measure(series, test, "live", Options(test=test, side=side), pain_s=pain_s,
                   pain_marks=pain_marks)


def finish_recorded(a: Assessment) -> None:
    """Analyse a recording from its stored frames and store the outcome (complete or failed)."""
    try:
        result, series, clock = analyse_recorded(a)
    except RomError as e:
        store_failure(a, str(e))
        return
    spool = storage.spool_dir(a)
    store_result(a, result, series, keyframe.from_spool(spool, result, series, clock))
    storage.finish_spool(a, series.fps)
    db.session.commit()


def mark_stale(a: Assessment) -> bool:
    """A recording whose connection is gone (closed tab, stopped server) and whose last frame
    is older than STALE_AFTER_S becomes incomplete. Returns True when it changed."""
    if a.status != "recording":
        return False
    if live_registry.is_open(a.id):
        return False
    last = a.last_frame_at or a.started_at or a.created_at
    if utcnow() - last < timedelta(seconds=current_app.config["STALE_AFTER_S"]):
        return False
    a.status = "incomplete"
    db.session.commit()
    return True


def person_assessments(person) -> list[Assessment]:
    """A person's assessments (of the logged-in clinician), recordings whose connection is gone
    shown as incomplete."""
    items = db.session.scalars(assessments_query().where(Assessment.person_id == person.id)).all()
    for a in items:
        mark_stale(a)
    return items
