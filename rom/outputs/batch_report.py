"""Rows of a batch (one per video) and the files made of them: summary.csv, summary.json, index.html.

Pure apart from `write_summaries`: a result (or an error) becomes a `VideoRow`; rows become text.

Person and side convention (for the left/right comparison in index.html): name a video
``PERSON_TEST-SIDE[_NOTE].EXT``, where TEST is ``slr`` or ``hinge`` and SIDE is ``left`` or
``right`` (``l``/``r`` and ``_`` instead of ``-`` are accepted, case does not matter), e.g.
``anna_slr-left.mp4``, ``p017_hinge-right_take2.mov``. Or keep one folder per person and name the
files ``TEST-SIDE[_NOTE].EXT`` inside it (``p017/slr-right.mp4``): the folder's name is then the
person. Everything before the TEST-SIDE token is the person; anything after it is ignored.
The side in the name is what the comparison uses (it is the examiner's statement); a card
warns when the measured side differs. Several videos of one person, test and side are averaged.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import quote

from rom.outputs.files import atomic_write_text
from rom.protocols.slr import interpretation as slr_meaning

# Left/right difference beyond which the comparison is highlighted: the minimal detectable change
# of a goniometric SLR is about 6-7 degrees (DESIGN.md 3); normal asymmetry is 4-5.

STATUSES = ("measured", "unreadable", "not_measurable", "failed")


def _col(unit: str = "", label: str = "", doc: str = "", default=None):
    return field(default=default, metadata={"unit": unit, "label": label, "doc": doc})


@dataclass(frozen=True)
class VideoRow:
    """One video's line in the summary. Field order is the CSV's column order; the unit of a
    number is in its name (`_deg` degrees, `_s` seconds, `_px` pixels; fractions are 0..1)."""

    video: str = _col(doc="absolute path of the video", default="")
    name: str = _col(label="file", doc="file name of the video", default="")
    folder: str = _col(doc="per-video output folder, relative to the batch folder", default="")
    status: str = _col(label="status", doc="measured | unreadable | not_measurable | failed", default="failed")
    error: str | None = _col(doc="why the video was not measured (one line)")
    requested_test: str = _col(doc="the --test asked for (slr, hinge or auto)", default="auto")
    model: str = _col(doc="pose model", default="full")
    person: str | None = _col(label="person", doc="from the file name (see the naming convention)")
    named_side: str | None = _col(doc="side from the file name: left or right")
    test: str | None = _col(label="test", doc="slr or hinge (as measured)")
    side: str | None = _col(label="side", doc="SLR: the raised leg; hinge: the side facing the camera")
    # SLR
    slr_angle_deg: float | None = _col("deg", "SLR angle", "hip flexion when the knee begins to bend")
    slr_angle_ci95_low_deg: float | None = _col("deg", "SLR angle 95% low")
    slr_angle_ci95_high_deg: float | None = _col("deg", "SLR angle 95% high")
    knee_bend_onset_s: float | None = _col("s", "knee-bend onset", "when the knee began to bend")
    max_hip_flexion_deg: float | None = _col("deg", "max hip flexion", "SLR: of the raised leg; hinge: over reps")
    pelvic_rotation_deg: float | None = _col("deg", "pelvic rotation", "SLR: at the SLR angle, from rest")
    contralateral_hip_flexion_deg: float | None = _col("deg", "other leg rise", "SLR: largest rise of the other leg")
    # Hip hinge
    rep_count: int | None = _col("", "repetitions", "hinge repetitions found")
    max_trunk_inclination_deg: float | None = _col("deg", "max trunk inclination", "hinge: over reps")
    max_knee_flexion_deg: float | None = _col("deg", "max knee flexion", "hinge: over reps")
    rep_bottom_s: tuple = _col("s", "rep bottoms", "hinge: time of each rep's bottom", ())
    rep_max_hip_flexion_deg: tuple = _col("deg", "rep max hip flexion", "hinge: per rep", ())
    rep_max_trunk_inclination_deg: tuple = _col("deg", "rep max trunk inclination", "hinge: per rep", ())
    rep_max_knee_flexion_deg: tuple = _col("deg", "rep max knee flexion", "hinge: per rep", ())
    rep_flags: tuple = _col("", "rep flags", "hinge: flags of each rep", ())
    flags: tuple = _col("", "flags", "findings (DESIGN.md 4 flag names)", ())
    not_assessed: tuple = _col("", "not assessed", "flags the video cannot decide either way (see the result)", ())
    # Quality
    frames: int | None = _col("", "frames", "frames analysed")
    detected_fraction: float | None = _col("0..1", "detected", "share of frames with a pose")
    view: str | None = _col("", "view", "side or oblique")
    angle_source: str | None = _col("", "angle source")
    warnings: tuple = _col("", "warnings", "quality warnings", ())
    duration_s: float | None = _col("s", "duration")
    fps: float | None = _col("1/s", "frame rate")
    width_px: int | None = _col("px", "width")
    height_px: int | None = _col("px", "height")
    processing_s: float | None = _col("s", "processing time")
    outputs: tuple = _col("", doc="files written into the per-video folder", default=())
    # Ground truth (only with a *.truth.json beside the video)
    truth_file: str | None = _col(doc="ground-truth file used for the error columns")
    truth_error: str | None = _col(doc="why the truth could not be compared")
    side_ok: bool | None = _col("", "side right", "measured side equals the truth's")
    truth_slr_angle_deg: float | None = _col("deg", "true SLR angle")
    slr_angle_error_deg: float | None = _col("deg", "SLR angle error", "measured minus truth")
    truth_knee_bend_onset_s: float | None = _col("s", "true onset")
    knee_bend_onset_error_s: float | None = _col("s", "onset error", "measured minus truth")
    truth_rep_count: int | None = _col("", "true repetitions")
    reps_found: int | None = _col("", "true reps found", "true reps matched by a measured one")
    rep_hip_flexion_error_deg: tuple = _col("deg", "rep hip error", "measured minus truth, per true rep", ())
    rep_hip_flexion_mae_deg: float | None = _col("deg", "rep hip MAE", "mean absolute per-rep error")
    rep_trunk_inclination_mae_deg: float | None = _col("deg", "rep trunk MAE")
    rep_knee_flexion_mae_deg: float | None = _col("deg", "rep knee MAE")
    hip_flexion_mae_deg: float | None = _col("deg", "per-frame hip MAE")
    knee_flexion_mae_deg: float | None = _col("deg", "per-frame knee MAE")
    trunk_inclination_mae_deg: float | None = _col("deg", "per-frame trunk MAE")
    flags_missed: tuple = _col("", "flags missed", "in the truth, not measured", ())
    flags_false: tuple = _col("", "false flags", "measured, not in the truth", ())

    @property
    def measured(self) -> bool:
        return self.status == "measured"

    def to_dict(self) -> dict:
        """JSON-ready: tuples become lists (rep_flags a list of lists)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "rep_flags":
                v = [list(x) for x in v]
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, d: dict) -> VideoRow:
        """Inverse of `to_dict`; unknown keys (from a newer rom) are ignored."""
        kw = {}
        for f in fields(cls):
            if f.name not in d:
                continue
            v = d[f.name]
            if f.name == "rep_flags":
                v = tuple(tuple(x) for x in v)
            elif isinstance(v, list):
                v = tuple(v)
            kw[f.name] = v
        return cls(**kw)


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(VideoRow))
_META = {f.name: f.metadata for f in fields(VideoRow)}
# Numeric columns: the index can sort by these.
NUMERIC: tuple[str, ...] = tuple(f.name for f in fields(VideoRow)
                                 if str(f.type).split(" | ")[0] in ("float", "int"))

