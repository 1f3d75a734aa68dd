"""A corpus of bad files through `rom analyze`, `rom batch` and the upload page: a clear reason each
time (exit 2 unreadable, 3 not measurable), no traceback, nothing already stored lost.

The corpus is made at test time in a temporary folder: zero bytes, an MP4 cut off at 40 % (its
index, at the end, is lost), text renamed .mp4, a PNG renamed .mp4, a WAV (as .wav and renamed
.mp4), a 4000 x 3000 video (a sample scaled up; rom scales frames down to 1920 px for the pose
model, so it is measured), noise frames without a person, and the two frontal views of
samples/bad.

Reproduce: .venv/bin/python -m pytest tests/web/test_trust_bad_input.py -v -s
(or by hand: `rom analyze FILE --json`, `rom batch DIR --out OUT`, with the files this makes).
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import wave

import cv2
import numpy as np
import pytest
from conftest_web import ROOT, SAMPLES, add_analysed, add_person, login, truth, wait_until
from sqlalchemy import select

from web.db import db
from web.models import Assessment

SLR = "slr_avg_male_L_near_60"

# name -> (exit code of `rom analyze`, words of the reason on stderr)
EXPECTED = {
    "empty.mp4": (2, "the file is empty (0 bytes)"),
    "truncated.mp4": (2, "not a readable video (an MP4/MOV container that is damaged or holds no video track)"),
    "text.mp4": (2, "not a readable video (looks like a text file)"),
    "image.mp4": (2, "is a still image, not a video"),
    "audio.mp4": (2, "not a readable video (looks like audio or another non-video file)"),
    "audio.wav": (2, "not a readable video (looks like audio or another non-video file)"),
    "no_person.mp4": (3, "no person found in the video"),
    "frontal_slr.mp4": (3, "not a side view of a person lying on their back"),
    "frontal_hinge.mp4": (3, "not a side view: the camera faces the front or back of the person"),
    "huge_frame.mp4": (0, ""),
}
UNREADABLE = [n for n, (code, _) in EXPECTED.items() if code == 2]


def _write_video(path, frames, fps: float) -> None:
    writer = None
    for f in frames:
        if writer is None:
            h, w = f.shape[:2]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
        writer.write(f)
    writer.release()


def _sample_frames(name: str):
    cap = cv2.VideoCapture(str(SAMPLES / f"{name}.mp4"))
    while True:
        ok, f = cap.read()
        if not ok:
            break
        yield f
    cap.release()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad-corpus")
    (d / "empty.mp4").write_bytes(b"")
    clip = (SAMPLES / f"{SLR}.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(clip[:len(clip) * 2 // 5])
    (d / "text.mp4").write_text("This is a text file, not a video.\n" * 20)
    cv2.imwrite(str(d / "image.png"), np.full((480, 640, 3), 128, np.uint8))
    (d / "image.png").rename(d / "image.mp4")
    with wave.open(str(d / "audio.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((10000 * np.sin(0.1 * np.arange(16000))).astype("<i2").tobytes())
    shutil.copy(d / "audio.wav", d / "audio.mp4")
    rng = np.random.default_rng(0)
    _write_video(d / "no_person.mp4", [(rng.random((240, 320, 3)) * 255).astype(np.uint8) for _ in range(60)], 30.0)
    # every other frame of the SLR sample at 4000 x 3000 (15 frames/s keeps the file quick to make)
    big = (cv2.resize(f, (4000, 3000)) for i, f in enumerate(_sample_frames(SLR)) if i % 2 == 0)
    _write_video(d / "huge_frame.mp4", big, 15.0)
    for name in ("frontal_slr.mp4", "frontal_hinge.mp4"):
        shutil.copy(SAMPLES / "bad" / name, d / name)
    assert sorted(p.name for p in d.iterdir()) == sorted(EXPECTED)
    return d


def rom(*args, timeout=600):
    env = {k: v for k, v in os.environ.items() if k != "ROM_DEBUG"}
    return subprocess.run([sys.executable, "-m", "rom", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=timeout)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rom_analyze_gives_a_reason_and_the_exit_code(corpus, name, tmp_path):
    code, reason = EXPECTED[name]
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text('{"earlier": "result"}')  # an earlier run's output in --out
    r = rom("analyze", str(corpus / name), "--test", "auto", "--json", "--out", str(out))
    print(f"rom analyze {name} --test auto --json: exit {r.returncode}; {r.stderr.strip() or r.stdout[:120]}")
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    if code:
        assert r.stdout == ""
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("rom: ") and reason in r.stderr
        assert (out / "summary.json").read_text() == '{"earlier": "result"}'  # nothing lost
    else:  # 4000 x 3000: scaled to 1920 px for the pose model, and measured
        d = json.loads(r.stdout)
        assert d["test"] == "slr" and d["side"] == "left"
        assert abs(d["slr_angle_deg"] - truth(SLR)["slr_angle_deg"]) < 3.0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  largest memory of a `rom` process so far: {peak_mb:.0f} MB")
        assert peak_mb < 3000


@pytest.mark.parametrize("name, test", [("frontal_slr.mp4", "slr"), ("frontal_hinge.mp4", "hinge"),
                                        ("no_person.mp4", "slr"), ("text.mp4", "hinge")])
@pytest.mark.slow
def test_rom_analyze_with_the_test_named(corpus, name, test):
    code, reason = EXPECTED[name]
    r = rom("analyze", str(corpus / name), "--test", test)
    assert r.returncode == code and reason in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_rom_batch_measures_what_it_can_and_loses_nothing(corpus, tmp_path):
    out = tmp_path / "out"
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(SAMPLES / f"{SLR}.mp4", good / "good.mp4")
    first = rom("batch", str(good), "--out", str(out), "--test", "auto", "--jobs", "2")
    assert first.returncode == 0, first.stderr
    before = {r["name"]: r for r in csv.DictReader(open(out / "summary.csv"))}
    r = rom("batch", str(good), str(corpus), str(corpus / "audio.wav"), "--out", str(out), "--test", "auto",
            "--jobs", "2")
    print(r.stdout, r.stderr)
    assert r.returncode == 1  # some videos were not measured; their rows say why
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    rows = {row["name"]: row for row in csv.DictReader(open(out / "summary.csv"))}
    assert rows["good.mp4"]["status"] == "measured"
    assert rows["good.mp4"]["slr_angle_deg"] == before["good.mp4"]["slr_angle_deg"]  # the earlier result kept
    for name, (code, reason) in EXPECTED.items():
        row = rows[name]
        status = {0: "measured", 2: "unreadable", 3: "not_measurable"}[code]
        assert row["status"] == status, (name, row["status"], row["error"])
        assert reason in row["error"], (name, row["error"])
    assert json.loads((out / "summary.json").read_text())  # the other outputs are whole
    assert (out / "index.html").stat().st_size > 0


@pytest.mark.slow
def test_the_upload_page_gives_the_reason_and_keeps_what_was_stored(app, corpus):
    pid = add_person(app)
    kept = add_analysed(app, pid, SLR)
    with app.app_context():
        kept_result = db.session.get(Assessment, kept).result
    c = login(app)
    seen = {}
    for name in sorted(EXPECTED):
        with open(corpus / name, "rb") as f:
            r = c.post("/uploads/new", data={"person_id": pid, "test": "auto", "side": "auto", "mode": "passive",
                                             "video": (io.BytesIO(f.read()), name)},
                       content_type="multipart/form-data")
        if name in UNREADABLE:  # refused at once, with the reason, nothing stored
            assert r.status_code == 400, name
            page = r.get_data(as_text=True)
            assert "This file is not a video that can be read" in page and EXPECTED[name][1].split(" (")[0] in page
            seen[name] = "refused"
        else:  # readable: analysed in the background, then failed with the engine's reason (or measured)
            assert r.status_code == 302, name
            seen[name] = int(r.headers["Location"].rstrip("/").split("/")[-1])
    for name, aid in seen.items():
        if aid == "refused":
            continue
        a = wait_until(lambda aid=aid: (x := c.get(f"/api/assessments/{aid}").get_json())["status"] != "analysing"
                       and x, timeout_s=300)
        code, reason = EXPECTED[name]
        if code == 0:
            assert a["status"] == "complete", a["error"]
            assert abs(a["result"]["slr_angle_deg"] - truth(SLR)["slr_angle_deg"]) < 3.0
        else:
            assert a["status"] == "failed" and reason in a["error"], (name, a["error"])
            assert reason in c.get(f"/assessments/{aid}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Assessment, kept).result == kept_result  # nothing already stored lost
        statuses = sorted(a.status for a in db.session.scalars(select(Assessment)))
    assert statuses == ["complete", "complete", "failed", "failed", "failed"]
    assert not os.listdir(os.path.join(app.instance_path, "uploads"))  # no file left behind
