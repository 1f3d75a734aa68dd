"""What each protocol tells the outputs to show (the views of rom.protocols.base, built in rom/protocols/<test>/
{report,chart,drawing}.py), on hand-built results: the data itself, not its rendering."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from test_overlay import FPS, ONSET, REPS, N, hinge_result, slr_result

from rom import protocols
from rom.protocols.base import Banner, Chart, Drawing, TextSummary, num, row, whole_deg
from rom.protocols.hinge.result import HingeEvents
from rom.protocols.slr.result import SLREvents


def _ake_result():
    from synthetic import supine_series
    from test_ake import EXACT, ake_profile

    from rom.protocols.ake.measure import analyze_ake

    return analyze_ake(supine_series(ake_profile(drift=10.0)[0]), "ake.mp4", config=EXACT)


def test_every_protocol_answers_every_output_hook():
    from slump_synthetic import seated_series, slump_profile

    slump = protocols.get("slump").analyze(seated_series(slump_profile(release_gain=6.0)[0]), "clip.mp4")
    results = {"slr": slr_result(), "hinge": hinge_result(), "ake": _ake_result(), "slump": slump}
    for p in protocols.all_protocols():
        r = results[p.name]
        assert isinstance(p.text_summary(r), TextSummary)
        assert isinstance(p.plot(r), Chart)
        assert isinstance(p.drawing(r), Drawing)
        figures = p.batch_figures(r.to_dict())
        assert set(p.batch_columns) <= set(figures)
        assert p.headline in figures  # the left/right comparison's figure is in the row
        limit, why = p.batch_side_difference
        # the SLR's minimal detectable change (the hinge borrows it); the AKE has none established; the
        # slump's is rom's own measurement noise
        if p.name == "ake":
            assert limit == 10.0 and "no established threshold" in why
        else:
            assert limit == (8.0 if p.name == "slump" else 6.0) and "minimal detectable change" in why


def test_events_stay_out_of_the_json():
    for r in (slr_result(), hinge_result()):
        d = r.to_dict()
        assert "events" not in d
        json.dumps(d)  # plain JSON: no event object leaks into it
    bare = replace(slr_result(), events=SLREvents())
    assert bare.to_dict() == slr_result().to_dict()


def test_slr_events_shift_with_a_trials_window():
    ev = SLREvents(onset=50.5, confirmed=60, peak=70, key=50.5, rest=(0, 19), knee_swapped=frozenset({3, 4}))
    moved = ev.shifted(100)
    assert (moved.onset, moved.confirmed, moved.peak, moved.key, moved.rest) == (150.5, 160, 170, 150.5, (100, 119))
    assert moved.knee_swapped == {103, 104} and moved.foot_swapped == frozenset()
    assert SLREvents().shifted(5) == SLREvents()  # nothing known stays unknown
    assert SLREvents.frames_of(np.array([False, True, False, True])) == {1, 3}
    with np.testing.assert_raises(dataclasses.FrozenInstanceError):
        ev.onset = 1.0


def test_text_helpers():
    assert num(61.04) == "61.0 deg" and num(None) == "n/a" and num(float("nan"), 2, "s") == "n/a"
    assert num(1.6789, 2, "s") == "1.68 s" and num(0.25, 2, "") == "0.25"
    assert row("max hip flexion", "70.0 deg") == "  max hip flexion     70.0 deg"
    assert whole_deg(-0.4) == "0 deg" and whole_deg(float("nan")) == "--" and whole_deg(None) == "--"


def test_slr_text_summary_hides_what_its_lines_say():
    s = protocols.get("slr").text_summary(slr_result(flags=(), bent=False))
    assert "knee_bend_not_reached" in s.hidden_flags
    assert s.lines[0] == "Straight-leg raise (SLR), left leg - clip.mp4"
    assert any("a lower bound of the SLR angle" in sentence for sentence in s.interpretation)


def test_hinge_text_summary_names_its_figures_by_the_protocols_quantities():
    p = protocols.get("hinge")
    s = p.text_summary(hinge_result())
    text = "\n".join(s.lines)
    for key in ("max_hip_flexion_deg", "max_trunk_inclination_deg", "max_knee_flexion_deg", "back_rounding"):
        assert p.quantities[key].label in text
    assert "back rounding" not in text.replace("upper-back rounding", "")
    assert s.flag_where == {"rounded_back": " (rep 2)"}
    assert s.interpretation == ()


def test_slr_chart_marks_the_onset_the_threshold_and_the_reading():
    c = protocols.get("slr").plot(slr_result())
    assert c.title == "Straight-leg raise, left leg"
    assert [s.column for s in c.series][:2] == ["hip_flexion_raw_deg", "hip_flexion_deg"]
    (level,) = c.levels
    assert level.value == 10.0 and level.label.startswith("knee-bend threshold (10 deg")  # rest 0 + 10
    assert [m.t_s for m in c.moments] == [ONSET / FPS, 2.0]  # the onset, the confirmation
    (reading,) = c.readings
    assert (reading.t_s, reading.value, reading.interval) == (ONSET / FPS, 61.0, (58.0, 64.0))
    assert reading.callout.startswith("knee bends at 61.0 deg")
    assert c.note == "flags: other leg lifting"
    never = protocols.get("slr").plot(slr_result(flags=(), bent=False))
    assert never.readings[0].t_s == 70 / FPS and never.readings[0].callout == ""  # at the peak


def test_hinge_chart_has_a_span_per_repetition_and_the_back_on_its_own_axis():
    c = protocols.get("hinge").plot(hinge_result())
    assert [(s.span_s, s.t_mark_s) for s in c.spans] == [((a / FPS, e / FPS), b / FPS) for a, b, e in REPS]
    assert [s.faulty for s in c.spans] == [False, True]
    assert c.spans[1].text == "rep 2: 81 deg\nrounded back"
    assert c.right_axis is not None and c.right_axis.label == "upper-back rounding (deg)"
    assert [(lv.value, lv.axis) for lv in c.levels] == [(20.0, "left"), (18.0, "right")]  # 3 standing + 17
    assert c.y_top_deg == 80.0 * 1.28 and c.y_floor_deg == -5.0
    bare = replace(hinge_result(), events=HingeEvents(reps=tuple(REPS)))
    assert [lv.axis for lv in protocols.get("hinge").plot(bare).levels] == []  # no thresholds known


def test_slr_drawing_says_what_and_when():
    d = protocols.get("slr").drawing(slr_result())
    assert (d.figure, d.side, d.key_frame) == ("raised_leg", "left", 51)
    assert d.banners == (Banner(ONSET, float("inf"), "knee bends at 61 deg (t 1.68 s)", "reading"),)
    assert (d.reading_deg, d.reading_from, d.reading_label) == (61.0, ONSET, "SLR 61 deg")
    assert [label for label, _ in d.readouts] == ["hip flexion", "knee flexion"]
    pain = protocols.get("slr").drawing(replace(slr_result(), pain_s=2.5, pain_angle_deg=52.4))
    assert (pain.note_from_s, pain.note) == (2.5, "   pain at 52 deg")
    never = protocols.get("slr").drawing(slr_result(flags=(), bent=False))
    assert never.reading_deg is None and never.banners[0].kind == "done" and never.banners[0].start == 70


def test_hinge_drawing_banners_and_outlines():
    d = protocols.get("hinge").drawing(hinge_result())
    assert (d.figure, d.side, d.key_frame) == ("standing_bend", "right", 60)
    assert d.reps == tuple(REPS) and d.rep_flags == ((), ("rounded_back",))
    assert [(b.start, b.stop, b.text, b.kind) for b in d.banners] == [
        (20, 36, "rep 1: good hinge", "done"), (60, 76, "rep 2: rounded back", "flag")]
    (outline,) = d.outlines
    assert (outline.start, outline.stop, outline.faulty) == (57, 63, True)  # the still bottom of rep 2
    assert [label for label, _ in d.readouts] == ["hip flexion", "trunk inclination", "knee flexion"]
    assert len(hinge_result().frames) == N


@pytest.mark.slow
def test_protocol_views_import_no_drawing_library():
    code = ("import sys; import rom.protocols.slr.chart, rom.protocols.slr.drawing, rom.protocols.slr.report; "
            "import rom.protocols.hinge.chart, rom.protocols.hinge.drawing, rom.protocols.hinge.report; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('cv2', 'matplotlib', 'jinja2') "
            "or m.startswith('rom.outputs') or m == 'rom.protocols.hinge.measure']; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