_NAME_RE = re.compile(r"(?<![a-z0-9])(?P<test>slr|hinge)[-_](?P<side>left|right|l|r)(?![a-z0-9])", re.IGNORECASE)


def person_and_side(path: str | os.PathLike) -> tuple[str | None, str | None, str | None]:
    """(person, test, side) from a video's path by the naming convention (module docstring);
    (None, None, None) when the name does not follow it."""
    p = Path(path)
    m = _NAME_RE.search(p.stem)
    if m is None:
        return None, None, None
    person = p.stem[:m.start()].strip(" _-.") or p.parent.name
    side = {"l": "left", "r": "right"}.get(m["side"].lower(), m["side"].lower())
    return (person or None), m["test"].lower(), side


def base_row(video: str, folder: str, requested_test: str, model: str) -> VideoRow:
    """A row before measurement: who and what, with status 'failed' until told otherwise."""
    person, _, named_side = person_and_side(video)
    return VideoRow(video=video, name=Path(video).name, folder=folder, requested_test=requested_test,
                    model=model, person=person, named_side=named_side)


def measured_row(base: VideoRow, result, fps: float, size: tuple[int, int]) -> VideoRow:
    """The row of a measured video from its result (`SLRResult` or `HingeResult`)."""
    d = result.to_dict()
    q = d["quality"]
    common = dict(
        status="measured", error=None, test=d["test"], side=d["side"], flags=tuple(d["flags"]),
        not_assessed=tuple(d.get("not_assessed", {})),
        frames=q["frames"], detected_fraction=q["detected_fraction"], view=q.get("view"),
        angle_source=q.get("angle_source"), warnings=tuple(q["warnings"]),
        duration_s=round(q["frames"] / fps, 2) if fps else None, fps=round(float(fps), 3),
        width_px=int(size[0]), height_px=int(size[1]))
    if d["test"] == "slr":
        lo, hi = (d.get("slr_angle_ci95_deg") or [None, None])[:2]
        return replace(base, **common, slr_angle_deg=d["slr_angle_deg"], slr_angle_ci95_low_deg=lo,
                       slr_angle_ci95_high_deg=hi, knee_bend_onset_s=d["knee_bend_onset_s"],
                       max_hip_flexion_deg=d["max_hip_flexion_deg"], pelvic_rotation_deg=d["pelvic_rotation_deg"],
                       contralateral_hip_flexion_deg=d["contralateral_hip_flexion_deg"])
    reps = d["reps"]

    def per_rep(key: str) -> tuple:
        return tuple(r[key] for r in reps)

    def most(key: str) -> float | None:
        values = [v for v in per_rep(key) if v is not None]
        return max(values) if values else None

    return replace(base, **common, rep_count=len(reps), max_hip_flexion_deg=most("max_hip_flexion_deg"),
                   max_trunk_inclination_deg=most("max_trunk_inclination_deg"),
                   max_knee_flexion_deg=most("max_knee_flexion_deg"), rep_bottom_s=per_rep("bottom_s"),
                   rep_max_hip_flexion_deg=per_rep("max_hip_flexion_deg"),
                   rep_max_trunk_inclination_deg=per_rep("max_trunk_inclination_deg"),
                   rep_max_knee_flexion_deg=per_rep("max_knee_flexion_deg"),
                   rep_flags=tuple(tuple(r["flags"]) for r in reps))


