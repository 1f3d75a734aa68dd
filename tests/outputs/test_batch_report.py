"""Batch rows and their files: summary.csv, summary.json and the static index.html (no pose model)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from rom.core.results import FrameTable, Quality
from rom.outputs import batch_report as R
from rom.protocols.hinge.result import HingeRep, HingeResult
from rom.protocols.slr.result import SLRResult
from rom.validation.truth import Truth
from rom.validation.validate import compare


def slr_result(video="/data/anna_slr-left.mp4", angle=61.8, side="left", flags=()) -> SLRResult:
    n = 90
    hip = np.linspace(0, 70, n)
    return SLRResult(
        video=video, side=side, facing=side, slr_angle_deg=angle, slr_angle_ci95_deg=(angle - 3.1, angle + 3.2),
        max_hip_flexion_deg=74.04, knee_bend_onset_s=2.934, knee_bend_confirmed_s=3.3, pelvic_rotation_deg=2.26,
        max_pelvic_rotation_deg=4.0, contralateral_hip_flexion_deg=1.5, table_tilt_deg=0.3, flags=tuple(flags),
        quality=Quality(frames=n, detected_fraction=0.9889, warnings=("person near the frame edge",)),
        frames=FrameTable({"t_s": np.arange(n) / 30, "hip_flexion_deg": hip, "knee_flexion_deg": np.zeros(n)}))


def hinge_result(video="/data/bob_hinge-right.mp4") -> HingeResult:
    n = 120
    reps = (HingeRep(0.4, 1.6, 2.9, 78.04, 70.5, 14.0, 0.02, 0.3, ("rounded_back",)),
            HingeRep(3.2, 4.1, 5.0, 81.26, 72.0, 9.5, 0.01, 0.2, ()))
    cols = {"t_s": np.arange(n) / 30, "hip_flexion_deg": np.full(n, 40.0), "knee_flexion_deg": np.full(n, 5.0),
            "trunk_inclination_deg": np.full(n, 35.0)}
    return HingeResult(video=video, side="right", reps=reps, flags=("rounded_back",),
                       quality=Quality(frames=n, detected_fraction=1.0), frames=FrameTable(cols))


def row_of(result, folder="videos/x-00000000") -> R.VideoRow:
    base = R.base_row(result.video, folder, "auto", "full")
    return R.measured_row(base, result, fps=30.0, size=(640, 480))


# ------------------------------------------------------------------ naming convention

@pytest.mark.parametrize("path, expected", [
    ("/d/anna_slr-left.mp4", ("anna", "slr", "left")),
    ("/d/Anna Smith_SLR-Right_take2.MOV", ("Anna Smith", "slr", "right")),
    ("/d/p017_hinge_r.mp4", ("p017", "hinge", "right")),
    ("/d/p017/slr-left.mp4", ("p017", "slr", "left")),
    ("/d/p017/hinge-l_2024-03-01.mp4", ("p017", "hinge", "left")),
    ("/d/slr_avg_female_R_near_45.mp4", (None, None, None)),  # the samples' names are no people
    ("/d/anna_slrleft.mp4", (None, None, None)),
    ("/d/anna_slr-lefty.mp4", (None, None, None)),
])
def test_person_and_side_from_the_file_name(path, expected):
    assert R.person_and_side(path) == expected


# ------------------------------------------------------------------ rows

def test_slr_row_carries_the_results_figures():
    res = slr_result()
    row = row_of(res)
    d = res.to_dict()
    assert row.status == "measured" and row.measured and row.error is None
    assert (row.test, row.side, row.person, row.named_side) == ("slr", "left", "anna", "left")
    for key in ("slr_angle_deg", "max_hip_flexion_deg", "knee_bend_onset_s", "pelvic_rotation_deg",
                "contralateral_hip_flexion_deg"):
        assert getattr(row, key) == d[key]
    assert (row.slr_angle_ci95_low_deg, row.slr_angle_ci95_high_deg) == tuple(d["slr_angle_ci95_deg"])
    assert row.frames == 90 and row.detected_fraction == d["quality"]["detected_fraction"]
    assert row.duration_s == 3.0 and (row.width_px, row.height_px) == (640, 480)
    assert row.warnings == ("person near the frame edge",)
    assert row.rep_count is None


def test_hinge_row_gives_reps_and_per_rep_maxima():
    res = hinge_result()
    row = row_of(res)
    assert row.rep_count == 2
    assert row.rep_max_hip_flexion_deg == (78.0, 81.3)  # rounded as in the result's JSON
    assert row.max_hip_flexion_deg == 81.3
    assert row.max_trunk_inclination_deg == 72.0 and row.max_knee_flexion_deg == 14.0
    assert row.rep_bottom_s == (1.6, 4.1)
    assert row.rep_flags == (("rounded_back",), ())
    assert row.flags == ("rounded_back",)
    assert row.slr_angle_deg is None


def test_row_round_trips_through_json():
    for row in (row_of(slr_result()), row_of(hinge_result()),
                replace(R.base_row("/x/a.mp4", "videos/a", "slr", "lite"), status="unreadable", error="empty")):
        assert R.VideoRow.from_dict(json.loads(json.dumps(row.to_dict()))) == row


def test_truth_columns_from_the_validation_comparison():
    res = slr_result(angle=61.8)
    frames = [{"t": i / 30, "hip_flexion_deg": h + 1.0, "knee_flexion_deg": 0.0}
              for i, h in enumerate(res.frames.columns["hip_flexion_deg"])]
    tr = Truth(path=Path("/d/t.truth.json"),
               data={"test": "slr", "side": "left", "slr_angle_deg": 60.0, "knee_bend_onset_s": 2.9,
                     "flags": ["pelvic_tilt"], "frames": frames})
    row = R.with_truth(row_of(res), compare(res, tr), "anna_slr-left.truth.json")
    assert row.slr_angle_error_deg == pytest.approx(1.8)
    assert row.knee_bend_onset_error_s == pytest.approx(0.03)
    assert row.hip_flexion_mae_deg == pytest.approx(1.0)
    assert row.side_ok is True
    assert row.flags_missed == ("pelvic_tilt",) and row.flags_false == ()


def test_hinge_truth_columns_match_reps():
    res = hinge_result()
    truth_reps = [{"start_s": 0.3, "bottom_s": 1.5, "end_s": 3.0, "max_hip_flexion_deg": 80.0,
                   "max_trunk_inclination_deg": 70.0, "max_knee_flexion_deg": 5.0, "flags": ["rounded_back"]},
                  {"start_s": 6.0, "bottom_s": 7.0, "end_s": 8.0, "max_hip_flexion_deg": 80.0,
                   "max_trunk_inclination_deg": 70.0, "max_knee_flexion_deg": 5.0, "flags": []}]
    frames = [{"t": i / 30, "hip_flexion_deg": 40.0, "knee_flexion_deg": 5.0, "trunk_inclination_deg": 36.0}
              for i in range(120)]
    tr = Truth(path=Path("/d/t.truth.json"),
               data={"test": "hinge", "side": "right", "reps": truth_reps, "flags": ["rounded_back"], "frames": frames})
    row = R.with_truth(row_of(res), compare(res, tr), "t.truth.json")
    assert (row.truth_rep_count, row.reps_found) == (2, 1)
    assert row.rep_hip_flexion_error_deg == (-2.0, None)
    assert row.rep_hip_flexion_mae_deg == pytest.approx(2.0)
    assert row.trunk_inclination_mae_deg == pytest.approx(1.0)


# ------------------------------------------------------------------ CSV and JSON

def sample_rows() -> list[R.VideoRow]:
    bad = replace(R.base_row("/data/broken.mp4", "videos/broken-1", "auto", "full"), status="unreadable",
                  error="/data/broken.mp4: not a readable video (looks like a text file)")
    return [row_of(slr_result(), "videos/a-1"), row_of(hinge_result(), "videos/b-1"), bad]


def test_csv_has_one_line_per_video_with_units_in_the_header():
    rows = sample_rows()
    text = R.to_csv(rows)
    table = list(csv.DictReader(io.StringIO(text)))
    assert list(table[0]) == list(R.COLUMNS)
    assert len(table) == len(rows)
    for name in R.NUMERIC:  # every number says its unit, or is a count or a 0..1 fraction
        unit = R._META[name]["unit"]
        assert unit in ("", "0..1") or name.endswith({"deg": "_deg", "s": "_s", "px": "_px", "1/s": "fps"}[unit]), name
    slr, hinge, bad = table
    assert float(slr["slr_angle_deg"]) == rows[0].slr_angle_deg
    assert slr["warnings"] == "person near the frame edge" and slr["rep_count"] == ""
    assert hinge["rep_max_hip_flexion_deg"] == "78.0;81.3" and hinge["rep_flags"] == "rounded_back;-"
    assert hinge["flags"] == "rounded_back"
    assert bad["status"] == "unreadable" and "text file" in bad["error"] and bad["slr_angle_deg"] == ""


def test_json_rows_and_column_units():
    rows = sample_rows()
    doc = json.loads(R.to_json(rows, {"test": "auto"}))
    assert doc["counts"] == {"measured": 2, "unreadable": 1, "not_measurable": 0, "failed": 0}
    assert doc["columns"]["slr_angle_deg"]["unit"] == "deg"
    assert [r["video"] for r in doc["rows"]] == [r.video for r in rows]
    assert doc["rows"][1]["rep_flags"] == [["rounded_back"], []]
    assert doc["rows"][0]["slr_angle_deg"] == rows[0].slr_angle_deg


def test_summaries_are_written_whole(tmp_path):
    paths = R.write_summaries(tmp_path, sample_rows(), {"test": "auto"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "summary.csv", "summary.json"]
    assert set(paths) == {"csv", "json", "html"}


# ------------------------------------------------------------------ index.html

class Index(HTMLParser):
    """Cards (by id) with their attributes, figures (data-key -> data-value), images and flags."""

    def __init__(self):
        super().__init__()
        self.cards, self.scripts, self.comparison_rows = {}, 0, []
        self._card = self._in_flag = None
        self._stack = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._stack.append(tag)
        if tag == "script":
            self.scripts += 1
        if tag == "article":
            self._card = {"attrs": a, "figures": {}, "images": [], "flags": [], "text": ""}
            self.cards[a["id"]] = self._card
        elif self._card is not None and tag == "dd":
            self._card["figures"][a["data-key"]] = a["data-value"]
        elif self._card is not None and tag == "img":
            self._card["images"].append(a["src"])
        elif self._card is not None and tag == "li" and "flag" in a.get("class", ""):
            self._in_flag = True
        elif tag == "tr" and "pair" in a.get("class", "").split():
            self.comparison_rows.append(a)

    def handle_endtag(self, tag):
        if tag == "article":
            self._card = None
        self._in_flag = False

    def handle_data(self, data):
        if self._card is not None:
            self._card["text"] += data
            if self._in_flag:
                self._card["flags"].append(data)


def parse(text: str) -> Index:
    p = Index()
    p.feed(text)
    return p


def test_every_video_has_a_card_with_its_figures():
    rows = [replace(r, outputs=("annotated.mp4", "key_frame.jpg", "plot.png", "summary.json"))
            for r in sample_rows()[:2]] + sample_rows()[2:]
    page = parse(R.render_index(rows, {"test": "auto", "model": "full"}))
    assert len(page.cards) == len(rows)
    for r in rows:
        card = page.cards[R.card_id(r)]
        assert card["attrs"]["data-video"] == r.video
        for key, value in card["figures"].items():
            assert value == str(getattr(r, key)), key
        if r.measured:
            assert card["images"] == [f"{r.folder}/key_frame.jpg", f"{r.folder}/plot.png"]
            assert card["attrs"]["data-k-max_hip_flexion_deg"] == str(r.max_hip_flexion_deg)
        else:
            assert card["images"] == [] and "not a readable video" in card["text"]
    slr, hinge = page.cards[R.card_id(rows[0])], page.cards[R.card_id(rows[1])]
    assert {"slr_angle_deg", "knee_bend_onset_s", "max_hip_flexion_deg", "detected_fraction"} <= set(slr["figures"])
    assert {"rep_count", "max_hip_flexion_deg", "max_trunk_inclination_deg"} <= set(hinge["figures"])
    assert "flagged" in hinge["attrs"]["class"] and hinge["flags"] == ["rounded_back"]
    assert "status-unreadable" in page.cards[R.card_id(rows[2])]["attrs"]["class"]


def test_index_is_self_contained_and_sortable():
    text = R.render_index(sample_rows(), {})
    assert "<style>" in text and "sort-key" in text and "http" not in text.replace('href="summary', "")
    for key in ("slr_angle_deg", "max_hip_flexion_deg", "rep_count", "detected_fraction", "knee_bend_onset_s"):
        assert f'<option value="{key}">' in text


def test_text_from_file_names_is_escaped():
    evil = "/d/<script>alert(1)</script>&\"'.mp4"
    row = replace(row_of(slr_result(video=evil), "videos/script_alert_1_script-1234abcd"),
                  outputs=("key_frame.jpg",), error=None)
    text = R.render_index([row], {"test": "<b>"})
    page = parse(text)
    assert page.scripts == 1  # only the report's own
    assert "<script>alert" not in text and "<b>" not in text
    (card,) = page.cards.values()
    assert card["attrs"]["data-video"] == evil  # the parser unescapes what was escaped


def test_left_right_comparison_of_one_person():
    rows = [row_of(slr_result("/d/anna_slr-left.mp4", 60.0, "left"), "videos/l"),
            row_of(slr_result("/d/anna_slr-right.mp4", 70.0, "right"), "videos/r"),
            row_of(slr_result("/d/anna_slr-right_take2.mp4", 72.0, "left"), "videos/r2"),
            row_of(slr_result("/d/ben_slr-left.mp4", 50.0, "left"), "videos/b")]
    (c,) = R.side_comparisons(rows)
    assert (c.person, c.test, c.figure) == ("anna", "slr", "slr_angle_deg")
    assert c.mean(c.left) == 60.0 and c.mean(c.right) == 71.0 and c.difference == -11.0
    text = R.render_index(rows, {})
    page = parse(text)
    (pair,) = page.comparison_rows
    assert "asymmetric" in pair["class"].split()
    assert "named right, measured left" in page.cards[R.card_id(rows[2])]["text"]


def test_no_comparison_without_both_sides():
    rows = [row_of(slr_result("/d/anna_slr-left.mp4"), "videos/l"), row_of(hinge_result("/d/anna_hinge-right.mp4"))]
    assert R.side_comparisons(rows) == []
    assert "No person measured on both sides" in R.render_index(rows, {})


def test_hinge_pair_compares_the_protocols_headline_figure():
    rows = [row_of(hinge_result("/d/bob_hinge-left.mp4"), "videos/bl"),
            row_of(replace(hinge_result("/d/bob_hinge-right.mp4"),
                           reps=tuple(replace(r, max_hip_flexion_deg=r.max_hip_flexion_deg - 8.0)
                                      for r in hinge_result().reps)), "videos/br")]
    (c,) = R.side_comparisons(rows)
    assert (c.person, c.test, c.figure) == ("bob", "hinge", "max_hip_flexion_deg")
    assert c.difference == 8.0
    page = parse(R.render_index(rows, {}))
    (pair,) = page.comparison_rows
    assert "asymmetric" in pair["class"].split()  # beyond the 6 degrees the hinge's protocol highlights


def test_index_filters_by_every_registered_test_and_escapes_the_meta():
    text = R.render_index(sample_rows(), {"created": "<i>now</i>", "model": "full & lite"})
    assert '<option value="slr">SLR</option><option value="hinge">hinge</option>' in text
    assert "<i>now</i>" not in text and "&lt;i&gt;now&lt;/i&gt;" in text and "full &amp; lite" in text
    assert text.startswith("<!doctype html>\n") and text.endswith("</body></html>\n")


def test_jinja_is_imported_only_to_write_the_index():
    code = ("import sys; from rom.outputs import batch_report; assert 'jinja2' not in sys.modules; "
            "batch_report.render_index([], {}); assert 'jinja2' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_repetition_table_names_the_figures_as_the_protocol_does():
    text = R.render_index([row_of(hinge_result())], {})
    assert ("<tr><th>rep</th><th>bottom</th><th>hip flexion</th><th>trunk inclination</th><th>knee flexion</th>"
            "<th>flags</th></tr>") in text
    assert "<td>78\u00b0</td><td>70.5\u00b0</td><td>14\u00b0</td><td class=\"flag\">rounded_back</td>" in text
