"""The live WebSocket, /ws/live/<assessment_id>.

Protocol. The page sends each frame as one binary message: 8 bytes of capture time (seconds,
little-endian float64) followed by the JPEG. It sends the next frame only after the reply to the
last one, so at most one frame is in flight and a slow machine drops frames instead of lagging.
Control messages are JSON text: {"type": "start"}, {"type": "pain", "t": capture time},
{"type": "pain_undo", "t": a mark's time as the pain reply gave it}, {"type": "stop"}; pain marks
are for tests that take them only (`Protocol.pain_marks`: the SLR). Replies are JSON: {"type":
"frame", landmarks (33 x [x, y, visibility] in the frame's pixels, or null), size, ms (server time),
`check` (the camera check, on every frame), while recording the engine's live frame (angles, raw,
cues, events, side, t_s, frame)};
{"type": "started", "fps"}, {"type": "pain", "pain_s" (the new mark), "marks"} and
{"type": "pain_undone", "removed_s", "marks"} (marks: every mark in time order,
[{"t_s", "angle_deg" (live hip flexion)}]), {"type": "done", "url"},
{"type": "error", "message"}. While the database is locked or unreachable, frame replies carry
"storage": {"ok": false, "message"} (and {"ok": true} once it answers again); while a control
message waits for it, {"type": "storage", "ok": false, "message"} is sent.

Trust: the handshake is refused (401) without a login, (404) for an assessment that is not the
logged-in clinician's, and (403) from a page of another origin (cross-site WebSocket hijacking).
A malformed message (not JSON, unknown or ill-typed fields, a frame that is not a JPEG or PNG
image or claims a huge picture, a frame over LIVE_MAX_FRAME_BYTES) is answered with an error and
the connection goes on; only a message over the transport limit (SOCK_SERVER_OPTIONS
max_message_size) closes it, and then the recording so far is kept (incomplete).
"""

from __future__ import annotations

import json
import math
import shutil
import struct
import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, request, url_for
from flask_login import current_user
from flask_sock import Sock
from sqlalchemy import select, update

from rom.core.errors import RomError
from web.db import db
from web.models import Assessment, User, assessments_query, utcnow
from web.services import images, keyframe, live_registry, recording, storage, workers
from web.services.live_engine import LiveEngine

bp = Blueprint("live", __name__)
sock = Sock()


@bp.before_request
def check_handshake():
    """Before the WebSocket handshake (the login is checked before this, in `web.auth`)."""
    if request.endpoint != "live.live_socket":
        return
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        abort(403, "The live connection must come from this server's own page.")
    if _visible(request.view_args["assessment_id"]) is None:
        abort(404, f"Assessment {request.view_args['assessment_id']} does not exist.")


def _visible(assessment_id: int) -> Assessment | None:
    return db.session.scalar(assessments_query().where(Assessment.id == assessment_id))


@sock.route("/ws/live/<int:assessment_id>", bp=bp)
def live_socket(ws, assessment_id: int) -> None:
    a = _visible(assessment_id)
    if a is None:  # (refused at the handshake already)
        ws.send(json.dumps({"type": "error", "message": "no such assessment"}))
        return
    cfg = current_app.config
    try:
        claim = live_registry.claim(a.id, current_user.id, cfg["LIVE_MAX_PER_ACCOUNT"], cfg["LIVE_MAX_CONNECTIONS"])
    except live_registry.LimitReached as e:
        ws.send(json.dumps({"type": "error", "message": str(e)}))
        return
    try:
        if a.status != "pending":
            ws.send(json.dumps({"type": "error", "message": "this assessment has been recorded already; "
                                "start a new one"}))
            return
        try:
            conn = LiveConnection(ws, a, claim, current_user.session_token)
        except Exception:  # e.g. the pose model is not installed: say so on the page, details in the log
            current_app.logger.exception("live engine failed to start")
            ws.send(json.dumps({"type": "error", "message": "the live engine could not start (the details are in "
                                "the server's log)"}))
            return
        conn.run()
    finally:
        live_registry.release(claim)


class Refused(ValueError):
    """A malformed message: answered with an error, the connection goes on."""


def _parse(text: str) -> dict:
    """A control message: a JSON object with a known "type"; raises Refused."""
    try:
        msg = json.loads(text)
    except ValueError:
        raise Refused("a control message must be JSON, e.g. {\"type\": \"start\"}") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise Refused("a control message must be a JSON object with a \"type\"")
    if msg["type"] not in ("start", "pain", "pain_undo", "stop"):
        raise Refused(f"unknown message type {msg['type'][:40]!r} (start, pain, pain_undo or stop)")
    return msg