def _num(x, nd: int = 2):
    """A rounded float for the table, or None (NaN, infinities and missing values alike)."""
    if x is None:
        return None
    x = float(x)
    return round(x, nd) if x == x and abs(x) != float("inf") else None


def _mae(values: Iterable) -> float | None:
    v = [abs(x) for x in values if _num(x) is not None]
    return round(sum(v) / len(v), 2) if v else None


def with_truth(row: VideoRow, comparison: dict, truth_file: str) -> VideoRow:
    """Add the error columns from `rom.validation.validate.compare(result, truth)`."""
    fl = comparison["flags"]
    common = dict(truth_file=truth_file, side_ok=comparison.get("side_ok"), flags_missed=tuple(fl["missed"]),
                  flags_false=tuple(fl["false"]), hip_flexion_mae_deg=_num(comparison.get("hip_mae_deg")),
                  knee_flexion_mae_deg=_num(comparison.get("knee_mae_deg")))
    if comparison["test"] == "slr":
        return replace(row, **common, truth_slr_angle_deg=_num(comparison["slr_truth_deg"]),
                       slr_angle_error_deg=_num(comparison["slr_error_deg"]),
                       truth_knee_bend_onset_s=_num(comparison.get("onset_truth_s")),
                       knee_bend_onset_error_s=_num(comparison.get("onset_error_s")))
    reps = comparison["reps"]
    return replace(row, **common, truth_rep_count=comparison["reps_truth"],
                   reps_found=sum(bool(r["found"]) for r in reps),
                   rep_hip_flexion_error_deg=tuple(_num(r["hip_error_deg"]) for r in reps),
                   rep_hip_flexion_mae_deg=_mae(r["hip_error_deg"] for r in reps),
                   rep_trunk_inclination_mae_deg=_mae(r["trunk_error_deg"] for r in reps),
                   rep_knee_flexion_mae_deg=_mae(r["knee_error_deg"] for r in reps),
                   trunk_inclination_mae_deg=_num(comparison.get("trunk_mae_deg")))


