"""Property-based tests of the engine (hypothesis): random, noisy, NaN-filled and gappy landmark
series never make `analyze_slr` or `analyze_hinge` raise anything but NotMeasurable; a result is
always finite numbers in range (angles within -30..180 degrees, the 95% interval around the angle,
times inside the clip) and clean JSON.

Series come from the stick figures of tests/synthetic.py (lying) and tests/protocols/test_hinge.py
(standing) with random protocols, camera roll, pixel noise, lost frames, lost landmarks, wild
outliers and odd frame rates, and from landmarks thrown anywhere at random.

Reproduce: .venv/bin/python -m pytest tests/core/test_engine_properties.py -v
(a failure prints the falsifying example; hypothesis keeps it in .hypothesis/ and tries it first).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic import slr_profile, supine_series
from test_hinge import hinge_profile, standing_series

from rom.core import back_contour
from rom.core.errors import NotMeasurable
from rom.core.landmarks import N_LANDMARKS, LandmarkSeries
from rom.protocols.hinge.measure import FLAGS as HINGE_FLAGS
from rom.protocols.hinge.measure import analyze_hinge
from rom.protocols.slr.measure import analyze_slr

SLR_FLAGS = {"knee_bend_not_reached", "contralateral_leg_lift", "pelvic_tilt"}
LOW, HIGH = -30.0, 180.0
PROPERTIES = settings(max_examples=60, deadline=None, derandomize=False,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FPS = st.sampled_from([5.0, 12.0, 24.0, 30.0, 60.0, 120.0])


# --- damage done to a clean series ---------------------------------------------------------------

@st.composite
def damage(draw, series: LandmarkSeries) -> LandmarkSeries:
    """Lost frames, lost landmarks, outliers and random visibilities on top of a series."""
    n = len(series)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    xy, vis, z = series.xy_px.copy(), series.visibility.copy(), series.z.copy()
    if n:
        lost = rng.random(n) < draw(st.sampled_from([0.0, 0.05, 0.3, 0.6, 0.95]))
        if draw(st.booleans()):  # one long gap
            a = draw(st.integers(0, n - 1))
            lost[a:a + draw(st.integers(1, max(1, n // 2)))] = True
        xy[lost], z[lost], vis[lost] = np.nan, np.nan, 0.0
        points = rng.random((n, N_LANDMARKS)) < draw(st.sampled_from([0.0, 0.02, 0.2]))
        xy[points] = np.nan
        spikes = rng.random((n, N_LANDMARKS)) < draw(st.sampled_from([0.0, 0.01, 0.05]))
        xy[spikes] += rng.normal(0.0, draw(st.sampled_from([20.0, 300.0, 1e5])), (int(spikes.sum()), 2))
        if draw(st.booleans()):
            vis = np.where(np.isfinite(xy[..., 0]), rng.random(vis.shape), 0.0)
    return replace(series, xy_px=xy, z=z, visibility=vis)


@st.composite
def lying(draw) -> LandmarkSeries:
    fps = draw(FPS)
    profile, _ = slr_profile(onset_deg=draw(st.floats(5, 100)), overshoot_deg=draw(st.floats(0, 30)),
                             knee_bend_deg=draw(st.floats(0, 70)), rest_deg=draw(st.floats(-5, 20)),
                             rise_s=draw(st.floats(0.3, 5)), fps=fps, knee_bends=draw(st.booleans()),
                             other_lift_deg=draw(st.floats(0, 40)))
    series = supine_series(profile, raised=draw(st.sampled_from(["left", "right"])), head_left=draw(st.booleans()),
                           roll_deg=draw(st.floats(-25, 25)), noise_px=draw(st.sampled_from([0.0, 1.0, 5.0, 20.0])),
                           hyperextension_deg=draw(st.floats(0, 15)), seed=draw(st.integers(0, 1000)), fps=fps)
    return draw(damage(series))


@st.composite
def standing(draw) -> LandmarkSeries:
    """test_hinge's standing figure (30 frames/s) bending 0-3 times, knees straight, bent or noisy."""
    depths = draw(st.lists(st.floats(0, 120), min_size=0, max_size=3))
    hip, _ = hinge_profile(depths=tuple(depths), down_s=draw(st.floats(0.2, 2.0)))
    knee = draw(st.sampled_from([None, "bend", "noise"]))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    knee_deg = None if knee is None else (0.4 * hip if knee == "bend" else rng.normal(5, 10, len(hip)))
    n = len(hip)
    back = None
    if draw(st.booleans()):  # the back's outline: random features, some frames unmeasured
        back = rng.normal(0.0, draw(st.sampled_from([1.0, 30.0])), (n, back_contour.N_FEATURES))
        back[rng.random(n) < 0.3] = np.nan
        back[:, 0] = rng.choice([-1.0, 1.0, np.nan], n)  # which way the outline was scanned
    series = standing_series(hip, knee_deg, facing=draw(st.sampled_from([1.0, -1.0])),
                             noise_px=draw(st.sampled_from([0.0, 1.0, 5.0, 20.0])), back=back,
                             seed=draw(st.integers(0, 1000)))
    return draw(damage(series))


