"""Three raises in one real video: a sample clip's frames written three times over into a temporary
file (never committed), measured by the real pose model; each trial against the clip's truth."""

import json

import av
import pytest

from rom.analysis import Options, analyze_video

pytestmark = pytest.mark.slow

CLIP = "slr_avg_male_L_near_60"  # starts and ends at rest (4.7 degrees), knee bends at 60.9
REPEATS = 3


def write_repeated(src, dst, times: int) -> int:
    """Write the frames of src `times` times over into dst (H.264, near lossless). Returns the
    frames per repeat."""
    with av.open(str(src)) as c:
        stream = c.streams.video[0]
        rate = stream.average_rate or 30
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(stream)]
    h, w = frames[0].shape[:2]
    with av.open(str(dst), "w") as out:
        s = out.add_stream("libx264", rate=rate)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"crf": "12", "preset": "veryfast"}
        for _ in range(times):
            for rgb in frames:
                out.mux(s.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(s.encode())
    return len(frames)


@pytest.fixture(scope="module")
def three_raises(samples_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("trials") / f"{CLIP}_x{REPEATS}.mp4"
    n = write_repeated(samples_dir / f"{CLIP}.mp4", path, REPEATS)
    truth = json.loads((samples_dir / f"{CLIP}.truth.json").read_text())
    return analyze_video(path, Options(test="slr")).result, truth, n / truth["fps"]


def test_each_of_three_raises_is_measured_within_its_interval(three_raises):
    result, truth, clip_s = three_raises
    assert [t.number for t in result.trials] == [1, 2, 3]
    for k, t in enumerate(result.trials):
        assert t.refused is None, t.refused
        lo, hi = t.slr_angle_ci95_deg
        assert lo <= truth["slr_angle_deg"] <= hi, (t.number, t.slr_angle_deg, truth["slr_angle_deg"])
        assert t.slr_angle_deg == pytest.approx(truth["slr_angle_deg"], abs=3.0)
        assert t.knee_bend_onset_s == pytest.approx(truth["knee_bend_onset_s"] + k * clip_s, abs=0.2)
        assert k * clip_s <= t.start_s < t.knee_bend_onset_s < t.peak_s < t.end_s <= (k + 1) * clip_s
    s = result.summary()
    assert s.included == (1, 2, 3)
    assert s.mean_slr_angle_deg == pytest.approx(truth["slr_angle_deg"], abs=2.0)
    assert s.sd_deg < 2.0
    d = result.to_dict()
    assert d["headline"] == {"slr_angle_deg": "first_trial", "trial": 1}
    assert d["slr_angle_deg"] == d["trials"][0]["slr_angle_deg"]
    print("three raises:", [round(t.slr_angle_deg, 1) for t in result.trials], "truth", truth["slr_angle_deg"],
          "intervals", [tuple(round(v, 1) for v in t.slr_angle_ci95_deg) for t in result.trials])
