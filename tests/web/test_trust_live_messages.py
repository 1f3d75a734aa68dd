"""Malformed WebSocket messages during a live recording: not JSON, wrong fields, frames that are
not JPEGs (or claim an enormous picture), huge messages. Each is answered with an error, and the
session (the recording) and the server go on; the recorded frames are all stored.

Reproduce: .venv/bin/python -m pytest tests/web/test_trust_live_messages.py -v
"""

from __future__ import annotations

import json
import struct

import cv2
import numpy as np
import pytest
from conftest_web import SAMPLES, add_assessment, add_person, session_cookie, wait_until, ws_connect
from simple_websocket import ConnectionClosed
from sqlalchemy import func, select

from rom.capture import video
from web.db import db
from web.models import Assessment, FrameSample
from web.services import images

SLR = "slr_avg_male_L_near_60"


def _jpegs(n: int = 40) -> list[bytes]:
    info = video.probe(SAMPLES / f"{SLR}.mp4")
    out = []
    for i, rgb in video.iter_frames(info):
        if i >= n:
            break
        out.append(cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes())
    return out


def _big_jpeg_header(width: int, height: int) -> bytes:
    """A JPEG's first bytes that declare a width x height picture (SOF0), then nothing."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + sof


class Page:
    def __init__(self, server, aid):
        self.ws = ws_connect(f"{server.ws_url}/ws/live/{aid}", headers={"Cookie": session_cookie(server.app)})
        assert json.loads(self.ws.receive(timeout=60))["type"] == "ready"

    def raw(self, message) -> dict:
        self.ws.send(message)
        return json.loads(self.ws.receive(timeout=60))

    def frame(self, jpeg: bytes, t_s: float) -> dict:
        return self.raw(struct.pack("<d", t_s) + jpeg)


# message -> words of the error reply
BAD_CONTROL = [
    ("{not json", "must be JSON"),
    ("[1, 2, 3]", "a JSON object with a \"type\""),
    ('"start"', "a JSON object with a \"type\""),
    ("{}", "a JSON object with a \"type\""),
    ('{"type": 42}', "a JSON object with a \"type\""),
    ('{"type": "format-disk"}', "unknown message type 'format-disk'"),
    ('{"type": "' + "x" * 5000 + '"}', "unknown message type"),
    ('{"type": "pain", "t": "soon"}', "the pain mark's time must be a finite number"),
    ('{"type": "pain", "t": NaN}', "the pain mark's time must be a finite number"),
    ('{"type": "pain", "t": Infinity}', "the pain mark's time must be a finite number"),
    ('{"type": "pain", "t": [1]}', "the pain mark's time must be a finite number"),
    ('{"type": "pain", "t": true}', "the pain mark's time must be a finite number"),
    ('{"type": "start"}', "unexpected message 'start' now"),  # already recording
]
BAD_FRAMES = [
    (b"", "a frame needs its capture time"),
    (b"\x00" * 8, "a frame needs its capture time"),
    (struct.pack("<d", 1e4) + b"not a jpeg at all", "not a readable image: not a JPEG"),
    (struct.pack("<d", 1e4) + b"GIF89a" + b"\x00" * 100, "not a readable image: not a JPEG"),
    (struct.pack("<d", 1e4) + b"\xff\xd8\xff\xe0\x00\x10JFIF", "truncated or damaged JPEG"),
    (struct.pack("<d", 1e4) + b"\xff\xd8\xff\x00\x00\x00", "damaged JPEG"),
    (struct.pack("<d", 1e4) + _big_jpeg_header(30000, 30000), "the frame is too large (30000 x 30000 px"),
    (struct.pack("<d", 1e4) + _big_jpeg_header(0, 480), "declares an empty picture"),
    (struct.pack("<d", float("nan")) + b"\xff\xd8", "capture time must be a finite number"),
    (struct.pack("<d", float("inf")) + b"\xff\xd8", "capture time must be a finite number"),
]


@pytest.mark.slow
def test_malformed_messages_are_refused_and_the_recording_goes_on(live_server):
    app = live_server.app
    aid = add_assessment(app, add_person(app), status="pending")
    jpegs = _jpegs()
    page = Page(live_server, aid)
    assert page.raw('{"type": "start", "unexpected": {"nested": [1, 2]}}')["type"] == "started"  # extras ignored
    sent = 0
    for i in range(10):
        assert page.frame(jpegs[i], 10 + i / 30)["frame"] == i
        sent += 1
    for message, words in BAD_CONTROL + BAD_FRAMES:
        reply = page.raw(message)
        assert reply["type"] == "error" and words in reply["message"], (message[:60], reply)
        assert page.frame(jpegs[sent], 10 + sent / 30)["frame"] == sent  # still recording
        sent += 1
    # a damaged JPEG with a sane header reaches the decoder, which refuses it
    broken = jpegs[0][:600]
    reply = page.frame(broken, 10 + sent / 30)
    assert reply["type"] == "error" and "not a readable image" in reply["message"], reply
    # a frame from before the previous one
    reply = page.frame(jpegs[sent], 1.0)
    assert reply["type"] == "error" and "captured before the previous one" in reply["message"]
    # a message over the frame limit (4 MB) but under the connection's (32 MB): refused, session kept
    reply = page.raw(struct.pack("<d", 20.0) + b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024))
    assert reply["type"] == "error" and "the message is too large (10.5 MB" in reply["message"]
    reply = page.raw("x" * (5 * 1024 * 1024))
    assert reply["type"] == "error" and "too large" in reply["message"]
    for i in range(sent, len(jpegs)):
        assert page.frame(jpegs[i], 20 + i / 30)["frame"] == i
    assert page.raw('{"type": "pain", "t": 21.0}')["type"] == "pain"
    assert page.raw('{"type": "stop"}')["type"] in ("done",)
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(FrameSample).where(FrameSample.assessment_id == aid))
        a = db.session.get(Assessment, aid)
        assert n == len(jpegs) and a.status in ("complete", "failed") and a.n_frames == len(jpegs)


@pytest.mark.slow
def test_a_message_over_the_connection_limit_closes_only_that_connection(live_server):
    app = live_server.app
    pid = add_person(app)
    aid = add_assessment(app, pid, status="pending")
    jpegs = _jpegs(20)
    page = Page(live_server, aid)
    page.raw('{"type": "start"}')
    for i, jpeg in enumerate(jpegs):
        page.frame(jpeg, i / 30)
    page.ws.send(b"\x00" * (33 * 1024 * 1024))  # over the 32 MB transport limit: 1009, message too big
    with pytest.raises(ConnectionClosed):
        while True:
            page.ws.receive(timeout=30)
    assert page.ws.close_reason == 1009
    # the recording so far is kept (incomplete), and the server serves the next connection
    a = wait_until(lambda: (x := _assessment(app, aid)).status == "incomplete" and x, timeout_s=30)
    assert a.n_frames == len(jpegs)
    other = add_assessment(app, pid, status="pending")
    assert Page(live_server, other).frame(jpegs[0], 0.0)["type"] == "frame"


def _assessment(app, aid):
    with app.app_context():
        a = db.session.get(Assessment, aid)
        db.session.expunge(a)
        return a


@pytest.mark.parametrize("data, expected", [
    (cv2.imencode(".jpg", np.zeros((48, 64, 3), np.uint8))[1].tobytes(), ("jpeg", 64, 48)),
    (cv2.imencode(".jpg", np.zeros((48, 64, 3), np.uint8), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes(),
     ("jpeg", 64, 48)),
    (cv2.imencode(".png", np.zeros((48, 64, 3), np.uint8))[1].tobytes(), ("png", 64, 48)),
])
def test_frame_size_is_read_from_the_header(data, expected):
    assert images.frame_size(data, 10**6) == expected