def _time(value, what: str) -> float:
    """A capture time in seconds: a finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Refused(f"{what} must be a finite number of seconds")
    return float(value)


class LiveConnection:
    """One live page's connection. It stops when told to (`web.services.live_registry`: the assessment or
    its person deleted, the account logged out, deactivated or given a new password) and when a
    check of the database, at least every ACCOUNT_CHECK_S, finds the account no longer holds."""

    ACCOUNT_CHECK_S = 1.0

    def __init__(self, ws, a: Assessment, claim: live_registry.Claim, session_token: str):
        self.ws, self.a, self.claim = ws, a, claim
        self.user_id, self.session_token = claim.user_id, session_token
        self.token = a.token
        self._checked_at = time.monotonic()
        self.writer: recording.FrameWriter | None = None
        self.max_bytes = current_app.config["LIVE_MAX_FRAME_BYTES"]
        self.max_pixels = current_app.config["LIVE_MAX_FRAME_PIXELS"]
        self.last_t: float | None = None  # capture time of the last recorded frame
        self.storage_ok = True
        self.spool = storage.spool_dir(a)
        runner = workers.ChildProcess if current_app.config["LIVE_ENGINE"] == "process" else workers.InProcess
        self.engine = runner(LiveEngine, a.test, a.side, current_app.config["POSE_MODEL"])

    def run(self) -> None:
        try:
            self.ws.send(json.dumps({"type": "ready"}))
            while True:
                # With a timeout: simple_websocket 1.1 can miss the wake-up when it closes a
                # connection itself (a message over max_message_size), and would wait forever.
                msg = self.ws.receive(timeout=0.25)
                if self._told_to_stop():
                    return
                if msg is None:
                    if not self.ws.connected:
                        return
                    continue
                try:
                    if len(msg) > self.max_bytes:
                        raise Refused(f"the message is too large ({len(msg) / 1e6:.1f} MB; a frame may have at "
                                      f"most {self.max_bytes / 1e6:.1f} MB)")
                    if isinstance(msg, (bytes, bytearray)):
                        self._frame(bytes(msg))
                    elif self._control(_parse(msg)):
                        return
                except Refused as e:
                    self._send({"type": "error", "message": str(e)})
                except (recording.RecordGone, storage.RecordGone):
                    self.claim.stop_reason = self.claim.stop_reason or "this assessment was deleted"
                    self.claim.discard = True
                    self._told_to_stop()
                    return
        finally:
            self._close()

    def _told_to_stop(self) -> bool:
        """Whether the connection must end now (and the page is told why)."""
        if self.claim.stop_reason is None and time.monotonic() - self._checked_at >= self.ACCOUNT_CHECK_S:
            self._checked_at = time.monotonic()
            self._check_account()
        if self.claim.stop_reason is None:
            return False
        what = "its frames were discarded" if self.claim.discard else "what was recorded is kept"
        try:
            self._send({"type": "error", "message": f"{self.claim.stop_reason}; the recording stopped and {what}"})
            self.ws.close(reason=1008 if not self.claim.discard else 1000)
        except Exception:  # the page is gone already
            pass
        return True

    def _check_account(self) -> None:
        """The account still active with the session's token, and the assessment still there."""
        try:
            row = db.session.execute(select(User.active, User.session_token).where(User.id == self.user_id)).first()
            there = db.session.scalar(select(Assessment.id).where(Assessment.id == self.a.id,
                                                                  Assessment.token.is_not_distinct_from(self.token)))
            db.session.rollback()  # (no transaction held open between checks)
        except Exception:  # the database is unreachable: the writer says so; try again later
            db.session.rollback()
            return
        if there is None:
            self.claim.stop_reason, self.claim.discard = "this assessment was deleted", True
        elif row is None or not row.active:
            self.claim.stop_reason = "the account was deactivated"
        elif row.session_token != self.session_token:
            self.claim.stop_reason = "the session ended (logged out, or the password was changed)"

    def _frame(self, msg: bytes) -> None:
        if len(msg) < 9:
            raise Refused("a frame needs its capture time (8 bytes) and a JPEG")
        (t_s,) = struct.unpack("<d", msg[:8])
        _time(t_s, "the frame's capture time")
        if self.writer is not None and self.last_t is not None and t_s < self.last_t:
            raise Refused("the frame was captured before the previous one; dropped")
        try:
            images.frame_size(msg[8:], self.max_pixels)
        except images.NotAnImage as e:
            raise Refused(str(e)) from None
        try:
            reply = self.engine.call("frame", msg[8:], t_s)
        except RomError as e:
            raise Refused(str(e)) from None
        except Exception as e:
            if not self.engine.alive():
                self._send({"type": "error", "message": "the live engine stopped; what was recorded is stored"})
                raise
            current_app.logger.exception("live frame of assessment %s failed", self.a.id)
            raise Refused(f"this frame could not be processed ({type(e).__name__})") from None
        row = reply.pop("row", None)
        if row is not None:
            self.last_t = t_s
            self._storage_status(reply)
        self._send(reply)  # first the reply, then the storage: it is off the round trip
        if row is not None and self.claim.stop_reason is None:
            storage.spool_frame(self.spool, row["frame"], msg[8:])
            try:
                self.writer.add(row)
            except recording.RecordGone:
                raise
            except RuntimeError as e:  # an error that no retry mends: say so, end the connection
                self._send({"type": "error", "message": f"{e}; the recording stopped"})
                raise

    def _storage_status(self, reply: dict) -> None:
        """Tell the page when the database stops answering, and when it answers again."""
        problem = self.writer.status()
        if problem is not None:
            reply["storage"] = {"ok": False, "message": problem}
        elif not self.storage_ok:
            reply["storage"] = {"ok": True}
        self.storage_ok = problem is None

    def _waiting(self, problem: str | None) -> None:
        if problem:
            self.storage_ok = False
            self._send({"type": "storage", "ok": False, "message": problem})

    def _control(self, msg: dict) -> bool:
        """Handle a control message; True when the connection is done."""
        kind = msg["type"]
        if kind == "start" and self.writer is None:
            fps = self.engine.call("start")

            def started() -> bool:
                # Only a pending assessment starts, once (another process's connection may race).
                done = db.session.execute(
                    update(Assessment).where(Assessment.id == self.a.id, Assessment.status == "pending",
                                             Assessment.token.is_not_distinct_from(self.token))
                    .values(status="recording", started_at=utcnow()))
                db.session.commit()
                db.session.refresh(self.a) if done.rowcount else None
                return bool(done.rowcount)

            if not recording.with_storage_retry(started, on_wait=self._waiting):
                raise Refused("this assessment is being recorded elsewhere or was recorded already; start a new one")
            storage.start_spool(self.a)
            self.writer = recording.FrameWriter(db.engine, self.a.id, self.token)
            self._send({"type": "started", "fps": round(fps, 1)})
        elif kind in ("pain", "pain_undo") and not self.a.protocol.pain_marks:
            raise Refused(f"pain is not marked during the {self.a.protocol.title.lower()}")
        elif kind == "pain" and self.writer is not None:
            t = msg.get("t")
            marked = self._call("pain", None if t is None else _time(t, "the pain mark's time"))
            self._store_pain(marked["times"])
            self._send({"type": "pain", "pain_s": round(marked["pain_s"], 2), "marks": marked["marks"]})
        elif kind == "pain_undo" and self.writer is not None:
            if "t" not in msg:
                raise Refused("pain_undo needs the time of the mark to remove (\"t\", seconds)")
            undone = self._call("pain_undo", _time(msg["t"], "the pain mark's time"))
            self._store_pain(undone["times"])
            self._send({"type": "pain_undone", "removed_s": round(undone["removed_s"], 2), "marks": undone["marks"]})
        elif kind == "stop" and self.writer is not None:
            self._finish()
            self._send({"type": "done", "url": url_for("assessments.result", assessment_id=self.a.id)})
            return True
        else:
            raise Refused(f"unexpected message {kind!r} now")
        return False

    def _call(self, name: str, *args):
        """An engine call whose refusal (RomError) is the page's mistake, not the engine's."""
        try:
            return self.engine.call(name, *args)
        except RomError as e:
            raise Refused(str(e)) from None

    def _store_pain(self, times: list[float]) -> None:
        """Every mark (seconds, time order) and the first as pain_s, which older readers use."""
        def stored():
            self.a.pain_marks = times
            self.a.pain_s = times[0] if times else None
            db.session.commit()

        recording.with_storage_retry(stored, on_wait=self._waiting)

    def _finish(self) -> None:
        writer, self.writer = self.writer, None
        try:
            writer.close(on_wait=self._waiting)
        except RuntimeError:
            self.writer = writer  # for _close, which marks the recording incomplete
            raise
        pain_s, pain_marks = self.a.pain_s, self.a.pain_marks
        try:
            result, series, clock = self.engine.call("stop")
        except RomError as e:
            reason = str(e)
            recording.with_storage_retry(lambda: recording.store_failure(self.a, reason), on_wait=self._waiting)
        else:
            key = keyframe.from_spool(self.spool, result, series, clock)

            def store():
                self.a.pain_s, self.a.pain_marks = pain_s, pain_marks
                recording.store_result(self.a, result, series, key)

            recording.with_storage_retry(store, on_wait=self._waiting)
        storage.finish_spool(self.a, self.a.fps or 30.0)
        recording.with_storage_retry(db.session.commit, on_wait=self._waiting)

    def _send(self, reply: dict) -> None:
        self.ws.send(json.dumps(reply, separators=(",", ":")))

    def _close(self) -> None:
        """Whatever ended the connection: the frames received so far are stored, and a recording
        that was not stopped shows as incomplete. A deleted recording's frames are dropped."""
        if self.claim.discard:
            try:
                if self.writer is not None:
                    self.writer.discard()
                    self.writer = None
                db.session.rollback()
                shutil.rmtree(self.spool, ignore_errors=True)
            finally:
                self.engine.close()
            return
        try:
            if self.writer is not None:
                try:
                    self.writer.close()
                finally:
                    db.session.rollback()
                    self.a.status = "incomplete"
                    recording.with_storage_retry(db.session.commit, timeout_s=30.0)
        except Exception:  # the database is unreachable: the next start settles the assessment
            current_app.logger.exception("could not settle the recording of assessment %s", self.a.id)
        finally:
            self.engine.close()
