"""Video metadata handled as a phone user expects (issue 13): the rotation of a portrait video
applied, the timing taken from the frames' timestamps (a variable rate resampled, an impossible
or missing rate refused with the reason), and the picture size and frame count checked from the
header before anything is decoded. The clips are made here, at test time, from a sample clip."""

from __future__ import annotations

import fractions
import os
import subprocess
import sys

import av
import cv2
import numpy as np
import pytest
from conftest import SAMPLES

from rom.capture import video
from rom.core.errors import BadInput

SLR = SAMPLES / "slr_avg_male_L_near_60.mp4"


def sample_frames(path=SLR) -> list[np.ndarray]:
    return [rgb for _, rgb in video.iter_frames(video.probe(path))]


def write_clip(path, frames, times_s, rotation: int = 0, rate: int = 30, codec: str = "libx264") -> str:
    """An H.264 MP4 of RGB frames with the given presentation times (s) and display rotation."""
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=rate)
        s.height, s.width = frames[0].shape[:2]
        s.pix_fmt = "yuv420p"
        s.time_base = fractions.Fraction(1, 90000)
        s.codec_context.time_base = fractions.Fraction(1, 90000)
        if codec == "libx264":
            s.options = {"crf": "12", "preset": "ultrafast"}
        if rotation:
            s.set_display_rotation(rotation)
        for img, t in zip(frames, times_s):
            f = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            f.pts = int(round(t * 90000))
            f.time_base = fractions.Fraction(1, 90000)
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return str(path)


def portrait(frames):
    """Frames stored sideways, as a phone held upright stores them (its display matrix turns
    them back by 90 degrees counter-clockwise)."""
    return [np.ascontiguousarray(np.rot90(f, -1)) for f in frames]


@pytest.fixture(scope="module")
def frames():
    return sample_frames()


