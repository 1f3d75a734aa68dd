"""The text alternative of each chart (issue 11, point 10): what a canvas shows, in a sentence or
two, for screen readers and for anyone who cannot see the drawing. Built from the same data as
the charts (`web.services.summaries`); dates are ISO, as in the tables."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from web.formats.filters import localtime


def angles(payload: dict) -> str:
    """The result chart: per angle its range and when it peaked, then the marks."""
    t = np.array([np.nan if v is None else v for v in payload["t_s"]], float)
    parts = []
    for s in payload["series"]:
        v = np.array([np.nan if x is None else x for x in s["values"]], float)
        ok = np.isfinite(v) & np.isfinite(t)
        if not ok.any():
            continue
        top = int(np.nanargmax(np.where(ok, v, np.nan)))
        parts.append(f"{s['label']} from {np.nanmin(v[ok]):.0f}° to {v[top]:.0f}° (highest at {t[top]:.1f} s)")
    if not parts:
        return "No angles to show."
    span = float(np.nanmax(t) - np.nanmin(t)) if np.isfinite(t).any() else 0.0
    text = f"Angles over {span:.1f} s{', as shown live' if payload.get('source') == 'live' else ''}: " \
           + "; ".join(parts) + "."
    marks = [f"{m['label']} at {m['t_s']:.1f} s" for m in payload.get("marks", [])]
    return text + (f" Marked: {', '.join(marks)}." if marks else "")


def _day(at: str) -> str:
    return localtime(datetime.fromisoformat(at.rstrip("Z")), "%Y-%m-%d")


def side_history(p, data: dict) -> str:
    """A person's chart of a test's headline figure per side (`web.services.summaries.side_history`):
    per side how many, the first and the latest with their dates. p: the test's `Protocol`."""
    parts = []
    short = p.short_title
    for side in ("left", "right"):
        pts = data["points"].get(side) or []
        if not pts:
            parts.append(f"{side.capitalize()}: none.")
            continue
        first, last = pts[0], pts[-1]
        n = len(pts)
        if n == 1:
            parts.append(f"{side.capitalize()}: 1 {short}, {last['deg']:.1f}° on {_day(last['at'])}.")
        else:
            parts.append(f"{side.capitalize()}: {n} {short}s, from {first['deg']:.1f}° on {_day(first['at'])} "
                         f"to {last['deg']:.1f}° on {_day(last['at'])}.")
    lines = "; ".join(f"the dotted line at {line['y']:g}°: {line['meaning']}" for line in data.get("lines", []))
    return f"{p.label(p.headline)} per side over time" + (f" ({lines})" if lines else "") + ". " + " ".join(parts)


def trend(p, data: dict) -> str:
    """A person's trend chart of a test with repetitions (`web.services.summaries.trend`): per
    figure the first and the latest assessment's highest repetition, with their dates."""
    pts = data["points"]
    if not pts:
        return f"No {p.title.lower()} measured yet."
    parts = []
    for s in data["series"]:
        have = [pt for pt in pts if pt.get(s["key"]) is not None]
        if not have:
            continue
        first, last = have[0], have[-1]
        if len(have) == 1:
            parts.append(f"{s['label']} {last[s['key']]:.1f}° on {_day(last['at'])}")
        else:
            parts.append(f"{s['label']} from {first[s['key']]:.1f}° on {_day(first['at'])} to "
                         f"{last[s['key']]:.1f}° on {_day(last['at'])}")
    n = len(pts)
    return (f"{p.title} over time, the highest repetition of each of {n} assessment{'s' if n != 1 else ''}: "
            + "; ".join(parts) + ".")
