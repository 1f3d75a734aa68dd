"""Data for charts and tables, shared by the pages and the JSON API: an assessment's angles
over time with its marks (the angles its test charts, `Protocol.chart`), a person's headline
figures per side over time (tests that compare sides), and their repetitions' highest figures over
time (tests with a trend, `Protocol.trend`). Names of angles and figures are the test's
(`Protocol.label`)."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select

from rom import protocols
from rom.outputs.wording import flag_words
from rom.protocols.base import Protocol
from web.db import db
from web.formats.filters import localtime
from web.models import Assessment, FrameSample
from web.services import comparison, interpret, trials


def frames_payload(a: Assessment) -> dict:
    """Per-frame angles for the result chart: {t_s, series: [{name, label, values}] in drawing
    order, source, marks}.

    Frames without offline angles yet (a recording in progress or incomplete) give the angles
    shown live instead, and say so."""
    rows = db.session.execute(select(FrameSample.t_s, FrameSample.angles, FrameSample.live)
                              .where(FrameSample.assessment_id == a.id).order_by(FrameSample.frame)).all()
    offline = any(r.angles for r in rows)
    p = a.protocol
    series = []
    for name in p.chart if p else ():  # (an upload whose test is still to be found has none)
        if offline:
            values = [(r.angles or {}).get(name) for r in rows]
        else:
            values = [((r.live or {}).get("angles") or {}).get(name) for r in rows]
        if any(v is not None for v in values):
            series.append({"name": name, "label": p.label(name),
                           "values": [None if v is None else round(v, 2) for v in values]})
    t = [round(((r.angles or {}).get("t_s") or r.t_s) if offline else r.t_s, 3) for r in rows]
    return {"t_s": t, "series": series, "source": "offline" if offline else "live", "marks": marks(a),
            "hlines": trial_lines(a)}


def marks(a: Assessment) -> list[dict]:
    """Vertical marks for the chart: knee-bend onset, pain, hinge repetition bottoms."""
    r = a.result or {}
    p = a.protocol
    out = []
    view = trials.trials_view(a)
    if view is not None and len(view["rows"]) > 1:
        out += _trial_marks(view["rows"], p.headline)
    elif r.get("knee_bend_onset_s") is not None:  # the headline figure is read at the knee bend (the SLR)
        out.append({"t_s": r["knee_bend_onset_s"], "label": f"knee bend {r.get(p.headline) or 0:.0f}°",
                    "kind": "onset"})
    pains = r.get("pain_marks")  # every mark; results from before there could be several have pain_s only
    if pains is None:
        pain_s = r.get("pain_s", a.pain_s)
        pains = [] if pain_s is None else [{"t_s": pain_s, "angle_deg": r.get("pain_angle_deg")}]
    for m in pains:
        angle = m["angle_deg"]
        out.append({"t_s": m["t_s"], "label": "pain" + (f" {angle:.0f}°" if angle is not None else ""), "kind": "pain"})
    for i, rep in enumerate(r.get("reps") or [], 1):
        if rep.get("bottom_s") is not None:
            out.append({"t_s": rep["bottom_s"], "label": f"rep {i}", "kind": "rep"})
    return out


def _trial_marks(rows: list[dict], key: str) -> list[dict]:
    """One mark per trial at its knee-bend onset (else its highest point), with its figure (the
    test's headline, `key`) or why it does not count."""
    out = []
    for t in rows:
        at = t["knee_bend_onset_s"] if t.get("knee_bend_onset_s") is not None else t.get("peak_s")
        if at is None:
            continue
        if t.get("refused"):
            words, kind = "not measured", "trial-out"
        elif t.get("excluded"):
            words, kind = f"{t[key]:.0f}° excluded", "trial-out"
        else:
            words, kind = f"{t[key]:.0f}°", "onset"
        out.append({"t_s": at, "label": f"trial {t['number']} {words}", "kind": kind, "trial": t["number"]})
    return out


def trial_lines(a: Assessment) -> list[dict]:
    """Horizontal lines for the chart of a recording with several trials: the mean of the trials
    counted and mean +/- SD (the spread)."""
    view = trials.trials_view(a)
    if view is None or len(view["rows"]) < 2 or view["summary"][trials.mean_key(a)] is None:
        return []
    s = view["summary"]
    mean, sd = s[trials.mean_key(a)], s["sd_deg"]
    # one label, on the mean's line: the SD lines lie close to it (a few degrees) and labels would overlap
    lines = [{"y": mean, "label": f"mean of {s['n_included']} trials {mean:.1f}°"
              + (f", SD {sd:.1f}°" if sd is not None else ""), "kind": "mean"}]
    if sd is not None:
        lines += [{"y": round(mean + sign * sd, 1), "label": "", "kind": "spread"} for sign in (1, -1)]
    return lines


def side_history(p: Protocol, assessments: list[Assessment], within_days: float) -> dict:
    """A person's complete assessments of a test that compares sides: points per side for the chart
    (with their mode), and the left/right comparisons of like with like (`web.services.comparison`):
    per mode, the latest with the other side's closest within within_days; and per visit (day and
    mode) with both sides. With the test's thresholds and its chart's reference lines."""
    vals = [v for v in comparison.values(assessments) if v.test == p.name]
    points = {side: [{"at": v.at.isoformat() + "Z", "deg": v.deg, "id": v.assessment_id, "mode": v.mode}
                     for v in vals if v.side == side] for side in comparison.SIDES}
    latest = {s: (pts[-1]["deg"] if pts else None) for s, pts in points.items()}
    comparisons = [{"mode": c["mode"], "missing": c.get("missing"),
                    "comparison": c["comparison"].to_dict() if "comparison" in c else None}
                   for c in comparison.latest_per_mode(vals, within_days)]
    th = interpret.thresholds(p)
    return {"label": p.label(p.headline), "points": points, "latest": latest, **asdict(th),
            "lines": p.interpretation().reference_lines(th),
            "within_days": within_days, "comparisons": comparisons,
            "visits": [c.to_dict() for c in comparison.visits(vals)]}


def side_histories(assessments: list[Assessment], within_days: float) -> dict[str, dict]:
    """`side_history` of every test that compares sides, by the test's name."""
    return {p.name: side_history(p, assessments, within_days) for p in protocols.all_protocols() if p.compares_sides}


def trend(p: Protocol, assessments: list[Assessment]) -> dict:
    """A person's complete assessments of a test with repetitions, oldest first: per assessment the
    highest of its repetitions' figures (`Protocol.trend`, degrees) with the number of repetitions
    and their flags (in words: the page's data are read by people too); and the chart's series
    (key, label)."""
    points = []
    for a in sorted((a for a in assessments if a.test == p.name and a.status == "complete"), key=lambda a: a.when):
        reps = (a.result or {}).get("reps") or []
        highest = {key: max((r[key] for r in reps if r.get(key) is not None), default=None) for key in p.trend}
        if all(v is None for v in highest.values()):
            continue
        points.append({"at": a.when.isoformat() + "Z", "day": localtime(a.when, "%Y-%m-%d"), "id": a.id,
                       "reps": len(reps),
                       "flags": sorted({flag_words(f, p.name) for r in reps for f in r.get("flags", [])}), **highest})
    return {"points": points, "series": [{"key": k, "label": p.label(k)} for k in p.trend], "title": p.title}


def headline(a: Assessment) -> str:
    """The main figure for lists (the test's, `Protocol.interpretation().headline`): '61.8°' (SLR),
    '61.8° (trial 1; mean of 3 trials 62.0° (SD 1.0°))' (several trials), '3 reps, hip flexion up to
    84.0°' (hinge); '' without a result."""
    p = a.protocol
    if a.status != "complete" or p is None:
        return ""
    r = a.result or {}
    text = p.interpretation().headline(r)
    several = trials.summary_words(a) if text and p.trials else ""  # which trial this is, and their mean
    if several:
        text += f" (trial {(r.get('headline') or {}).get('trial') or 1}; {several})"
    return text
