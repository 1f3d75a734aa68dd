"""The slump test's analysis on synthetic seated bodies with exact angles (tests/slump_synthetic.py):
the steps and their times, the tested leg by geometry, the knee's end range, after the release and the
gain, the flag, the symptom marks, the refusals, the live cues in order, and the views."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from slump_synthetic import seated_series, slump_profile
from synthetic import slr_profile, supine_series

from rom import protocols
from rom.core.errors import NotMeasurable
from rom.protocols.base import Chart, Drawing, Marks, TextSummary
from rom.protocols.slump.live import SlumpLive
from rom.protocols.slump.measure import SlumpConfig, analyze_slump
from rom.protocols.slump.words import CUES

# The synthetic figure is drawn exactly: the analysis without the corrections fitted for the pose
# model's readings (the knee's bias, the gain's scale, the head pitch read short, the foot's line),
# and a far leg measured (corrected by nothing) rather than refused.
EXACT = SlumpConfig(near_knee_bias_deg=0.0, far_knee_bias_deg=0.0, gain_scale=1.0, head_true_slope=1.0,
                    ankle_scale=1.0, ankle_offset_deg=0.0, refuse_far_leg=False)


def analyze(series, **kw):
    return analyze_slump(series, "x", config=replace(EXACT, **kw.pop("config", {})), **kw)


@cache
def _case(tested="near", facing=1.0, **kw):
    profile, phases = slump_profile(**kw)
    return profile, phases, seated_series(profile, tested=tested, facing=facing, noise_px=0.5)


@pytest.mark.slow
@pytest.mark.parametrize("tested,facing,side", [("near", 1.0, "right"), ("far", 1.0, "left"),
                                                ("near", -1.0, "left"), ("far", -1.0, "right")])
def test_the_tested_leg_is_the_knee_that_straightens(tested, facing, side):
    _, _, series = _case(tested, facing)
    r = analyze(series)
    assert (r.side, r.tested_leg, r.facing) == (side, tested, "right" if facing > 0 else "left")
    # the labels say nothing: the series with every frame's left and right swapped gives the same leg
    swapped = analyze(series.swap_sides(np.ones(len(series), bool)))
    assert swapped.side == side and swapped.knee_flexion_end_deg == pytest.approx(r.knee_flexion_end_deg, abs=0.5)


def test_every_step_is_found_in_order_at_its_time():
    profile, phases, series = _case()
    r = analyze(series)
    assert list(r.phases) == ["upright", "slump", "neck_flexion", "knee_extension", "ankle_dorsiflexion",
                              "neck_release", "return"]
    for name, (a, b) in phases.items():
        got = r.phases[name]
        assert got[0] == pytest.approx(a, abs=0.1) and got[1] == pytest.approx(b, abs=0.1), name
    assert r.end_range_s == pytest.approx(phases["knee_extension"][1], abs=0.1)
    assert all(v is not None for v in r.components.values())


def test_no_ankle_step_when_the_foot_stays_relaxed():
    _, phases, series = _case(ankle_deg=0.0, release_gain=8.0)
    r = analyze(series)
    assert "ankle_dorsiflexion" not in r.phases and "ankle_dorsiflexion" not in phases
    assert r.components["ankle_dorsiflexion"] is None
    assert np.isnan(r.max_ankle_dorsiflexion_deg)
    assert r.to_dict()["components"]["ankle_dorsiflexion"] == {"done": False, "deg": None}


@pytest.mark.slow
def test_knee_end_range_release_and_gain():
    _, _, series = _case(end_knee=25.0, release_gain=8.0)
    r = analyze(series)
    assert r.knee_flexion_end_deg == pytest.approx(25.0, abs=1.0)
    assert r.knee_flexion_release_deg == pytest.approx(17.0, abs=1.0)
    assert r.release_gain_deg == pytest.approx(8.0, abs=1.0)
    for value, (lo, hi) in ((r.knee_flexion_end_deg, r.knee_flexion_end_ci95_deg),
                            (r.release_gain_deg, r.release_gain_ci95_deg)):
        assert lo < value < hi
    assert r.flags == ("neck_release_gain",)


@pytest.mark.slow
def test_no_flag_without_a_gain_and_the_threshold_is_configurable():
    _, _, still = _case()
    assert analyze(still).flags == ()
    _, _, small = _case(release_gain=4.0)
    assert analyze(small, config={"release_gain_threshold_deg": 3.0}).flags == ("neck_release_gain",)
    assert analyze(small, config={"release_gain_threshold_deg": 6.0}).flags == ()


def test_spine_neck_and_ankle_angles():
    profile, _, series = _case(slump_deg=40.0, neck_deg=30.0, ankle_deg=15.0)
    r = analyze(series)
    assert r.max_spine_flexion_deg == pytest.approx(40.0, abs=3.0)
    assert r.max_neck_flexion_deg == pytest.approx(30.0, abs=4.0)
    assert r.max_ankle_dorsiflexion_deg == pytest.approx(15.0, abs=2.0)
    spine = r.frames.columns["spine_flexion_deg"]
    assert np.nanmean(np.abs(spine - profile["spine"])) < 2.0


@pytest.mark.slow
def test_a_far_tested_leg_is_refused_with_the_reason_by_default():
    with pytest.raises(NotMeasurable, match="the camera's far leg") as e:
        analyze_slump(_case("far")[2], "x")
    assert "film from the left side" in str(e.value)
    assert analyze_slump(_case("near")[2], "x").tested_leg == "near"


@pytest.mark.slow
def test_a_far_tested_leg_measured_anyway_is_corrected_and_said_so():
    _, _, series = _case("far")
    plain = analyze(series)
    corrected = analyze(series, config={"far_knee_bias_deg": 9.0})
    assert corrected.knee_flexion_end_deg == pytest.approx(plain.knee_flexion_end_deg + 9.0, abs=0.01)
    assert any("far leg" in w for w in corrected.quality.warnings)
    near = analyze(_case("near")[2])
    width = (np.diff(corrected.knee_flexion_end_ci95_deg)[0], np.diff(near.knee_flexion_end_ci95_deg)[0])
    assert width[0] > width[1]


def test_symptom_marks_give_the_angles_there():
    profile, phases, series = _case(end_knee=30.0)
    at = phases["knee_extension"][1] + 0.2  # at end range, in full slump
    r = analyze(series, marks=Marks((at, 6.0)))
    first = r.first_mark
    assert first.t_s == at and first.phase == "knee_extension"
    assert first.knee_flexion_deg == pytest.approx(30.0, abs=1.5)
    assert first.neck_flexion_deg > 30.0
    d = r.to_dict()
    assert d["symptom_s"] == round(at, 2) and d["symptom_knee_flexion_deg"] == pytest.approx(30.0, abs=1.5)
    assert len(d["symptom_marks"]) == 2
    json.dumps(d)
    assert "clinician" in d["clinical_call"]


def test_a_lying_or_standing_body_is_refused_with_the_reason():
    profile, _ = slr_profile()
    with pytest.raises(NotMeasurable, match="not a seated slump test"):
        analyze_slump(supine_series(profile), "slr.mp4")


def test_sitting_still_is_refused_no_knee_extension():
    _, _, series = _case(end_knee=78.0, release_gain=0.0)
    with pytest.raises(NotMeasurable, match="no knee extension"):
        analyze(series)


@pytest.mark.slow
def test_live_cues_come_in_the_tests_order():
    _, phases, series = _case(release_gain=6.0)
    live = SlumpLive(None, series.fps, SlumpConfig())
    cues, events = [], []
    from rom.core.landmarks import PoseEstimate

    for i in range(len(series)):
        est = PoseEstimate(series.xy_px[i], series.z[i], series.visibility[i], series.world_m[i])
        f = live.update(est, float(series.t_s[i]))
        cues.append(f.cues[-1])
        events += [(e, float(series.t_s[i])) for e in f.events]
    said = [c for k, c in enumerate(cues) if k == 0 or c != cues[k - 1]]
    order = [CUES[k] for k in ("slump", "neck_flexion", "knee_extension", "ankle_dorsiflexion", "neck_release")]
    assert [c for c in said if c in order] == order
    # each step is said done once, after its end, in the test's order (as offline)
    assert [e for e, _ in events] == list(phases)[1:]
    for name, t in events:
        assert phases[name][1] <= t <= phases[name][1] + 0.6
    assert live.angle_at(phases["knee_extension"][1] + 0.2) == pytest.approx(30.0, abs=2.0)


@pytest.mark.slow
def test_live_smooths_only_the_newest_frames_and_gets_the_offline_smoothing_of_all():
    # Three runs of the test back to back (27 s), landmark noise and dropped frames: the live smoothing,
    # redone only from CONTEXT_S before its last end, equals the offline smoothing of every frame so far.
    from rom.core import signal
    from rom.core.landmarks import PoseEstimate
    from rom.protocols.slump.live import CONTEXT_S

    series = seated_series(slump_profile(release_gain=6.0)[0], noise_px=1.5, seed=3)
    n = len(series)
    live = SlumpLive(None, series.fps, SlumpConfig())
    for k in range(3 * n):
        i = k % n
        est = None if k % 97 in (40, 41, 42) else PoseEstimate(series.xy_px[i], series.z[i], series.visibility[i],
                                                                 series.world_m[i])
        live.update(est, k / series.fps)
    assert 3 * n / series.fps > 4 * CONTEXT_S
    smoothed = live._cleaned()
    for key, raw in live.raw.items():
        full = signal.clean(np.array(raw, float), series.fps, live.config.cutoff_hz)
        assert np.array_equal(np.isnan(smoothed[key]), np.isnan(full)), key
        assert np.nanmax(np.abs(smoothed[key] - full)) < 1e-9, key


def test_the_protocol_declares_its_posture_and_views():
    p = protocols.get("slump")
    assert p.posture == "sitting" and p.segmentation and p.pain_marks
    assert "hands behind your back" in p.posture_cue
    r = analyze(_case(release_gain=6.0)[2])
    s = p.text_summary(r)
    assert isinstance(s, TextSummary) and "clinician" in " ".join(s.interpretation)
    assert isinstance(p.plot(r), Chart) and isinstance(p.drawing(r), Drawing)
    figures = p.batch_figures(r.to_dict())
    assert set(p.batch_columns) <= set(figures) and p.headline in figures
    it = p.interpretation()
    text = " ".join(it.sentences(r.to_dict(), None, it.thresholds()))
    assert "Steps seen" in text and "clinician" in text and "further" in text
    fhir = it.fhir(r.to_dict(), None, r.side, it.thresholds())
    assert fhir["value"] == (r.to_dict()["knee_flexion_end_deg"], "deg") and fhir["interpretation"] is None
    notable, sentence = it.side_difference(30.0, 18.0, it.thresholds())
    assert notable and "left knee" in sentence
    assert not it.side_difference(30.0, 26.0, it.thresholds())[0]


def test_the_camera_check_asks_for_the_tested_leg_nearest_the_camera():
    p = protocols.get("slump")
    _, _, series = _case()  # facing +x: the right side faces the camera
    assert p.posture_advice(series.xy_px[0], "right") == {"posture": None, "tested_leg_near": None}
    advice = p.posture_advice(series.xy_px[0], "left")["tested_leg_near"]
    assert "far leg" in advice and "Film from the left side" in advice
    lying = supine_series(slr_profile()[0]).xy_px[0]
    assert p.posture_advice(lying, "left")["posture"] == p.posture_cue
