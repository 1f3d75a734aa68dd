"""Video probing: every kind of bad file gives a one-line reason, not a crash."""

import cv2
import numpy as np
import pytest

from rom.capture import video
from rom.core.errors import BadInput


def _write_clip(path, n=10, size=(160, 120), fps=25.0):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(n):
        w.write(np.full((size[1], size[0], 3), i * 10 % 255, np.uint8))
    w.release()


def test_probe_reads_properties(tmp_path):
    p = tmp_path / "ok.mp4"
    _write_clip(p)
    info = video.probe(p)
    assert (info.width, info.height, info.fps) == (160, 120, 25.0)
    assert info.n_frames == 10
    frames = list(video.iter_frames(info))
    assert len(frames) == 10 and frames[0][1].shape == (120, 160, 3)


@pytest.mark.parametrize("make, reason", [
    (lambda p: None, "no such file"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_text("this is not a video\n" * 20), "text"),
    (lambda p: p.write_bytes(b"ID3" + bytes(range(256)) * 8), "not a readable video"),
])
def test_bad_files(tmp_path, make, reason):
    p = tmp_path / "clip.mp4"
    make(p)
    with pytest.raises(BadInput, match=reason):
        video.probe(p)


def test_a_folder_is_not_a_video(tmp_path):
    with pytest.raises(BadInput, match="folder"):
        video.probe(tmp_path)


def test_a_truncated_video(tmp_path):
    p = tmp_path / "full.mp4"
    _write_clip(p, n=30)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(BadInput):
        video.probe(cut)


def test_a_still_image(tmp_path):
    p = tmp_path / "photo.mp4"
    cv2.imwrite(str(tmp_path / "photo.png"), np.zeros((50, 50, 3), np.uint8))
    (tmp_path / "photo.png").rename(p)
    with pytest.raises(BadInput, match="still image|not a readable"):
        video.probe(p)


@pytest.mark.slow
def test_large_frames_are_scaled_down_for_the_pose_model(tmp_path):
    p = tmp_path / "big.mp4"
    _write_clip(p, n=2, size=(3840, 2160))
    info = video.probe(p)
    assert video.scale_of(info) == pytest.approx(1920 / 3840)
    _, frame = next(video.iter_frames(info))
    assert frame.shape == (1080, 1920, 3)


def test_writer_is_atomic(tmp_path):
    target = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError):
        with video.VideoWriter(target, 25.0, (64, 48)) as w:
            w.write(np.zeros((48, 64, 3), np.uint8))
            raise RuntimeError("killed")
    assert not target.exists() and not list(tmp_path.iterdir())
    with video.VideoWriter(target, 25.0, (64, 48)) as w:
        w.write(np.zeros((48, 64, 3), np.uint8))
    assert target.exists()


def test_frames_are_the_pixels_pyav_converts_each_frame_to(samples_dir):
    # One converter for the whole stream (set up once) must give exactly what a converter of the
    # frame's own gives: the same colours, the same upright picture.
    import av

    path = samples_dir / "slr_avg_male_L_near_60.mp4"
    with av.open(str(path)) as c:
        own = [(f.to_ndarray(format="rgb24"), f.to_ndarray(format="bgr24"))
               for _, f in zip(range(12), c.decode(c.streams.video[0]))]
    info = video.probe(path)
    rgb = [img for _, img in zip(range(12), (im for _, im in video.iter_frames(info)))]
    bgr = [img for _, img in zip(range(12), video.iter_bgr(info))]
    assert len(rgb) == len(bgr) == 12
    for (want_rgb, want_bgr), got_rgb, got_bgr in zip(own, rgb, bgr):
        assert np.array_equal(got_rgb, want_rgb) and np.array_equal(got_bgr, want_bgr)
