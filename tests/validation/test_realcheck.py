"""The real-footage check set: labels.json is complete, and realcheck's scoring is right.

Scoring is tested on hand-made label and result dicts (no video, no pose model).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[2] / "samples" / "real"


def _load():
    spec = importlib.util.spec_from_file_location("realcheck", REAL / "realcheck.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


rc = _load()

SRC = {"repo": "someone/repo", "commit": "0" * 40, "path": "a.mp4", "licence": "MIT"}


def hinge_label(reps, form="faulty", expect="measure", **kw):
    return {"file": "h.mp4", "source": SRC, "fps": 30, "frames": 150, "view": "side", "test": "hinge",
            "expect": expect, "form": form, "reps": reps, **kw}


def rep(bottom_s, rounded=None, lumbar=False, knee=False, window=None):
    r = {"bottom_s": bottom_s, "rounded_back": rounded, "lumbar_compensation": lumbar, "knee_bend": knee}
    if window:
        r["bottom_window_s"] = window
    return r


def hinge_result(bottoms, flags_per_rep, spans=None):
    spans = spans or [(b - 1.0, b + 1.0) for b in bottoms]
    reps = [{"start_s": s, "bottom_s": b, "end_s": e, "flags": list(f)}
            for b, f, (s, e) in zip(bottoms, flags_per_rep, spans)]
    flags = sorted({f for fl in flags_per_rep for f in fl})
    return {"refused": False, "test": "hinge", "reps": reps, "flags": flags,
            "quality": {"warnings": []}}


# --- labels.json --------------------------------------------------------------------------
def test_labels_parse_and_every_entry_is_complete():
    labels = rc.load_labels()
    assert len(labels) >= 40
    problems = {e.get("file"): rc.label_problems(e) for e in labels}
    assert {k: v for k, v in problems.items() if v} == {}
    names = [e["file"] for e in labels]
    assert len(names) == len(set(names))
    assert all(len(e["source"]["commit"]) == 40 for e in labels)


def test_both_halves_hold_measurable_hinges_of_each_form_and_refusals():
    labels = rc.load_labels()
    for half in rc.HALVES:
        mine = [e for e in labels if e["half"] == half]
        forms = {e.get("form") for e in mine if e["test"] == "hinge" and e["expect"] == "measure"}
        assert forms == {"good", "faulty"}, half
        assert any(r.get("rounded_back") for e in mine for r in e.get("reps", [])), half
        assert any(e["expect"] == "refuse" for e in mine) and any(e["test"] in rc.NON_TESTS for e in mine), half
    # footage cut from one source clip stays in one half
    half = {e["file"]: e["half"] for e in labels}
    assert half["bx_bad011.mp4"] == half["bx_good018.mp4"] == half["bxex_7bad.mp4"]
    assert half["tby_0016r_1.mp4"] == half["tby_0016r_2.mp4"]


def test_labels_cover_the_kinds_the_issue_asks_for():
    labels = rc.load_labels()
    kinds = {(e["test"], e["expect"]) for e in labels}
    assert ("hinge", "measure") in kinds and ("hinge", "refuse") in kinds
    assert any(e["test"] == "walking" for e in labels)
    forms = {e.get("form") for e in labels if e["test"] == "hinge" and e["expect"] == "measure"}
    assert forms == {"good", "faulty"}
    assert any(r.get("rounded_back") for e in labels for r in e.get("reps", []))


def test_committed_clips_have_their_licence_beside_them():
    for clip in (REAL / "free").glob("*.mp4"):
        assert (REAL / "free" / f"LICENSE-{clip.stem}.txt").exists(), clip.name


def test_label_problems_names_what_is_missing():
    bad = {"file": "x.mp4", "source": {"repo": "a/b"}, "fps": 30, "frames": 3, "view": "top",
           "test": "hinge", "expect": "refuse", "reps": [{"rounded_back": "middle", "knee_bend": 1}]}
    probs = rc.label_problems(bad)
    assert "source lacks commit" in probs
    assert "a refusal needs refuse_reason" in probs
    assert "bad view 'top'" in probs
    assert "rep 1 lacks bottom_s" in probs
    assert "rep 1: rounded_back must be null, upper, lower or whole" in probs
    assert "rep 1: lumbar_compensation must be true or false" in probs
    assert "a hinge needs form good or faulty" in probs
    assert "missing half" in probs
    assert "half must be 'fit' or 'test'" in rc.label_problems({**bad, "half": "train"})


# --- pure scoring -----------------------------------------------------------------------
def test_test_for_runs_hinge_and_slr_as_labelled_and_non_tests_as_hinge_unless_told():
    assert rc.test_for({"test": "hinge"}) == "hinge"
    assert rc.test_for({"test": "slr"}) == "slr"
    assert rc.test_for({"test": "walking"}) == "hinge"
    assert rc.test_for({"test": "other", "try_test": "slr"}) == "slr"


def test_expected_flags_are_any_rep():
    e = hinge_label([rep(1.0), rep(3.0, rounded="upper"), rep(5.0, knee=True)])
    assert rc.expected_flags(e) == {"rounded_back": True, "lumbar_compensation": False, "knee_bend": True}


def test_match_bottoms_uses_windows_and_each_found_bottom_once():
    windows = rc.rep_windows([rep(1.0), rep(2.0, window=[1.5, 4.0])])
    assert windows == [(1.0 - rc.BOTTOM_TOLERANCE_S, 1.0 + rc.BOTTOM_TOLERANCE_S), (1.5, 4.0)]
    assert rc.match_bottoms(windows, [1.2, 3.9]) == 2
    assert rc.match_bottoms(windows, [1.45]) == 1  # one bottom cannot serve two repetitions
    assert rc.match_bottoms(windows, [0.2, 5.0]) == 0
    assert rc.match_bottoms(windows, [None, 1.0]) == 1


def test_score_a_hinge_measured_right():
    e = hinge_label([rep(1.5, rounded="upper"), rep(4.0, rounded="whole", lumbar=True)])
    got = hinge_result([1.6, 3.7], [["rounded_back"], ["rounded_back", "lumbar_compensation"]])
    row = rc.score(e, got)
    assert row["outcome_ok"] and row["reps_ok"]
    assert row["reps_expected"] == 2 and row["reps_found"] == 2
    assert row["flags_ok"] == {"rounded_back": True, "lumbar_compensation": True, "knee_bend": True}
    assert row["overlapping_reps"] == 0


def test_live_cards_are_scored_against_the_results_repetitions():
    """A live card agrees when its flags are those of one of the result's repetitions (in any
    order); the summary counts the clips with cards and the cards that agree."""
    e = hinge_label([rep(1.5, rounded="upper"), rep(4.0)])
    got = {**hinge_result([1.6, 3.9], [["rounded_back"], []]),
           "live_cards": [["rounded_back"], ["knee_bend"]]}
    row = rc.score(e, got)
    assert row["live_cards"] == 2 and row["live_cards_agree"] == 1
    none = rc.score(e, {**hinge_result([1.6, 3.9], [["rounded_back"], []]), "live_cards": []})
    s = rc.summarize([row, none])
    assert (s["live_clips"], s["live_cards"], s["live_cards_agree"]) == (1, 2, 1)
    assert "live page: cards on 1 measured hinge clips, 50 % (1/2)" in "\n".join(rc.summary_lines(s))


def test_score_a_hinge_with_a_missed_flag_an_extra_rep_and_overlaps():
    e = hinge_label([rep(1.5, rounded="upper")], form="faulty")
    got = hinge_result([1.5, 2.5], [["knee_bend"], []], spans=[(0.0, 2.0), (1.8, 3.0)])
    row = rc.score(e, got)
    assert not row["reps_ok"]
    assert row["flags_ok"] == {"rounded_back": False, "lumbar_compensation": True, "knee_bend": False}
    assert row["any_flag"] and row["overlapping_reps"] == 1


def test_score_refusals():
    e = hinge_label([rep(1.0)], expect="refuse", refuse_reason="oblique", hidden_landmarks=["knees"])
    row = rc.score(e, {"refused": True, "reason": "not a side view"})
    assert row["outcome_ok"] and row["refused"] and row["hidden"]
    assert "reps_ok" not in row
    row = rc.score(hinge_label([rep(1.0)]), {"refused": True, "reason": "legs hidden"})
    assert not row["outcome_ok"] and "flags_ok" not in row


def test_a_knee_dominant_lift_refused_as_not_a_hinge_is_right():
    squatted = hinge_label([rep(0.7, knee=True)])
    row = rc.score(squatted, {"refused": True, "reason": "not a hinge: knee-dominant: the knees bent 107 degrees"})
    assert row["outcome_ok"] and row["knee_dominant_refusal"]
    s = rc.summarize([row, rc.score(hinge_label([rep(1.0)]), {"refused": True, "reason": "the legs are hidden"})])
    assert (s["hinge_wrongly_refused"], s["knee_dominant_refusals"]) == (1, 1)
    assert s["wrong_refusal_kinds"] == {"legs hidden": 1}
    assert "1 refused although measurable: legs hidden 1; 1 knee-dominant lift(s) rightly refused" in \
        "\n".join(rc.summary_lines(s))
    # the same refusal of a lift not labelled knee-dominant stays wrong
    plain = rc.score(hinge_label([rep(0.7)]), {"refused": True, "reason": "not a hinge: knee-dominant"})
    assert not plain["outcome_ok"]
    upright = rc.score(squatted, {"refused": True, "reason": "not a hinge: the trunk leaned forward only 27 degrees"})
    assert upright["outcome_ok"]


def test_refusal_kind():
    assert rc.refusal_kind("no repetition could be measured: the legs are hidden (behind the plates") == "legs hidden"
    assert rc.refusal_kind("no repetition could be measured: it spans a scene cut") == "scene cut"
    assert rc.refusal_kind("an edited clip: the picture cuts to another shot 4 times") == "scene cut"
    assert rc.refusal_kind("not a side view: the camera faces the front") == "not a side view"
    assert rc.refusal_kind("the person does not stand (legs upright in only 42%)") == "does not stand"
    assert rc.refusal_kind("no repetition found: the hip flexion varied by only 6 degrees") == "no repetition"
    assert rc.refusal_kind("something else") == "other"


def test_score_non_tests():
    walk = {"file": "w.mp4", "source": SRC, "fps": 30, "frames": 90, "view": "side", "test": "walking",
            "expect": "refuse", "refuse_reason": "walking"}
    assert rc.score(walk, {"refused": True, "reason": "no hinge"})["non_test_ok"]
    assert not rc.score(walk, hinge_result([1.0], [["knee_bend"]]))["non_test_ok"]
    assert rc.score(walk, hinge_result([], []))["non_test_ok"]
    said = hinge_result([1.0], [[]])
    said["quality"]["warnings"] = ["not a hinge: knee-dominant (a squat)"]
    assert rc.score(walk, said)["non_test_ok"]


def test_score_slr_angle_error():
    e = {"file": "s.mp4", "source": SRC, "fps": 30, "frames": 90, "view": "side", "test": "slr",
         "expect": "measure", "leg_angle_deg": 60.0, "leg_angle_uncertainty_deg": 3.0}
    row = rc.score(e, {"refused": False, "test": "slr", "slr_angle_deg": 64.5, "max_hip_flexion_deg": 70.0,
                       "flags": [], "quality": {"warnings": []}})
    assert row["slr_error_deg"] == pytest.approx(4.5)


def test_summarize_counts_the_issue_figures():
    good = hinge_label([rep(1.0)], form="good")
    bad = hinge_label([rep(1.0, rounded="upper", lumbar=True)])
    hidden = hinge_label([rep(1.0)], expect="refuse", refuse_reason="legs hidden", hidden_landmarks=["knees"])
    walk = {"file": "w.mp4", "source": SRC, "fps": 30, "frames": 90, "view": "side", "test": "walking",
            "expect": "refuse", "refuse_reason": "walking"}
    slr = {"file": "s.mp4", "source": SRC, "fps": 30, "frames": 90, "view": "side", "test": "slr",
           "expect": "measure", "leg_angle_deg": 50.0, "leg_angle_uncertainty_deg": 2.0}
    rows = [
        rc.score(good, hinge_result([1.1], [["lumbar_compensation"]])),          # false flag
        rc.score(good, hinge_result([1.1], [[]])),                               # clean
        rc.score(bad, hinge_result([1.2], [["rounded_back"]])),                  # lumbar missed
        rc.score(bad, {"refused": True, "reason": "x"}),                         # wrongly refused
        rc.score(hidden, hinge_result([1.0], [[]])),                             # hidden but measured
        rc.score(walk, hinge_result([2.0, 4.0], [["knee_bend"], []])),           # walking measured
        rc.score(walk, {"refused": True, "reason": "not a hinge"}),
        rc.score(slr, {"refused": False, "test": "slr", "slr_angle_deg": 53.0, "flags": [],
                       "quality": {"warnings": []}}),
    ]
    s = rc.summarize(rows)
    assert (s["hinge_to_measure"], s["hinge_measured"], s["hinge_wrongly_refused"]) == (4, 3, 1)
    assert s["wrong_refusal_kinds"] == {"other": 1} and s["knee_dominant_refusals"] == 0
    assert s["reps_right"] == 3
    assert s["rounded_back_right"] == 3
    assert s["lumbar_right"] == 1
    assert (s["good_form"], s["good_form_flagged"]) == (2, 1)
    assert (s["non_tests"], s["non_tests_ok"]) == (2, 1)
    assert (s["hidden"], s["hidden_measured"]) == (1, 1)
    assert (s["to_refuse"], s["refused_right"]) == (1, 0)
    assert s["slr"] == 1 and s["slr_mae_deg"] == pytest.approx(3.0) and s["slr_within_uncertainty"] == 0
    text = "\n".join(rc.summary_lines(s))
    assert "rounded_back right: 100 % (3/3)" in text
    assert "lumbar_compensation right: 33 % (1/3)" in text
    assert "false flags): 50 % (1/2)" in text
    assert "not a hinge: 50 % (1/2)" in text
    assert "gave a result: 1 of 1" in text


def test_summarize_of_nothing_says_no_clips():
    s = rc.summarize([])
    assert s["clips"] == 0 and math.isnan(s["slr_mae_deg"])
    text = "\n".join(rc.summary_lines(s))
    assert "n/a (0 clips)" in text and "no SLR clip measured" in text


def test_table_marks_wrong_cells():
    e = hinge_label([rep(1.5, rounded="upper")])
    row = rc.score(e, hinge_result([1.5], [[]]))
    lines = rc.table_lines([row])
    assert lines[2].startswith("| h.mp4 | hinge (hinge) | side | measure | measured | 1/1 | yes/no **x** |")
    assert lines[2].endswith("| **no** |")


def test_the_landmark_cache_key_reads_every_extraction_module():
    # A module listed under an old name would hash as nothing, and an extraction change would keep stale
    # landmarks: every one must exist (engine_key fails otherwise).
    root = REAL.parents[1] / "rom"
    assert all((root / name).is_file() for name in rc.EXTRACTION_MODULES)
    assert "capture/video.py" in rc.EXTRACTION_MODULES and "capture/extraction.py" in rc.EXTRACTION_MODULES
    key = rc.engine_key()
    assert len(key) == 12 and int(key, 16) >= 0
