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


def slr_history(slr: dict) -> str:
    """The history chart: per side how many SLRs, the first and the latest with their dates."""
    parts = []
    for side in ("left", "right"):
        pts = slr["points"].get(side) or []
        if not pts:
            parts.append(f"{side.capitalize()}: none.")
            continue
        first, last = pts[0], pts[-1]
        n = len(pts)
        if n == 1:
            parts.append(f"{side.capitalize()}: 1 SLR, {last['deg']:.1f}° on {_day(last['at'])}.")
        else:
            parts.append(f"{side.capitalize()}: {n} SLRs, from {first['deg']:.1f}° on {_day(first['at'])} "
                         f"to {last['deg']:.1f}° on {_day(last['at'])}.")
    return (f"SLR angle per side over time (the dotted line at {slr['tight_below_deg']:g}°: below it, tight "
            "hamstrings). " + " ".join(parts))


def hinge_history(hinge: dict) -> str:
    """The hip hinge chart of the history: per angle the first and the latest assessment's
    highest repetition, with their dates."""
    pts = hinge["points"]
    if not pts:
        return "No hip hinge measured yet."
    parts = []
    for s in hinge["series"]:
        have = [p for p in pts if p.get(s["key"]) is not None]
        if not have:
            continue
        first, last = have[0], have[-1]
        if len(have) == 1:
            parts.append(f"{s['label']} {last[s['key']]:.1f}° on {_day(last['at'])}")
        else:
            parts.append(f"{s['label']} from {first[s['key']]:.1f}° on {_day(first['at'])} to "
                         f"{last[s['key']]:.1f}° on {_day(last['at'])}")
    n = len(pts)
    return (f"Hip hinge over time, the highest repetition of each of {n} assessment{'s' if n != 1 else ''}: "
            + "; ".join(parts) + ".")
