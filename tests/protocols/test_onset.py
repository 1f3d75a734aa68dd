"""Knee-bend confirmation and trace-back on synthetic knee-angle series."""

import numpy as np
import pytest

from rom.core import signal
from rom.protocols.slr import onset

FPS = 30.0


def _bend(n=180, start=90, dur_s=1.0, amount=30.0, base=-6.0, noise=0.0, drift=0.0, seed=0):
    i = np.arange(n, dtype=float)
    x = base + drift * (i - start) / FPS * (i < start) + amount * onset.ease((i - start) / (dur_s * FPS))
    return x + np.random.default_rng(seed).normal(0, noise, n)


def test_ease_is_a_smooth_step():
    assert onset.ease(np.array([-1.0, 0.0, 0.5, 1.0, 2.0])) == pytest.approx([0, 0, 0.5, 1, 1])


@pytest.mark.parametrize("seed", range(5))
def test_onset_is_traced_back_to_where_the_bend_starts(seed):
    x = _bend(noise=1.5, drift=3.0, seed=seed)
    smooth = signal.clean(x, FPS, cutoff_hz=5.0)
    bend = onset.find_knee_bend(smooth, x, 0, len(x), FPS, threshold_deg=10.0)
    assert bend is not None
    # The threshold is crossed ~0.4 s after the start; the fit must find the start itself.
    assert bend.confirmed / FPS > 3.0 + 0.3
    assert bend.onset / FPS == pytest.approx(3.0, abs=0.1)
    assert bend.amount_deg == pytest.approx(30.0, abs=4.0)


def test_no_bend_when_the_knee_stays_straight():
    x = _bend(amount=0.0, noise=2.0)
    assert onset.find_knee_bend(signal.clean(x, FPS), x, 0, len(x), FPS) is None


def test_a_brief_glitch_is_not_a_bend():
    x = _bend(amount=0.0, noise=0.5)
    x[60:66] += 25.0  # 0.2 s of a misplaced ankle
    assert onset.confirm_bend(signal.lowpass(x, FPS, 5.0), 0, len(x), 10.0, FPS) is None


def test_a_small_bend_below_threshold_is_not_confirmed():
    x = _bend(amount=7.0)
    assert onset.confirm_bend(x, 0, len(x), 10.0, FPS) is None


def test_fit_handles_gaps():
    x = _bend(noise=1.0)
    x[80:86] = np.nan
    t0, dur, amount, rms = onset.fit_bend(x, 110, 60, 150, FPS)
    assert t0 / FPS == pytest.approx(3.0, abs=0.1)
    assert rms < 2.0


def test_a_knee_read_hyperextended_then_straight_again_is_no_bend_above_the_resting_floor():
    # Straight at rest (+1), read 12 degrees "hyperextended" while the leg rises (the far leg's
    # hip landmark lags), back to +1, then a true 35-degree bend from t = 5 s.
    n = 240
    t = np.arange(n) / FPS
    x = 1.0 - 13.0 * (onset.ease((t - 1.5) / 0.5) - onset.ease((t - 3.0) / 0.5)) + 35.0 * onset.ease((t - 5.0) / 1.0)
    x = x + np.random.default_rng(3).normal(0, 1.0, n)
    smooth = signal.clean(x, FPS, cutoff_hz=5.0)
    early = onset.find_knee_bend(smooth, x, 0, n, FPS, threshold_deg=10.0)
    assert early is not None and early.onset / FPS < 4.0  # the running baseline alone is fooled
    bend = onset.find_knee_bend(smooth, x, 0, n, FPS, threshold_deg=10.0, floor_deg=1.0)
    assert bend is not None
    assert bend.onset / FPS == pytest.approx(5.0, abs=0.15)


def test_the_onset_spread_says_how_loosely_the_knee_trace_pins_the_start():
    """A sharp bend on a quiet knee trace pins its start to a frame or two; the same bend on a
    trace with 4 degrees of noise leaves a wide band of onsets that fit about as well, which widens
    the SLR angle's interval (rom.protocols.slr.measure)."""
    n = 150
    t = np.arange(n)
    bend = 30.0 * onset.ease((t - 80) / 15.0)
    rng = np.random.default_rng(3)
    quiet = bend + rng.normal(0.0, 0.3, n)
    noisy = bend + rng.normal(0.0, 4.0, n)
    *_, sharp = onset.fit_bend_spread(quiet, 95, 60, 130, FPS)
    t0, *_, loose = onset.fit_bend_spread(noisy, 95, 60, 130, FPS)
    assert sharp <= 2.0 / FPS
    assert loose >= 4.0 * sharp and loose >= 0.1
    assert abs(t0 - 80) <= loose * FPS  # the best onset lies within its own band
    assert onset.fit_bend(quiet, 95, 60, 130, FPS) == onset.fit_bend_spread(quiet, 95, 60, 130, FPS)[:4]