@pytest.fixture(scope="module")
def clips(tmp_path_factory, frames):
    d = tmp_path_factory.mktemp("clips")
    n = len(frames)
    t = np.arange(n) / 30.0
    # Variable rate: the middle third at 15 frames/s (every other frame dropped), the rest at 30.
    keep = [i for i in range(n) if not (n // 3 <= i < 2 * n // 3 and i % 2)]
    return {
        "upright": write_clip(d / "upright.mp4", frames, t),
        "portrait": write_clip(d / "portrait.mp4", portrait(frames), t, rotation=90),
        "portrait270": write_clip(d / "portrait270.mp4", [np.ascontiguousarray(np.rot90(f, 1)) for f in frames], t,
                                  rotation=270),
        "fps1000": write_clip(d / "fps1000.mp4", frames[:60], np.arange(60) / 1000.0, rate=1000),
        "vfr": write_clip(d / "vfr.mp4", [frames[i] for i in keep], t[keep]),
        "keep": keep,
    }


def _diff(a, b) -> float:
    return float(np.mean(np.abs(a.astype(float) - b.astype(float))))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["portrait", "portrait270"])
def test_a_portrait_phone_video_is_read_upright(clips, frames, name):
    info = video.probe(clips[name])
    assert info.rotation_deg == (90 if name == "portrait" else 270)
    assert (info.width, info.height) == (frames[0].shape[1], frames[0].shape[0])  # 640 x 480, not 480 x 640
    first = next(video.iter_frames(info))[1]
    assert first.shape == frames[0].shape
    assert _diff(first, frames[0]) < 3.0  # the same picture (H.264 loses a little)
    assert _diff(first, np.rot90(frames[0], 2)) > 10.0  # not upside down
    bgr = next(video.iter_bgr(clips[name]))  # the overlay's frames are upright too
    assert _diff(bgr[:, :, ::-1], frames[0]) < 3.0


@pytest.mark.slow
def test_the_frame_rate_comes_from_the_timestamps_and_an_impossible_one_is_refused(clips):
    with pytest.raises(BadInput, match=r"1000 frames/s, which no camera records"):
        video.probe(clips["fps1000"])
    r = subprocess.run([sys.executable, "-m", "rom", "analyze", clips["fps1000"], "--test", "slr", "--json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and r.stdout == ""
    assert "1000 frames/s" in r.stderr and "internal error" not in r.stderr


@pytest.mark.slow
def test_a_variable_frame_rate_is_resampled_from_the_timestamps(clips, frames):
    info = video.probe(clips["vfr"])
    assert info.variable_rate and abs(info.fps - 30.0) < 1e-6
    assert info.n_frames == len(frames)  # the steady clock spans the clip: 181 frames at 30 frames/s
    assert any("variable frame rate" in w for w in info.warnings)
    got = [rgb for _, rgb in video.iter_frames(info)]
    assert len(got) == len(frames)
    keep = clips["keep"]
    for i in (0, 70, 71, 100, 101, 150, 180):  # each tick shows the kept frame nearest in time
        nearest = min(keep, key=lambda j: (abs(j - i), j))
        assert _diff(got[i], frames[nearest]) < 3.0, i


def test_a_raw_stream_without_timing_is_refused_not_taken_as_25_fps(tmp_path, frames):
    raw = tmp_path / "clip.mjpeg"
    raw.write_bytes(b"".join(cv2.imencode(".jpg", f)[1].tobytes() for f in frames[:20]))
    with pytest.raises(BadInput, match="timing is unknown"):
        video.probe(raw)


def test_a_huge_picture_is_refused_from_the_header_before_decoding(tmp_path):
    """A 16000 x 16000 MJPEG (one colour, a few MB) would decode to 768 MB a frame."""
    path = tmp_path / "giant.avi"
    jpeg = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
    jpeg = _jpeg_with_size(jpeg, 16000, 16000)  # the header claims 16000 x 16000
    with av.open(str(path), "w") as c:
        s = c.add_stream("mjpeg", rate=30)
        s.width = s.height = 16000
        s.pix_fmt = "yuvj420p"
        for i in range(3):
            p = av.Packet(jpeg)
            p.stream, p.pts, p.dts, p.time_base = s, i, i, fractions.Fraction(1, 30)
            c.mux(p)
    with pytest.raises(BadInput, match=r"too large \(16000 x 16000 px"):
        video.probe(path)
    assert video.MAX_PIXELS < 16000 * 16000


def _jpeg_with_size(jpeg: bytes, w: int, h: int) -> bytes:
    i = 2
    while True:
        marker, length = jpeg[i + 1], int.from_bytes(jpeg[i + 2:i + 4], "big")
        if marker == 0xC0:
            return jpeg[:i + 5] + h.to_bytes(2, "big") + w.to_bytes(2, "big") + jpeg[i + 9:]
        i += 2 + length


def test_a_named_pipe_is_refused_at_once_not_opened(tmp_path):
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    with pytest.raises(BadInput, match="named pipe"):
        video.probe(fifo)  # (opening it would wait for a writer for ever)
    assert video.frame_count_hint(fifo) == 0


def test_a_file_without_read_permission_is_bad_input(tmp_path, clips):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    p = tmp_path / "locked.mp4"
    p.write_bytes(open(clips["upright"], "rb").read())
    p.chmod(0)
    with pytest.raises(BadInput, match="permission denied"):
        video.probe(p)


@pytest.mark.slow
def test_portrait_and_variable_rate_clips_measure_as_the_upright_clip(clips):
    from rom.analysis import Options, analyze_video

    upright = analyze_video(clips["upright"], Options(test="slr")).result
    turned = analyze_video(clips["portrait"], Options(test="slr")).result
    assert abs(turned.slr_angle_deg - upright.slr_angle_deg) <= 0.5
    assert turned.side == upright.side
    vfr = analyze_video(clips["vfr"], Options(test="slr")).result
    if upright.knee_bend_onset_s is not None:
        assert abs(vfr.knee_bend_onset_s - upright.knee_bend_onset_s) <= 0.05
    assert abs(vfr.slr_angle_deg - upright.slr_angle_deg) <= 2.0


def test_the_timing_is_named_in_the_results_quality_block(clips):
    info = video.probe(clips["vfr"])
    d = video.with_video_quality({"test": "slr", "quality": {"frames": 181, "warnings": ["other"]}}, info)
    assert d["quality"]["video"]["timing"] == "resampled from a variable frame rate"
    assert d["quality"]["video"]["fps"] == 30.0 and d["quality"]["video"]["rotation_deg"] == 0
    assert d["quality"]["warnings"][0] == "other" and "variable frame rate" in d["quality"]["warnings"][1]
    turned = video.with_video_quality({"quality": {}}, video.probe(clips["portrait"]))
    assert turned["quality"]["video"]["rotation_deg"] == 90


def test_too_many_frames_are_refused_from_the_header(monkeypatch):
    monkeypatch.setattr(video, "MAX_FRAMES", 100)  # the sample declares 181
    with pytest.raises(BadInput, match=r"too many frames \(181; at most 100"):
        video.probe(SLR)
