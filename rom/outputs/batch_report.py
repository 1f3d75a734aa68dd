"""Rows of a batch (one per video) and the files made of them: summary.csv, summary.json, index.html.

Pure apart from `write_summaries`: a result (or an error) becomes a `VideoRow` (its test's
columns come from its protocol: `Protocol.batch_figures`); rows become text. Each test's columns
are fields of `VideoRow`, the CSV's contract: a new test adds its own.

Person and side convention (for the left/right comparison in index.html): name a video
``PERSON_TEST-SIDE[_NOTE].EXT``, where TEST is a registered test's name (``slr``, ``hinge``:
`rom.protocols.names()`) and SIDE is ``left`` or ``right`` (``l``/``r`` and ``_`` instead of
``-`` are accepted, case does not matter), e.g.
``anna_slr-left.mp4``, ``p017_hinge-right_take2.mov``. Or keep one folder per person and name the
files ``TEST-SIDE[_NOTE].EXT`` inside it (``p017/slr-right.mp4``): the folder's name is then the
person. Everything before the TEST-SIDE token is the person; anything after it is ignored.
The side in the name is what the comparison uses (it is the examiner's statement); a card
warns when the measured side differs. Several videos of one person, test and side are averaged.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import quote

from rom import protocols
from rom.outputs.atomic import atomic_write_text

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
    requested_test: str = _col(doc="the --test asked for (slr, hinge, ake, slump or auto)", default="auto")
    model: str = _col(doc="pose model", default="full")
    person: str | None = _col(label="person", doc="from the file name (see the naming convention)")
    named_side: str | None = _col(doc="side from the file name: left or right")
    test: str | None = _col(label="test", doc="the test measured (slr, hinge, ake or slump); of a refused video, "
                                              "the test whose analysis refused it (none if no test was chosen)")
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
    # Active knee extension (AKE)
    ake_angle_deg: float | None = _col("deg", "AKE angle", "knee flexion left at end range")
    ake_angle_ci95_low_deg: float | None = _col("deg", "AKE angle 95% low")
    ake_angle_ci95_high_deg: float | None = _col("deg", "AKE angle 95% high")
    hip_flexion_at_end_deg: float | None = _col("deg", "hip at end range", "AKE: tested thigh vs table")
    end_range_s: float | None = _col("s", "end range", "AKE: when the knee reached its most extended hold")
    max_other_hip_flexion_deg: float | None = _col("deg", "other thigh highest", "AKE: other thigh vs table")
    # slump test
    knee_flexion_end_deg: float | None = _col("deg", "knee at end range", "slump: knee flexion in full slump")
    knee_flexion_release_deg: float | None = _col("deg", "knee after release", "slump: after the neck release")
    release_gain_deg: float | None = _col("deg", "gain on release", "slump: knee extension gained on the release")
    max_spine_flexion_deg: float | None = _col("deg", "max spine flexion", "slump")
    max_neck_flexion_deg: float | None = _col("deg", "max neck flexion", "slump")
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
    truth_ake_angle_deg: float | None = _col("deg", "true AKE angle")
    ake_angle_error_deg: float | None = _col("deg", "AKE angle error", "measured minus truth")
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

# Integer columns (counts): kept as they are where numbers are rounded.
_COUNTS = frozenset(f.name for f in fields(VideoRow) if str(f.type).startswith("int"))

_NAME_RE = re.compile(rf"(?<![a-z0-9])(?P<test>{'|'.join(protocols.names())})[-_](?P<side>left|right|l|r)(?![a-z0-9])",
                      re.IGNORECASE)


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
    """The row of a measured video from its result (its test's columns: `Protocol.batch_figures`)."""
    d = result.to_dict()
    q = d["quality"]
    common = dict(
        status="measured", error=None, test=d["test"], side=d["side"], flags=tuple(d["flags"]),
        not_assessed=tuple(d.get("not_assessed", {})),
        frames=q["frames"], detected_fraction=q["detected_fraction"], view=q.get("view"),
        angle_source=q.get("angle_source"), warnings=tuple(q["warnings"]),
        duration_s=round(q["frames"] / fps, 2) if fps else None, fps=round(float(fps), 3),
        width_px=int(size[0]), height_px=int(size[1]))
    return replace(base, **common, **protocols.get(d["test"]).batch_figures(d))


def _num(x, nd: int = 2):
    """A rounded float for the table, or None (NaN, infinities and missing values alike)."""
    if x is None:
        return None
    x = float(x)
    return round(x, nd) if x == x and abs(x) != float("inf") else None


def with_truth(row: VideoRow, comparison: dict, truth_file: str) -> VideoRow:
    """Add the error columns from `rom.validation.validate.compare(result, truth)`."""
    fl = comparison["flags"]
    common = dict(truth_file=truth_file, side_ok=comparison.get("side_ok"), flags_missed=tuple(fl["missed"]),
                  flags_false=tuple(fl["false"]), hip_flexion_mae_deg=_num(comparison.get("hip_mae_deg")),
                  knee_flexion_mae_deg=_num(comparison.get("knee_mae_deg")))
    errors = protocols.get(comparison["test"]).batch_truth_figures(comparison)
    return replace(row, **common, **{k: _rounded(k, v) for k, v in errors.items()})


def _rounded(name: str, v):
    """A column's value as the table keeps it: numbers rounded (`_num`), counts as they are."""
    if name in _COUNTS:
        return v
    return tuple(_num(x) for x in v) if isinstance(v, tuple) else _num(v)


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

_QUALITY = ("detected_fraction", "frames", "duration_s", "view", "processing_s")
_TRUTH = ("slr_angle_error_deg", "knee_bend_onset_error_s", "ake_angle_error_deg", "reps_found", "truth_rep_count",
          "rep_hip_flexion_mae_deg", "rep_trunk_inclination_mae_deg", "rep_knee_flexion_mae_deg",
          "hip_flexion_mae_deg", "knee_flexion_mae_deg", "trunk_inclination_mae_deg")
_UNIT_TEXT = {"deg": "\u00b0", "s": " s", "1/s": " fps", "px": " px"}


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
    return quote(f"{row.folder}/{file}")


def card_id(row: VideoRow) -> str:
    return "v-" + re.sub(r"[^A-Za-z0-9_-]", "_", row.folder.rsplit("/", 1)[-1])


# The per-repetition columns of a card's table, by the figure's key in the result
_REP_COLUMNS = (("max_hip_flexion_deg", "rep_max_hip_flexion_deg"),
                ("max_trunk_inclination_deg", "rep_max_trunk_inclination_deg"),
                ("max_knee_flexion_deg", "rep_max_knee_flexion_deg"))


def _rep_headings(test: str | None) -> tuple[str, ...]:
    """The headings of a card's table of repetitions: the figures as the test's protocol names them."""
    quantities = protocols.get(test).quantities if test in protocols.names() else {}
    return ("rep", "bottom", *(quantities[k].label if k in quantities else _label(k) for k, _ in _REP_COLUMNS),
            "flags")


def _card(row: VideoRow) -> dict:
    """What the template shows of one video (plain values; the template escapes them)."""
    flagged = bool(row.flags) or any(row.rep_flags)
    data = [("name", row.name), ("status", row.status), ("test", row.test or ""), ("flag_count", len(row.flags))]
    data += [(n, getattr(row, n)) for n in NUMERIC if getattr(row, n) is not None]
    link = "annotated.mp4" in row.outputs
    images = [(_src(row, "annotated.mp4" if link and f == "key_frame.jpg" else f), _src(row, f),
               "key frame" if f == "key_frame.jpg" else "angle plot")
              for f in ("key_frame.jpg", "plot.png") if f in row.outputs]
    shown = [n for n in _card_figures(row.test) if getattr(row, n) is not None]
    if row.measured:
        shown += [n for n in _QUALITY if getattr(row, n) is not None]
    shown += [n for n in _TRUTH if getattr(row, n) is not None]
    reps = []
    for i in range(row.rep_count or 0):
        cells = (f"{i + 1}", _fmt("rep_bottom_s", _at(row.rep_bottom_s, i)),
                 *(_fmt(key, _at(getattr(row, column), i)) for key, column in _REP_COLUMNS))
        reps.append((cells, row.rep_flags[i] if i < len(row.rep_flags) else ()))
    return {
        "classes": " ".join(["card", f"status-{row.status}"] + (["flagged"] if flagged else [])),
        "id": card_id(row), "video": row.video, "name": row.name, "data": data, "test": row.test,
        "side": row.side, "person": row.person, "named_side": row.named_side,
        "named_differs": bool(row.named_side and row.side and row.named_side != row.side),
        "images": images, "status": row.status.replace("_", " "), "error": row.error, "flags": row.flags,
        "not_assessed": row.not_assessed,
        "figures": [(_label(n), n, getattr(row, n), _fmt(n, getattr(row, n))) for n in shown],
        "reps": reps, "rep_headings": _rep_headings(row.test), "warnings": row.warnings,
        "files": [(_src(row, f), f) for f in ("summary.json", "frames.csv", "annotated.mp4", "plot.png")
                  if f in row.outputs]}


def _card_figures(test: str | None) -> tuple[str, ...]:
    """The row's columns a card shows first for a test (its protocol's batch figures)."""
    return protocols.get(test).batch_columns if test in protocols.names() else ()


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
    """People measured on both sides, by the naming convention; each test compares its protocol's
    headline figure (the SLR angle; the hinge's deepest hip flexion)."""
    groups: dict[tuple[str, str], dict[str, list[VideoRow]]] = {}
    for r in rows:
        person, test, side = person_and_side(r.video)
        if person is None or not r.measured:
            continue
        groups.setdefault((person, test), {"left": [], "right": []})[side].append(r)
    out = []
    for (person, test), g in sorted(groups.items()):
        if g["left"] and g["right"]:
            out.append(SideComparison(person, test, protocols.get(test).headline, tuple(g["left"]), tuple(g["right"])))
    return out


def _comparison(c: SideComparison) -> dict:
    def links(rows: Sequence[VideoRow]) -> list[tuple[str, str]]:
        return [(card_id(r), _fmt(c.figure, getattr(r, c.figure))) for r in rows]

    d = c.difference
    limit, _ = protocols.get(c.test).batch_side_difference
    return {"person": c.person, "test": c.test, "figure": _label(c.figure), "left": links(c.left),
            "right": links(c.right), "difference": _fmt(c.figure, d), "notable": d is not None and abs(d) > limit}


def render_index(rows: Sequence[VideoRow], meta: dict) -> str:
    """The static report (templates/batch_index.html): one card per video, sortable; inline CSS
    and JS; images referenced relatively from the per-video folders, so the folder can be zipped
    and handed on."""
    import jinja2  # here: only the batch's index.html needs it, not `rom analyze`

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    c = counts(rows)
    present = [n for n in NUMERIC if any(getattr(r, n) is not None for r in rows)]
    comps = side_comparisons(rows)
    notes = dict.fromkeys(f"{limit:g}\u00b0, {why}" for limit, why in
                          (protocols.get(comp.test).batch_side_difference for comp in comps))
    return env.get_template("batch_index.html").render(
        title=f"rom batch: {len(rows)} videos", counts=c, not_measured=len(rows) - c["measured"],
        why=", ".join(f"{c[s]} {s.replace('_', ' ')}" for s in STATUSES[1:] if c[s]),
        meta={k: meta.get(k, "") for k in ("created", "test", "model")},
        sort_options=[("name", "file name"), ("status", "status"), ("flag_count", "number of flags")]
        + [(n, _label(n)) for n in present],
        tests=[(p.name, p.short_title) for p in protocols.all_protocols()],
        comparisons=[_comparison(comp) for comp in comps], notes=list(notes),
        cards=[_card(r) for r in rows])


# ---------------------------------------------------------------------------- files

def write_summaries(out_dir: str | os.PathLike, rows: Sequence[VideoRow], meta: dict) -> dict[str, Path]:
    """Write summary.csv, summary.json and index.html into out_dir; their paths by name."""
    out = Path(out_dir)
    paths = {"csv": out / "summary.csv", "json": out / "summary.json", "html": out / "index.html"}
    atomic_write_text(paths["csv"], to_csv(rows))
    atomic_write_text(paths["json"], to_json(rows, meta))
    atomic_write_text(paths["html"], render_index(rows, meta))
    return paths