@st.composite
def anywhere(draw) -> LandmarkSeries:
    """Landmarks thrown anywhere (or nowhere): frames of nonsense, a frozen figure, NaN."""
    n = draw(st.integers(0, 90))
    fps = draw(FPS)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["uniform", "frozen", "collapsed", "nan"]))
    if kind == "uniform":
        xy = rng.uniform(-200, 900, (n, N_LANDMARKS, 2))
    elif kind == "frozen":
        xy = np.broadcast_to(rng.uniform(0, 640, (1, N_LANDMARKS, 2)), (n, N_LANDMARKS, 2)).copy()
    elif kind == "collapsed":  # every landmark on one point: zero-length limbs
        xy = np.full((n, N_LANDMARKS, 2), 320.0)
    else:
        xy = np.full((n, N_LANDMARKS, 2), np.nan)
    back = rng.normal(0, 10, (n, back_contour.N_FEATURES)) if draw(st.booleans()) else None
    series = LandmarkSeries(t_s=np.arange(n) / fps, xy_px=xy, z=rng.normal(0, 0.2, (n, N_LANDMARKS)),
                            visibility=rng.random((n, N_LANDMARKS)), world_m=np.zeros((n, N_LANDMARKS, 3)),
                            image_size=(640, 480), fps=fps, back=back)
    return draw(damage(series))


# --- what every result must be ------------------------------------------------------------------

def _angle(x, what: str) -> None:
    assert x is not None and math.isfinite(x) and LOW <= x <= HIGH, f"{what} = {x}"


def _time(t, series: LandmarkSeries, what: str) -> None:
    duration = (len(series) - 1) / series.fps
    assert t is not None and math.isfinite(t) and -1e-9 <= t <= duration + 1e-9, f"{what} = {t} (clip {duration} s)"


def check_slr(series: LandmarkSeries) -> None:
    try:
        r = analyze_slr(series)
    except NotMeasurable as e:
        assert str(e).strip(), "a refusal needs a reason"
        return
    _angle(r.slr_angle_deg, "slr_angle_deg")
    _angle(r.max_hip_flexion_deg, "max_hip_flexion_deg")
    lo, hi = r.slr_angle_ci95_deg
    assert math.isfinite(lo) and math.isfinite(hi) and lo <= r.slr_angle_deg <= hi, r.slr_angle_ci95_deg
    if r.knee_bend_onset_s is not None:
        _time(r.knee_bend_onset_s, series, "knee_bend_onset_s")
        _time(r.knee_bend_confirmed_s, series, "knee_bend_confirmed_s")
        assert r.knee_bend_confirmed_s >= r.knee_bend_onset_s - 1e-9
    else:
        assert "knee_bend_not_reached" in r.flags
    assert r.side in ("left", "right") and set(r.flags) <= SLR_FLAGS
    assert 0.0 <= r.quality.detected_fraction <= 1.0
    json.dumps(r.to_dict(), allow_nan=False)  # nothing that is not JSON (NaN) reaches the edge


def check_hinge(series: LandmarkSeries) -> None:
    try:
        r = analyze_hinge(series)
    except NotMeasurable as e:
        assert str(e).strip(), "a refusal needs a reason"
        return
    assert r.reps, "a result has at least one repetition"
    for rep in r.reps:
        _time(rep.start_s, series, "start_s")
        _time(rep.end_s, series, "end_s")
        assert rep.start_s <= rep.bottom_s <= rep.end_s, (rep.start_s, rep.bottom_s, rep.end_s)
        _angle(rep.max_hip_flexion_deg, "max_hip_flexion_deg")
        lo, hi = rep.max_hip_flexion_ci95_deg
        assert math.isfinite(lo) and lo <= rep.max_hip_flexion_deg <= hi and math.isfinite(hi)
        for value, what in ((rep.max_trunk_inclination_deg, "trunk inclination"),
                            (rep.max_knee_flexion_deg, "knee flexion")):
            if math.isfinite(value):
                _angle(value, what)
            else:  # not measured: then the warnings say so
                assert any(f"the {what} was not measured" in w for w in r.quality.warnings), r.quality.warnings
        assert set(rep.flags) <= set(HINGE_FLAGS)
        for p in rep.confidence.values():
            assert p is None or (math.isfinite(p) and p >= 0), rep.confidence
    assert r.side in ("left", "right") and set(r.flags) <= set(HINGE_FLAGS)
    json.dumps(r.to_dict(), allow_nan=False)


@pytest.mark.slow
@PROPERTIES
@given(lying())
def test_slr_on_a_lying_figure_is_measured_in_range_or_refused(series):
    check_slr(series)


@pytest.mark.slow
@PROPERTIES
@given(standing())
def test_hinge_on_a_standing_figure_is_measured_in_range_or_refused(series):
    check_hinge(series)


@PROPERTIES
@given(st.one_of(anywhere(), standing()))
def test_slr_on_nonsense_or_a_standing_figure_is_refused_or_in_range(series):
    check_slr(series)


@pytest.mark.slow
@PROPERTIES
@given(st.one_of(anywhere(), lying()))
def test_hinge_on_nonsense_or_a_lying_figure_is_refused_or_in_range(series):
    check_hinge(series)


def test_clean_figures_are_measured_not_refused():
    """The properties hold for refusals too: make sure the strategies' clean cases are measured."""
    p, on = slr_profile(onset_deg=60.0)
    r = analyze_slr(supine_series(p, noise_px=1.0))
    assert abs(r.slr_angle_deg - p["thigh"][on]) < 2.0
    hip, reps = hinge_profile(depths=(80.0, 60.0))
    assert len(analyze_hinge(standing_series(hip, noise_px=1.0)).reps) == len(reps)