# ---------------------------------------------------------------------------- CSV and JSON

def _cell(name: str, v) -> str:
    if v is None:
        return ""
    if name == "rep_flags":
        return ";".join("+".join(fl) or "-" for fl in v)
    if isinstance(v, tuple):
        return ";".join("" if x is None else str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula (CSV injection): a
    text starting with = + - @, a tab or a carriage return gets a leading apostrophe. Numbers,
    negative ones too, are left as they are."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        try:
            float(text)
            return text
        except ValueError:
            return "'" + text
    return text


def to_csv(rows: Sequence[VideoRow]) -> str:
    """One line per video. Lists (per-rep values, flags) are joined with ';' (a rep's flags with
    '+', '-' for none); missing values are empty."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([csv_safe(_cell(name, getattr(r, name))) for name in COLUMNS])
    return buf.getvalue()


def counts(rows: Sequence[VideoRow]) -> dict[str, int]:
    out = {s: 0 for s in STATUSES}
    for r in rows:
        out[r.status] = out.get(r.status, 0) + 1
    return out


def to_json(rows: Sequence[VideoRow], meta: dict) -> str:
    """{meta..., counts, columns (unit and meaning of each), rows}."""
    columns = {n: {k: v for k, v in _META[n].items() if v} for n in COLUMNS}
    doc = {**meta, "counts": counts(rows), "columns": columns, "rows": [r.to_dict() for r in rows]}
    return json.dumps(doc, indent=1) + "\n"


# ---------------------------------------------------------------------------- index.html

_FIGURES = {
    "slr": ("slr_angle_deg", "knee_bend_onset_s", "max_hip_flexion_deg", "pelvic_rotation_deg",
            "contralateral_hip_flexion_deg"),
    "hinge": ("rep_count", "max_hip_flexion_deg", "max_trunk_inclination_deg", "max_knee_flexion_deg"),
}
_QUALITY = ("detected_fraction", "frames", "duration_s", "view", "processing_s")
_TRUTH = ("slr_angle_error_deg", "knee_bend_onset_error_s", "reps_found", "truth_rep_count",
          "rep_hip_flexion_mae_deg", "rep_trunk_inclination_mae_deg", "rep_knee_flexion_mae_deg",
          "hip_flexion_mae_deg", "knee_flexion_mae_deg", "trunk_inclination_mae_deg")
_UNIT_TEXT = {"deg": "\u00b0", "s": " s", "1/s": " fps", "px": " px"}


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _fmt(name: str, v) -> str:
    if v is None:
        return "\u2013"
    if isinstance(v, bool):
        return "yes" if v else "no"
    unit = _META[name].get("unit", "")
    if unit == "0..1":
        return f"{100 * v:.0f} %"
    if isinstance(v, float):
        return f"{v:g}{_UNIT_TEXT.get(unit, '')}"
    return f"{v}{_UNIT_TEXT.get(unit, '')}"


def _label(name: str) -> str:
    return _META[name].get("label") or name


def _src(row: VideoRow, file: str) -> str:
    return _e(quote(f"{row.folder}/{file}"))


def card_id(row: VideoRow) -> str:
    return "v-" + re.sub(r"[^A-Za-z0-9_-]", "_", row.folder.rsplit("/", 1)[-1])


def _card(row: VideoRow) -> str:
    flagged = bool(row.flags) or any(row.rep_flags)
    classes = ["card", f"status-{row.status}"] + (["flagged"] if flagged else [])
    data = [f'data-k-name="{_e(row.name)}"', f'data-k-status="{_e(row.status)}"',
            f'data-k-test="{_e(row.test or "")}"', f'data-k-flag_count="{len(row.flags)}"']
    data += [f'data-k-{n}="{_e(getattr(row, n))}"' for n in NUMERIC if getattr(row, n) is not None]
    parts = [f'<article class="{" ".join(classes)}" id="{card_id(row)}" data-video="{_e(row.video)}" '
             + " ".join(data) + ">",
             f'<h2 class="name" title="{_e(row.video)}">{_e(row.name)}</h2>',
             f'<p class="meta">{_e(row.test or "test unknown")}'
             + (f", {_e(row.side)} side" if row.side else "")
             + (f" &middot; person {_e(row.person)}" if row.person else "") + "</p>"]
    if row.named_side and row.side and row.named_side != row.side:
        parts.append(f'<p class="warn">named {_e(row.named_side)}, measured {_e(row.side)}</p>')
    images = [f for f in ("key_frame.jpg", "plot.png") if f in row.outputs]
    if images:
        link = "annotated.mp4" in row.outputs
        pics = []
        for f in images:
            alt = "key frame" if f == "key_frame.jpg" else "angle plot"
            img = f'<img src="{_src(row, f)}" alt="{alt}" loading="lazy">'
            pics.append(f'<a href="{_src(row, "annotated.mp4" if link and f == "key_frame.jpg" else f)}">{img}</a>')
        parts.append('<div class="images">' + "".join(pics) + "</div>")
    if row.error:
        parts.append(f'<p class="error">{_e(row.status.replace("_", " "))}: {_e(row.error)}</p>')
    if row.flags:
        parts.append('<ul class="flags">' + "".join(f'<li class="flag">{_e(f)}</li>' for f in row.flags) + "</ul>")
    if row.not_assessed:
        parts.append('<p class="not-assessed">not assessed: ' + ", ".join(_e(f) for f in row.not_assessed) + "</p>")
    shown = [n for n in _FIGURES.get(row.test or "", ()) if getattr(row, n) is not None]
    if row.measured:
        shown += [n for n in _QUALITY if getattr(row, n) is not None]
    shown += [n for n in _TRUTH if getattr(row, n) is not None]
    if shown:
        parts.append('<dl class="figures">' + "".join(
            f'<dt>{_e(_label(n))}</dt><dd data-key="{n}" data-value="{_e(getattr(row, n))}">'
            f"{_e(_fmt(n, getattr(row, n)))}</dd>" for n in shown) + "</dl>")
    if row.rep_count:
        lines = []
        for i in range(row.rep_count):
            fl = row.rep_flags[i] if i < len(row.rep_flags) else ()
            cells = [f"{i + 1}", _fmt("rep_bottom_s", _at(row.rep_bottom_s, i)),
                     _fmt("max_hip_flexion_deg", _at(row.rep_max_hip_flexion_deg, i)),
                     _fmt("max_trunk_inclination_deg", _at(row.rep_max_trunk_inclination_deg, i)),
                     _fmt("max_knee_flexion_deg", _at(row.rep_max_knee_flexion_deg, i))]
            lines.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells)
                         + f'<td class="{"flag" if fl else ""}">{_e(", ".join(fl))}</td></tr>')
        parts.append('<table class="reps"><tr><th>rep</th><th>bottom</th><th>hip</th><th>trunk</th>'
                     "<th>knee</th><th>flags</th></tr>" + "".join(lines) + "</table>")
    if row.warnings:
        parts.append('<p class="warnings">' + "; ".join(_e(w) for w in row.warnings) + "</p>")
    files = [f for f in ("summary.json", "frames.csv", "annotated.mp4", "plot.png") if f in row.outputs]
    if files:
        parts.append('<p class="files">' + " &middot; ".join(
            f'<a href="{_src(row, f)}">{_e(f)}</a>' for f in files) + "</p>")
    return "\n".join(parts) + "\n</article>"


def _at(values: tuple, i: int):
    return values[i] if i < len(values) else None


@dataclass(frozen=True)
class SideComparison:
    """One person's left and right readings of one test (means over their videos)."""

    person: str
    test: str
    figure: str  # the column compared
    left: tuple[VideoRow, ...]
    right: tuple[VideoRow, ...]

    def mean(self, rows: tuple[VideoRow, ...]) -> float | None:
        v = [getattr(r, self.figure) for r in rows if getattr(r, self.figure) is not None]
        return round(sum(v) / len(v), 1) if v else None

    @property
    def difference(self) -> float | None:
        a, b = self.mean(self.left), self.mean(self.right)
        return None if a is None or b is None else round(a - b, 1)


def side_comparisons(rows: Sequence[VideoRow]) -> list[SideComparison]:
    """People measured on both sides, by the naming convention; SLR compares the SLR angle, the
    hinge the maximum hip flexion."""
    groups: dict[tuple[str, str], dict[str, list[VideoRow]]] = {}
    for r in rows:
        person, test, side = person_and_side(r.video)
        if person is None or not r.measured:
            continue
        groups.setdefault((person, test), {"left": [], "right": []})[side].append(r)
    out = []
    for (person, test), g in sorted(groups.items()):
        if g["left"] and g["right"]:
            figure = "slr_angle_deg" if test == "slr" else "max_hip_flexion_deg"
            out.append(SideComparison(person, test, figure, tuple(g["left"]), tuple(g["right"])))
    return out


def _comparison_table(comps: Sequence[SideComparison]) -> str:
    if not comps:
        return ('<section id="comparison"><h2>Left / right</h2><p class="note">No person measured on both sides. '
                "Name files PERSON_slr-left.mp4 and PERSON_slr-right.mp4 (or hinge-left/right) to compare."
                "</p></section>")
    def links(c: SideComparison, rows: Sequence[VideoRow]) -> str:
        return ", ".join(f'<a href="#{card_id(r)}">{_e(_fmt(c.figure, getattr(r, c.figure)))}</a>' for r in rows)

    lines = []
    for c in comps:
        d = c.difference
        big = d is not None and abs(d) > slr_meaning.SIDE_DIFFERENCE_DEG
        lines.append(f'<tr class="pair{" asymmetric" if big else ""}"><td>{_e(c.person)}</td><td>{_e(c.test)}</td>'
                     f"<td>{_e(_label(c.figure))}</td><td>{links(c, c.left)}</td><td>{links(c, c.right)}</td>"
                     f'<td data-key="difference">{_e(_fmt(c.figure, d))}</td>'
                     f'<td>{"beyond the detectable change" if big else ""}</td></tr>')
    return ('<section id="comparison"><h2>Left / right</h2><table><tr><th>person</th><th>test</th><th>figure</th>'
            "<th>left</th><th>right</th><th>left \u2212 right</th><th></th></tr>" + "".join(lines) + "</table>"
            f'<p class="note">Highlighted: a difference beyond {slr_meaning.SIDE_DIFFERENCE_DEG:g}\u00b0, '
            "the minimal detectable "
            "change of a goniometric SLR.</p></section>")


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{padding:16px 24px;background:#fff;border-bottom:1px solid #d8dce3;position:sticky;top:0;z-index:1}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:0}
.controls{margin-top:8px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
section#comparison{margin:16px 24px;background:#fff;padding:12px 16px;border-radius:8px}
table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #e3e6eb;text-align:left}
tr.asymmetric td{background:#fff1c2;font-weight:600}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:16px;padding:16px 24px}
.card{background:#fff;border-radius:8px;padding:12px;border:2px solid transparent;box-shadow:0 1px 2px #0002}
.card.flagged{border-color:#e0a000}.card.status-unreadable,.card.status-not_measurable,.card.status-failed{border-color:#c0392b;background:#fff6f5}
.card h2{overflow-wrap:anywhere}.meta{color:#5a6272;margin:2px 0 8px}
.images{display:grid;gap:6px}.images img{width:100%;display:block;border-radius:4px;background:#eee}
.flags{list-style:none;padding:0;margin:8px 0;display:flex;gap:6px;flex-wrap:wrap}
.flag{background:#ffe08a;color:#5c4300;border-radius:10px;padding:1px 8px;font-weight:600}
td.flag{border-radius:0}
dl.figures{display:grid;grid-template-columns:auto auto;gap:2px 12px;margin:8px 0}
dt{color:#5a6272}dd{margin:0;font-variant-numeric:tabular-nums;font-weight:600}
.error{color:#a02818;font-weight:600}.warn,.warnings{color:#8a5a00}.note{color:#5a6272}
.files{font-size:12px}.reps{font-size:12px;margin:6px 0}
"""

_JS = """
(function(){
  var main=document.getElementById('cards'), key=document.getElementById('sort-key'),
      dir=document.getElementById('sort-dir'), show=document.getElementById('show'), desc=false;
  var cards=Array.prototype.slice.call(main.querySelectorAll('article.card'));
  var TEXT={name:1,status:1,test:1};
  function val(c,k){var v=c.getAttribute('data-k-'+k);if(v===null||v==='')return null;
    return TEXT[k]?v.toLowerCase():Number(v);}
  function apply(){
    var k=key.value, s=desc?-1:1;
    cards.sort(function(a,b){var x=val(a,k),y=val(b,k);
      if(x===null&&y===null)return 0;if(x===null)return 1;if(y===null)return -1;
      return (x<y?-1:x>y?1:0)*s;});
    var f=show.value;
    cards.forEach(function(c){main.appendChild(c);
      var t=c.getAttribute('data-k-test'),st=c.getAttribute('data-k-status');
      var ok=f==='all'||f===t||(f==='flagged'&&c.classList.contains('flagged'))||(f==='not_measured'&&st!=='measured');
      c.style.display=ok?'':'none';});
    dir.textContent=desc?'descending':'ascending';
  }
  function remember(){history.replaceState(null,'','#sort='+key.value+(desc?'&desc':'')+'&show='+show.value);}
  var h=/sort=([A-Za-z0-9_]+)/.exec(location.hash);
  if(h&&key.querySelector('option[value="'+h[1]+'"]'))key.value=h[1];
  desc=/[#&]desc(&|$)/.test(location.hash);
  var f=/show=([a-z_]+)/.exec(location.hash);if(f&&show.querySelector('option[value="'+f[1]+'"]'))show.value=f[1];
  key.addEventListener('change',function(){apply();remember();});
  show.addEventListener('change',function(){apply();remember();});
  dir.addEventListener('click',function(){desc=!desc;apply();remember();});
  apply();
})();
"""


def render_index(rows: Sequence[VideoRow], meta: dict) -> str:
    """The static report: one card per video, sortable; inline CSS and JS; images referenced
    relatively from the per-video folders, so the folder can be zipped and handed on."""
    c = counts(rows)
    not_measured = len(rows) - c["measured"]
    why = ", ".join(f"{c[s]} {s.replace('_', ' ')}" for s in STATUSES[1:] if c[s])
    present = [n for n in NUMERIC if any(getattr(r, n) is not None for r in rows)]
    options = ['<option value="name">file name</option>', '<option value="status">status</option>',
               '<option value="flag_count">number of flags</option>']
    options += [f'<option value="{n}">{_e(_label(n))}</option>' for n in present]
    title = f"rom batch: {len(rows)} videos"
    head = (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{_e(title)}</title>"
            f"<style>{_CSS}</style></head><body>")
    header = (f"<header><h1>Range of motion: {len(rows)} videos</h1>"
              f'<p class="counts">{c["measured"]} measured, {not_measured} not measured'
              + (f" ({why})" if why else "")
              + f' &middot; {_e(meta.get("created", ""))} &middot; test {_e(meta.get("test", ""))}, '
              f'model {_e(meta.get("model", ""))} &middot; <a href="summary.csv">summary.csv</a> '
              '<a href="summary.json">summary.json</a></p>'
              '<div class="controls"><label>Sort by <select id="sort-key">' + "".join(options) + "</select></label>"
              '<button id="sort-dir" type="button">ascending</button>'
              '<label>Show <select id="show"><option value="all">all</option><option value="slr">SLR</option>'
              '<option value="hinge">hinge</option><option value="flagged">flagged</option>'
              '<option value="not_measured">not measured</option></select></label></div></header>')
    body = (_comparison_table(side_comparisons(rows)) + '<main id="cards">\n'
            + "\n".join(_card(r) for r in rows) + "\n</main>")
    return head + header + body + f"<script>{_JS}</script></body></html>\n"


# ---------------------------------------------------------------------------- files

def write_summaries(out_dir: str | os.PathLike, rows: Sequence[VideoRow], meta: dict) -> dict[str, Path]:
    """Write summary.csv, summary.json and index.html into out_dir; their paths by name."""
    out = Path(out_dir)
    paths = {"csv": out / "summary.csv", "json": out / "summary.json", "html": out / "index.html"}
    atomic_write_text(paths["csv"], to_csv(rows))
    atomic_write_text(paths["json"], to_json(rows, meta))
    atomic_write_text(paths["html"], render_index(rows, meta))
    return paths
