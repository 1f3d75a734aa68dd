"""Uploads and instance files (issue 13): a huge picture refused from the header, by a probe that
runs outside the server process; a stale analysis job of a deleted record never touches the
record that got its ID; failure messages without server paths; orphaned files removed at start;
instance data private."""

from __future__ import annotations

import fractions
import io
import pathlib
import stat

import av
import cv2
import numpy as np
import pytest
from conftest_web import add_person, login

from web.db import db
from web.models import Assessment
from web.services import analysis_queue, storage


def _giant_mjpeg(path: pathlib.Path) -> bytes:
    """An AVI of three one-colour 16000 x 16000 JPEG frames (a few MB; 768 MB a frame decoded)."""
    jpeg = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
    i = 2
    while jpeg[i + 1] != 0xC0:
        i += 2 + int.from_bytes(jpeg[i + 2:i + 4], "big")
    jpeg = jpeg[:i + 5] + (16000).to_bytes(2, "big") * 2 + jpeg[i + 9:]
    with av.open(str(path), "w") as c:
        s = c.add_stream("mjpeg", rate=30)
        s.width = s.height = 16000
        s.pix_fmt = "yuvj420p"
        for k in range(3):
            p = av.Packet(jpeg)
            p.stream, p.pts, p.dts, p.time_base = s, k, k, fractions.Fraction(1, 30)
            c.mux(p)
    return path.read_bytes()


@pytest.mark.slow
def test_a_huge_picture_is_refused_by_a_probe_outside_the_server_process(app, tmp_path, monkeypatch):
    def not_here(path):
        raise AssertionError("the upload was probed in the server process")

    monkeypatch.setattr(analysis_queue, "probe", not_here)  # (the child process has its own, unpatched)
    data = _giant_mjpeg(tmp_path / "giant.avi")
    c = login(app)
    pid = add_person(app)
    r = c.post("/uploads/new", data={"person_id": pid, "test": "slr", "side": "auto", "mode": "passive",
                                     "video": (io.BytesIO(data), "giant.avi")}, content_type="multipart/form-data")
    body = r.get_data(as_text=True)
    assert r.status_code == 400, body
    assert "too large (16000 x 16000 px" in body
    assert app.instance_path not in body
    with app.app_context():
        assert db.session.query(Assessment).count() == 0
    assert list(storage_dir(app, "uploads").iterdir()) == []  # the refused file is not kept


def storage_dir(app, name) -> pathlib.Path:
    return pathlib.Path(app.instance_path) / name


def test_a_stale_job_of_a_deleted_record_leaves_the_record_with_its_id_alone(app):
    pid = add_person(app)
    with app.app_context():
        old = Assessment(person_id=pid, test="slr", side="left", mode="passive", source="upload",
                         status="analysing", video_name="old.mp4")
        db.session.add(old)
        db.session.commit()
        old_id, old_token = old.id, old.token
        old_path = storage.upload_path(old, ".mp4")
        old_path.write_bytes(b"the deleted person's video")
        storage.delete_files(old)
        db.session.delete(old)
        db.session.commit()
        new = Assessment(person_id=pid, test="slr", side="left", mode="passive", source="upload",
                         status="analysing", progress=0.0, video_name="new.mp4")
        if db.session.get(Assessment, old_id) is None:
            new.id = old_id  # the ID used again, as SQLite does for the largest one
        db.session.add(new)
        db.session.commit()
        new_path = storage.upload_path(new, ".mp4")
        new_path.write_bytes(b"the new record's video")
        db.session.remove()
    analysis_queue._analyse(app, old_id, old_token, old_path)  # the deleted record's job, run late
    with app.app_context():
        a = db.session.get(Assessment, old_id)
        assert a.video_name == "new.mp4" and a.status == "analysing" and a.error is None
        assert new_path.read_bytes() == b"the new record's video"


def test_a_failed_analysis_says_why_without_the_servers_path(app):
    pid = add_person(app)
    with app.app_context():
        a = Assessment(person_id=pid, test="slr", side="left", mode="passive", source="upload",
                       status="analysing", video_name="my clip.mp4")
        db.session.add(a)
        db.session.commit()
        aid, token = a.id, a.token
        path = storage.upload_path(a, ".mp4")
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42 damaged beyond use")
        db.session.remove()
    analysis_queue._analyse(app, aid, token, path)
    with app.app_context():
        a = db.session.get(Assessment, aid)
        assert a.status == "failed"
        assert app.instance_path not in a.error and "uploads/" not in a.error
        assert "my clip.mp4" in a.error


def test_orphaned_files_are_removed_at_start_and_a_records_own_are_kept(app):
    pid = add_person(app)
    with app.app_context():
        a = Assessment(person_id=pid, test="slr", side="left", mode="passive", status="incomplete")
        db.session.add(a)
        db.session.commit()
        spool = storage.start_spool(a)
        storage.spool_frame(spool, 0, b"jpeg")
        incoming = storage.upload_dir() / "incoming-0123abcd.mp4"
        incoming.write_bytes(b"half an upload")
        stray = storage.instance() / "frames" / "999-deadbeef"
        stray.mkdir()
        (stray / "0.jpg").write_bytes(b"someone's frame")
        analysis_queue.settle_unfinished()
        assert not incoming.exists() and not stray.exists()
        assert (spool / "0.jpg").exists()
        assert stat.S_IMODE((spool / "0.jpg").stat().st_mode) == 0o600
        assert stat.S_IMODE(spool.stat().st_mode) == 0o700


def test_instance_data_is_private(app):
    root = pathlib.Path(app.instance_path)
    with app.app_context():
        storage.secure_instance()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for name in ("rom.sqlite", "secret_key"):
        assert stat.S_IMODE((root / name).stat().st_mode) == 0o600, name
