"""The `rom` command: JSON shape, outputs and every exit code (DESIGN.md 4)."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from rom.cli import main

SLR_CLIP = "samples/slr_avg_male_L_near_60.mp4"


def rom(*args, cwd=None):
    """Run the real command in a subprocess: what a user sees on stdout/stderr and the exit code."""
    return subprocess.run([sys.executable, "-m", "rom", *args], capture_output=True, text=True, cwd=cwd)


def _no_person_video(path, n=45):
    rng = np.random.default_rng(0)
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (320, 240))
    for _ in range(n):
        w.write((rng.random((240, 320, 3)) * 60 + 100).astype(np.uint8))
    w.release()


@pytest.mark.slow
def test_analyze_json_prints_exactly_one_object_and_writes_outputs(tmp_path, samples_dir):
    out = tmp_path / "out"
    r = rom("analyze", str(samples_dir.parent / SLR_CLIP), "--test", "slr", "--json", "--out", str(out))
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)  # exactly one JSON object, nothing else on stdout
    assert d["test"] == "slr" and d["side"] == "left"
    assert d["slr_angle_deg"] == pytest.approx(60.9, abs=3.0)
    assert 2.6 < d["knee_bend_onset_s"] < 3.2
    for key in ("max_hip_flexion_deg", "flags", "quality", "slr_angle_ci95_deg"):
        assert key in d
    assert r.stderr.strip() == ""  # no log noise
    assert json.loads((out / "summary.json").read_text()) == d
    header = (out / "frames.csv").read_text().splitlines()[0].split(",")
    assert {"t_s", "hip_flexion_deg", "knee_flexion_deg", "hip_flexion_raw_deg"} <= set(header)
    assert len((out / "frames.csv").read_text().splitlines()) == 1 + 181
    cap = cv2.VideoCapture(str(out / "annotated.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 181
    assert cv2.imread(str(out / "plot.png")) is not None


@pytest.mark.slow
def test_auto_tells_lying_from_standing(samples_dir):
    r = rom("analyze", str(samples_dir / "slr_avg_female_R_near_50_examiner_foot.mp4"), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["test"] == "slr"
    r = rom("analyze", str(samples_dir / "hinge_avg_male_L_good.mp4"), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["test"] == "hinge"


@pytest.mark.parametrize("make, reason", [
    (None, "no such file"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_text("hello\n" * 100), "text"),
])
@pytest.mark.slow
def test_unreadable_input_exits_2_with_one_line(tmp_path, make, reason):
    p = tmp_path / "clip.mp4"
    if make:
        make(p)
    r = rom("analyze", str(p), "--json")
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0] and "Traceback" not in r.stderr


@pytest.mark.slow
def test_truncated_video_exits_2(tmp_path, samples_dir):
    data = (samples_dir.parent / SLR_CLIP).read_bytes()
    p = tmp_path / "cut.mp4"
    p.write_bytes(data[: len(data) // 3])
    r = rom("analyze", str(p), "--test", "slr")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


def test_bad_usage_exits_2():
    r = rom("analyze", "x.mp4", "--test", "squat")
    assert r.returncode == 2 and "invalid choice" in r.stderr


@pytest.mark.slow
def test_video_without_a_person_exits_3(tmp_path):
    p = tmp_path / "empty_room.mp4"
    _no_person_video(p)
    r = rom("analyze", str(p), "--json")
    assert r.returncode == 3
    assert r.stderr.strip().splitlines() == ["rom: no person found in the video"]


@pytest.mark.slow
@pytest.mark.parametrize("clip, test", [("frontal_slr.mp4", "slr"), ("frontal_hinge.mp4", "hinge")])
def test_frontal_view_exits_3(samples_dir, clip, test):
    r = rom("analyze", str(samples_dir / "bad" / clip), "--test", test, "--json")
    assert r.returncode == 3, r.stdout
    assert "not a side view" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_internal_errors_are_one_line(monkeypatch, capsys):
    import rom.analysis

    def boom(*a, **k):
        raise ZeroDivisionError("synthetic")

    monkeypatch.setattr(rom.analysis, "analyze_video", boom)
    assert main(["analyze", "whatever.mp4"]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err


@pytest.mark.slow
def test_a_standing_person_given_as_an_slr_is_refused_with_the_reason(samples_dir):
    r = rom("analyze", str(samples_dir / "hinge_avg_male_L_good.mp4"), "--test", "slr")
    assert r.returncode == 3
    assert "only a person standing" in r.stderr and "--test hinge" in r.stderr
