"""The validation report: the figures of issue 9 computed from hand-made rows, and the split."""

import json
import sys

import pytest

from rom.core.errors import RomError
from rom.validation.validate import format_table, summarize, validate_folder


def _slr(clip, truth, measured, lo, hi, leg="near", examiner="none", flags=(), truth_flags=(), not_assessed=()):
    flags, truth_flags = set(flags), set(truth_flags)
    return {"clip": clip, "test": "slr", "slr_truth_deg": truth, "slr_deg": measured,
            "slr_error_deg": measured - truth, "ci95_deg": [lo, hi], "half_width_deg": (hi - lo) / 2,
            "covers": lo <= truth <= hi, "confidently_wrong": abs(measured - truth) > 5 and not lo <= truth <= hi,
            "onset_error_s": 0.05, "hip_mae_deg": 1.0, "knee_mae_deg": 2.0, "side_ok": True, "leg": leg,
            "examiner": examiner, "truth_flags": sorted(truth_flags), "not_assessed": list(not_assessed),
            "flags": {"hits": sorted(flags & truth_flags), "missed": sorted(truth_flags - flags),
                      "false": sorted(flags - truth_flags), "exact": flags == truth_flags}}


ROWS = [
    _slr("a", 60.0, 61.0, 57.0, 65.0, not_assessed=["pelvic_tilt"]),
    _slr("b", 50.0, 58.0, 55.0, 61.0, leg="far", examiner="far"),  # 8 off, outside: confidently wrong
    _slr("c", 40.0, 47.0, 35.0, 49.0, leg="far", flags=["pelvic_tilt"], truth_flags=["pelvic_tilt"]),  # wide
    _slr("d", 70.0, 70.5, 68.0, 73.0, flags=["pelvic_tilt"]),  # a false pelvic_tilt
    {"clip": "e", "test": "slr", "error": "the legs were exchanged", "slr_truth_deg": 55.0, "leg": "far",
     "examiner": "far", "truth_flags": ["pelvic_tilt"]},
]


def test_summary_counts_the_issue_figures():
    s = summarize(ROWS)["slr"]
    assert s["clips"] == 4 and s["refused"] == 1 and s["of"] == 5
    assert s["within_5_deg"] == 2
    assert s["confidently_wrong"] == ["b"]
    assert s["ci95_covers"] == 3
    assert s["ci95_median_half_width_deg"] == pytest.approx(3.5)  # half-widths 4, 3, 7, 2.5
    assert s["pelvic_tilt"] == {"flagged": 1, "of": 1, "false": 1, "of_without": 3,
                                "not_assessed": 0, "not_assessed_without": 1}
    by = s["by_condition"]
    assert by["far leg, examiner far"] == {"clips": 2, "refused": 1, "mae": 8.0, "max": 8.0, "covers": 0,
                                           "median_half_width_deg": 3.0}
    assert by["near leg, examiner none"]["mae"] == pytest.approx(0.75)


def test_table_names_the_confidently_wrong_clip_and_the_conditions():
    report = {"folder": "x", "model": "full", "split": "test", "rows": ROWS, "summary": summarize(ROWS)}
    text = format_table(report)
    assert "x, test half" in text
    assert "| confidently wrong (error > 5, truth outside the interval, not refused) | 1: b |" in text
    assert "| refused | 1/5 clips |" in text
    assert "| far leg, examiner far | 2 | 1 | 8.00 / 8.0 | 0/1 | 3.0 |" in text
    assert "refused: the legs were exchanged" in text


def test_split_keeps_only_its_half(tmp_path, monkeypatch):
    for name in ("fit-slr-000", "test-slr-001"):
        (tmp_path / f"{name}.truth.json").write_text(json.dumps({"test": "slr", "slr_angle_deg": 50.0}))
    seen = []

    def fake_series(tr, model, cache_dir):
        seen.append(tr.name)
        raise RomError("not rendered")

    monkeypatch.setattr(sys.modules["rom.validation.validate"], "_series", fake_series)
    report = validate_folder(tmp_path, split="test")
    assert seen == ["test-slr-001"]
    assert report["rows"][0]["error"] == "not rendered" and report["split"] == "test"
    with pytest.raises(RomError, match="unknown split"):
        validate_folder(tmp_path, split="other")
