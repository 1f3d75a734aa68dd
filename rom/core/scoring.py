"""Scores of measured values against ground truth: per-frame errors, flags, repetitions, and the
summary statistics of a validation table. Pure functions of arrays and dicts (the truth files
themselves are read by `rom.validation.truth`)."""

from __future__ import annotations

import numpy as np

# DESIGN.md 7: an error over 5 degrees with the truth outside the reported interval, not refused
CONFIDENTLY_WRONG_DEG = 5.0


def per_frame_mae(measured: np.ndarray, truth: np.ndarray) -> float:
    """Mean absolute difference over the frames both have (degrees); NaN if none."""
    n = min(len(measured), len(truth))
    d = np.abs(np.asarray(measured[:n], float) - truth[:n])
    d = d[np.isfinite(d)]
    return float(d.mean()) if len(d) else float("nan")


def flag_score(measured: list[str], truth: list[str]) -> dict:
    """Hits, misses (in truth, not measured) and false flags (measured, not in truth)."""
    m, t = set(measured), set(truth)
    return {"hits": sorted(m & t), "missed": sorted(t - m), "false": sorted(m - t), "exact": m == t}


def match_reps(measured: list[dict], truth: list[dict]) -> list[tuple[dict | None, dict]]:
    """Pair each true repetition with the measured one whose bottom is nearest in time (or None)."""
    out, used = [], set()
    for t in truth:
        best, best_d = None, np.inf
        for i, m in enumerate(measured):
            d = abs(m["bottom_s"] - t["bottom_s"]) if m.get("bottom_s") is not None else np.inf
            if i not in used and d < best_d and d < max(1.0, 0.5 * (t["end_s"] - t["start_s"])):
                best, best_d = i, d
        if best is not None:
            used.add(best)
        out.append((None if best is None else measured[best], t))
    return out


def abs_stats(values: list[float]) -> dict:
    """n, mean, median and max of the absolute values that are finite."""
    v = np.abs(np.array([x for x in values if x is not None and np.isfinite(x)], dtype=float))
    if not len(v):
        return {"n": 0}
    return {"n": int(len(v)), "mae": float(v.mean()), "median": float(np.median(v)), "max": float(v.max())}


def flag_rate(rows: list[dict], name: str) -> dict:
    """How often a flag was raised on clips that have it in their truth, and on those that do not."""
    have = [r for r in rows if name in r["truth_flags"]]
    lack = [r for r in rows if name not in r["truth_flags"]]
    return {"flagged": sum(name in r["flags"]["hits"] for r in have), "of": len(have),
            "false": sum(name in r["flags"]["false"] for r in lack), "of_without": len(lack),
            # said to be beyond what the video can decide: neither raised nor ruled out
            "not_assessed": sum(name in r.get("not_assessed", ()) for r in have),
            "not_assessed_without": sum(name in r.get("not_assessed", ()) for r in lack)}


def clip_table(rows: list[dict], header: str, n_columns: int, line) -> list[str]:
    """A markdown table of clips: the header, a row per clip (line(row) for a measured one, its
    reason for a refused one), a blank line; nothing without clips."""
    if not rows:
        return []
    out = [header, "|" + "---|" * n_columns]
    for r in rows:
        out.append(f"| {r['clip']} |" + " |" * (n_columns - 2) + f" refused: {r['error']} |" if "error" in r
                   else line(r))
    return out + [""]


def signed(x, nd: int = 1, sign: bool = True) -> str:
    """A number for a validation table ('-' when missing)."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    return f"{x:+.{nd}f}" if sign else f"{x:.{nd}f}"


def flags_text(fs: dict) -> str:
    parts = [f"hit {', '.join(fs['hits'])}" if fs["hits"] else "",
             f"MISSED {', '.join(fs['missed'])}" if fs["missed"] else "",
             f"FALSE {', '.join(fs['false'])}" if fs["false"] else ""]
    return "; ".join(p for p in parts if p) or "none (right)"
