"""One clock (`rom.core.timing`): received frames at uneven capture times on a steady clock, and a
live SLR whose frames came late measured on the capture clock (issue 11, point 5)."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import FPS, slr_profile, supine_series

from rom.core.landmarks import PoseEstimate
from rom.core.timing import SteadyClock
from rom.live.session import LiveSession


def test_even_frames_are_their_own_steps():
    c = SteadyClock.of(100.0 + np.arange(50) / 25.0)
    assert c.fps == pytest.approx(25.0)
    np.testing.assert_array_equal(c.taken, np.arange(50))
    np.testing.assert_array_equal(c.step_of, np.arange(50))
    assert not c.uneven and c.warning() is None


def test_each_step_takes_the_frame_nearest_in_time():
    # frames at 0, 0.1, 0.2, then a 0.9 s gap (dropped frames), then steady again
    t = [0.0, 0.1, 0.2, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7]
    c = SteadyClock.of(t)
    assert c.fps == pytest.approx(9 / 1.7)
    steps = c.steady_times
    for k, j in enumerate(c.taken):
        assert abs(t[j] - steps[k]) == pytest.approx(np.min(np.abs(np.array(t) - steps[k])))
    # the gap is filled by the frames on either side of it, never by a frame from elsewhere
    assert set(c.taken) <= set(range(len(t)))
    assert all(abs(steps[s] - t[i]) <= 0.5 / c.fps + 1e-9 for i, s in enumerate(c.step_of))
    assert c.uneven and "unevenly (100 to 900 ms apart)" in c.warning()


def test_a_clock_that_steps_back_keeps_the_order_of_arrival():
    c = SteadyClock.of([0.0, 0.1, 0.05, 0.3])
    assert list(c.times) == [0.0, 0.1, 0.1, 0.3]
    assert np.all(np.diff(c.taken) >= 0)


def test_landmarks_and_relocks_follow_the_steps():
    p, _ = slr_profile(onset_deg=50.0)
    s = supine_series(p)
    t = np.sort(np.random.default_rng(1).uniform(0, len(s) / FPS, len(s)))
    t[0] = 0.0
    received = type(s)(**{**s.__dict__, "t_s": t, "relocks": (40,)})
    c = SteadyClock.of(t)
    steady = c.series(received)
    assert len(steady) == len(c.taken) and steady.fps == c.fps
    np.testing.assert_array_equal(steady.xy_px, s.xy_px[c.taken])
    np.testing.assert_allclose(steady.t_s, np.arange(len(steady)) / c.fps)
    assert steady.relocks == (int(np.searchsorted(c.taken, 40)),)
    with pytest.raises(ValueError, match="capture times"):
        c.series(type(s)(**{**s.__dict__, "xy_px": s.xy_px[:-1], "t_s": t[:-1]}))


def _late_arrivals(n: int) -> np.ndarray:
    """Indices of the truth frames that reach the server: one in three dropped during the rise,
    and two stalls of 0.9 s (frames up to 0.9 s late, as a busy browser sends them)."""
    keep = np.ones(n, bool)
    keep[30:100:3] = False
    keep[45:72] = False  # 0.9 s stall during the rise
    keep[110:137] = False  # 0.9 s stall after the onset
    return np.flatnonzero(keep)


@pytest.mark.slow
def test_a_live_slr_with_late_frames_is_measured_on_the_capture_clock():
    p, onset = slr_profile(onset_deg=50.0, overshoot_deg=15.0)
    s = supine_series(p, noise_px=0.3, seed=3)
    kept = _late_arrivals(len(s))
    session = LiveSession("slr", "left", FPS)
    for i in kept:
        est = PoseEstimate(xy_px=s.xy_px[i], z=s.z[i], visibility=s.visibility[i], world_m=s.world_m[i])
        session.add(est, 50.0 + p["t"][i], (640, 480))
    pain_at = float(p["t"][90])  # capture time of a frame that arrived, seconds from the start
    session.mark_pain(50.0 + pain_at)
    r = session.result()
    assert r.knee_bend_onset_s == pytest.approx(p["t"][onset], abs=0.15)
    assert r.slr_angle_deg == pytest.approx(p["thigh"][onset], abs=3.0)
    assert r.pain_s == pytest.approx(pain_at)
    assert r.pain_angle_deg == pytest.approx(p["thigh"][90], abs=2.5)
    assert any("arrived unevenly" in w for w in r.quality.warnings)
    # the result's frame times are capture times: the hip at each step matches the truth there
    t = r.frames.columns["t_s"]
    hip = r.frames.columns["hip_flexion_deg"]
    truth = np.interp(t, p["t"], p["thigh"])
    assert np.nanmedian(np.abs(hip - truth)) < 2.0
