"""The live WebSocket, /ws/live/<assessment_id>.

Protocol. The page sends each frame as one binary message: 8 bytes of capture time (seconds,
little-endian float64) followed by the JPEG. It sends the next frame only after the reply to the
last one, so at most one frame is in flight and a slow machine drops frames instead of lagging.
Control messages are JSON text: {"type": "start"}, {"type": "pain", "t": capture time},
{"type": "stop"}. Replies are JSON: {"type": "frame", landmarks (33 x [x, y, visibility] in the
frame's pixels, or null), size, ms (server time), and while setting up `check` (camera check),
while recording the engine's live frame (angles, raw, cues, events, side, t_s, frame)};
{"type": "started", "fps"}, {"type": "pain", "pain_s"}, {"type": "done", "url"},
{"type": "error", "message"}.
"""

from __future__ import annotations

import json
import struct

from flask import Blueprint, current_app, url_for
from flask_sock import Sock

from rom.errors import RomError
from web import keyframe, recording, storage, workers
from web.db import db
from web.live_engine import LiveEngine
from web.models import Assessment, utcnow

bp = Blueprint("live", __name__)
sock = Sock()


@sock.route("/ws/live/<int:assessment_id>", bp=bp)
def live_socket(ws, assessment_id: int) -> None:
    a = db.session.get(Assessment, assessment_id)
    if a is None:
        ws.send(json.dumps({"type": "error", "message": "no such assessment"}))
        return
    if a.status != "pending":
        ws.send(json.dumps({"type": "error", "message": "this assessment has been recorded already; "
                            "start a new one"}))
        return
    try:
        conn = LiveConnection(ws, a)
    except Exception as e:  # e.g. the pose model is not installed: say so on the page
        current_app.logger.exception("live engine failed to start")
        ws.send(json.dumps({"type": "error", "message": f"the live engine could not start: {e}"}))
        return
    conn.run()


def _parse(text: str) -> dict:
    try:
        msg = json.loads(text)
    except ValueError:
        return {}
    return msg if isinstance(msg, dict) else {}


class LiveConnection:
    def __init__(self, ws, a: Assessment):
        self.ws, self.a = ws, a
        self.writer: recording.FrameWriter | None = None
        self.spool = storage.spool_dir(a.id)
        runner = workers.ChildProcess if current_app.config["LIVE_ENGINE"] == "process" else workers.InProcess
        self.engine = runner(LiveEngine, a.test, a.side, current_app.config["POSE_MODEL"])

    def run(self) -> None:
        try:
            self.ws.send(json.dumps({"type": "ready"}))
            while True:
                msg = self.ws.receive()
                if msg is None:
                    continue
                if isinstance(msg, (bytes, bytearray)):
                    self._frame(bytes(msg))
                elif self._control(_parse(msg)):
                    return
        finally:
            self._close()

    def _frame(self, msg: bytes) -> None:
        if len(msg) < 9:
            self._send({"type": "error", "message": "a frame needs its capture time and a JPEG"})
            return
        (t_s,) = struct.unpack("<d", msg[:8])
        try:
            reply = self.engine.call("frame", msg[8:], t_s)
        except RomError as e:
            self._send({"type": "error", "message": str(e)})
            return
        row = reply.pop("row", None)
        self._send(reply)  # first the reply, then the storage: it is off the round trip
        if row is not None:
            storage.spool_frame(self.spool, row["frame"], msg[8:])
            try:
                self.writer.add(row)
            except RuntimeError as e:  # the database went away: say so, end the connection
                self._send({"type": "error", "message": f"{e}; the recording stopped"})
                raise

    def _control(self, msg: dict) -> bool:
        """Handle a control message; True when the connection is done."""
        kind = msg.get("type")
        if kind == "start" and self.writer is None:
            fps = self.engine.call("start")
            self.a.status, self.a.started_at = "recording", utcnow()
            db.session.commit()
            recording.set_active(self.a.id, True)
            self.writer = recording.FrameWriter(db.engine, self.a.id)
            self._send({"type": "started", "fps": round(fps, 1)})
        elif kind == "pain" and self.writer is not None:
            t = msg.get("t")
            self.a.pain_s = self.engine.call("pain", None if t is None else float(t))
            db.session.commit()
            self._send({"type": "pain", "pain_s": round(self.a.pain_s, 2)})
        elif kind == "stop" and self.writer is not None:
            self._finish()
            self._send({"type": "done", "url": url_for("assessments.result", assessment_id=self.a.id)})
            return True
        else:
            self._send({"type": "error", "message": f"unexpected message {kind!r} now"})
        return False

    def _finish(self) -> None:
        writer, self.writer = self.writer, None
        writer.close()
        try:
            result, series = self.engine.call("stop")
        except RomError as e:
            recording.store_failure(self.a, str(e))
        else:
            recording.store_result(self.a, result, series, keyframe.from_spool(self.spool, result, series))
        storage.finish_spool(self.a, self.a.fps or 30.0)
        db.session.commit()

    def _send(self, reply: dict) -> None:
        self.ws.send(json.dumps(reply, separators=(",", ":")))

    def _close(self) -> None:
        """Whatever ended the connection: the frames received so far are stored, and a recording
        that was not stopped shows as incomplete."""
        try:
            if self.writer is not None:
                try:
                    self.writer.close()
                finally:
                    self.a.status = "incomplete"
                    db.session.commit()
        except Exception:  # the database is unreachable: the next start settles the assessment
            current_app.logger.exception("could not settle the recording of assessment %s", self.a.id)
        finally:
            recording.set_active(self.a.id, False)
            self.engine.close()
