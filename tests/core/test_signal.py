"""Signal cleaning: gaps, outliers, plateaus, zero-phase and live low-pass."""

import numpy as np
import pytest

from rom.core import signal as s

FPS = 30.0


def test_fill_gaps_interpolates_short_interior_gaps_only():
    x = np.array([0.0, 1.0, np.nan, 3.0, np.nan, np.nan, np.nan, np.nan, 8.0, np.nan])
    y = s.fill_gaps(x, max_gap=2)
    assert y[2] == pytest.approx(2.0)
    assert np.isnan(y[4:8]).all()  # 4 missing > max_gap
    assert np.isnan(y[9])  # trailing gap stays


def test_reject_outliers_removes_spikes_but_keeps_a_ramp():
    t = np.arange(90) / FPS
    x = 20 * t
    x[40] += 25.0
    y = s.reject_outliers(x, window=7, min_deviation=3.0)
    assert np.isnan(y[40])
    assert np.isfinite(np.delete(y, 40)).all()


def test_remove_plateaus_removes_a_stretch_that_jumps_away_and_back():
    x = np.linspace(0, 30, 60)
    x[20:32] += 35.0  # a landmark misplaced for 0.4 s
    y = s.remove_plateaus(x, FPS)
    assert np.isnan(y[20:32]).all()
    assert np.isfinite(y[:20]).all() and np.isfinite(y[32:]).all()


def test_remove_plateaus_keeps_a_fast_but_physical_movement():
    t = np.arange(60) / FPS
    x = 90 * (0.5 - 0.5 * np.cos(np.pi * np.clip(t / 0.5, 0, 1)))  # 90 degrees in 0.5 s
    assert np.isfinite(s.remove_plateaus(x, FPS)).all()


def test_a_spike_before_a_fast_bend_does_not_cut_the_bend_out():
    # The knee trace of fit-slr-042 (samples/validation): one frame read 13 degrees
    # hyperextended just before the knee bends 30 degrees in 0.8 s, and two frames read far off
    # at the end of the bend. Only those three frames are spikes; the bend stays.
    bend = np.r_[np.zeros(30), np.linspace(10, 32, 24), np.full(10, 32.0), np.linspace(30, 0, 26)]
    x = bend.copy()
    x[29] = -12.2
    x[54:56] = (-15.6, -10.9)
    y = s.remove_plateaus(x, FPS)
    assert np.isnan(y[29]) and np.isnan(y[54:56]).all()
    keep = np.ones(len(x), bool)
    keep[[29, 54, 55]] = False
    np.testing.assert_array_equal(y[keep], bend[keep])


def test_true_readings_flickering_inside_a_misplaced_stretch_are_kept():
    # The knee of slr_heavy_male_L_near_50_clinic_cam: read 28 degrees too high for 0.5 s, with two
    # frames of the true straight knee in between. Those two are not spikes (their neighbours
    # disagree); the stretch around them goes, so the gaps left are short enough to bridge.
    x = np.zeros(60)
    x[20:36] = 28.0 + np.arange(16) % 3
    x[26], x[28] = -3.1, -5.2
    y = s.remove_plateaus(x, FPS)
    assert y[26] == -3.1 and y[28] == -5.2
    assert np.isnan(np.delete(y[20:36], [6, 8])).all()
    assert np.isfinite(y[:20]).all() and np.isfinite(y[36:]).all()


def test_lowpass_is_zero_phase_and_keeps_nan():
    t = np.arange(120) / FPS
    x = 40 * np.exp(-((t - 2.0) / 0.5) ** 2)  # a peak at 2 s
    x[5] = np.nan
    y = s.lowpass(x, FPS, 4.0)
    assert np.isnan(y[5])
    assert t[np.nanargmax(y)] == pytest.approx(2.0, abs=1 / FPS)  # no lag
    assert np.nanmax(y) == pytest.approx(40.0, abs=1.0)  # peak kept


def test_clean_reduces_noise():
    rng = np.random.default_rng(0)
    t = np.arange(180) / FPS
    truth = 60 * (0.5 - 0.5 * np.cos(np.pi * np.clip(t / 3, 0, 1)))
    noisy = truth + rng.normal(0, 2.0, len(t))
    err = np.abs(s.clean(noisy, FPS) - truth)
    assert err.mean() < 1.0  # white noise of 2 deg, 4 Hz cut-off at 30 fps: about 0.85
    assert np.abs(noisy - truth).mean() > 1.4


def test_finite_runs():
    assert s.finite_runs(np.array([np.nan, 1, 2, np.nan, 3])) == [(1, 3), (4, 5)]


def test_live_lowpass_starts_at_the_first_value_and_holds_on_nan():
    f = s.LiveLowpass(FPS, 3.0)
    assert f(10.0) == pytest.approx(10.0)
    held = f(np.nan)
    assert held == pytest.approx(10.0)
    for _ in range(60):
        y = f(20.0)
    assert y == pytest.approx(20.0, abs=0.1)


def test_running_median_removes_a_short_glitch_and_keeps_the_gaps():
    x = np.full(30, 10.0)
    x[10:13] = -20.0  # a 3-frame flip
    x[20:23] = np.nan
    m = s.running_median(x, 9)
    assert np.allclose(m[np.isfinite(x)], 10.0)
    assert np.isnan(m[20:23]).all()
    mostly_missing = np.full(30, np.nan)
    mostly_missing[[5, 14]] = 3.0
    assert np.isnan(s.running_median(mostly_missing, 9)).all()  # 1 of 9 finite: no median
