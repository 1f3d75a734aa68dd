"""The slump test against its ground truth (DESIGN.md 6-7): one row per clip, the summary, and their
lines in `rom validate`'s tables. Rows and summaries are plain dicts (JSON as they are).

Goals (the issue): knee flexion at end range and after the release within 3 degrees on average, the
gain on release within 2, every step found in order within 0.3 s, spine and neck flexion within 5
degrees on average."""

from __future__ import annotations

import numpy as np

from rom.core.scoring import CONFIDENTLY_WRONG_DEG, abs_stats, per_frame_mae, signed
from rom.core.scoring import clip_table as scored_clips

PHASE_TOLERANCE_S = 0.3
GOALS = {"knee_end": 3.0, "knee_release": 3.0, "gain": 2.0, "spine": 5.0, "neck": 5.0}


def conditions(truth: dict) -> dict:
    r = truth.get("render", {})
    return {"leg": r.get("leg", "near" if truth.get("side") == truth.get("facing") else "far"),
            "ankle": "ankle_dorsiflexion" in truth.get("phases", {}),
            "gain_truth_deg": truth.get("release_gain_deg")}


def _err(d: dict, truth: dict, key: str) -> float | None:
    m, t = d.get(key), truth.get(key)
    return None if m is None or t is None else m - t


def _outline_error(columns: dict, truth: dict) -> float | None:
    """The back outline's greatest spine flexion minus the truth's (the outline's estimate is not
    reported; this says why)."""
    x = np.asarray(columns.get("spine_flexion_outline_deg", []), float)
    return float(np.nanmax(x)) - truth["max_spine_flexion_deg"] if np.isfinite(x).any() else None


def compare(d: dict, columns: dict, truth) -> dict:
    """The slump's columns of a row: d is the result's to_dict(), columns its per-frame table, truth
    the clip's `rom.validation.truth.Truth`."""
    t = truth.data
    phase_err = {}
    for name, (a, b) in t["phases"].items():
        got = d["phases"].get(name)
        phase_err[name] = None if got is None else max(abs(got[0] - a), abs(got[1] - b))
    extra = sorted(set(d["phases"]) - set(t["phases"]))
    order = [k for k in d["phases"]]
    in_order = order == [k for k in t["phases"] if k in d["phases"]]
    covers = {}
    for key in ("knee_flexion_end_deg", "knee_flexion_release_deg", "release_gain_deg"):
        lo, hi = d.get(key.replace("_deg", "_ci95_deg")) or (None, None)
        covers[key] = None if lo is None or t.get(key) is None else lo <= t[key] <= hi
    end_err = _err(d, t, "knee_flexion_end_deg")
    return dict(
        knee_end_error_deg=end_err,
        knee_release_error_deg=_err(d, t, "knee_flexion_release_deg"),
        gain_error_deg=_err(d, t, "release_gain_deg"),
        gain_truth_deg=t.get("release_gain_deg"), gain_deg=d.get("release_gain_deg"),
        spine_error_deg=_err(d, t, "max_spine_flexion_deg"),
        spine_outline_error_deg=_outline_error(columns, t),
        trunk_error_deg=_err(d, t, "max_trunk_inclination_deg"),
        neck_error_deg=_err(d, t, "max_neck_flexion_deg"),
        ankle_error_deg=_err(d, t, "max_ankle_dorsiflexion_deg") if "ankle_dorsiflexion" in t["phases"] else None,
        end_range_error_s=_err(d, t, "end_range_s"),
        phase_error_s=phase_err, extra_phases=extra, phases_in_order=in_order,
        phases_right=all(v is not None and v <= PHASE_TOLERANCE_S for v in phase_err.values()) and not extra,
        covers=covers,
        confidently_wrong=end_err is not None and abs(end_err) > CONFIDENTLY_WRONG_DEG
        and covers["knee_flexion_end_deg"] is False,
        knee_mae_deg=per_frame_mae(columns["knee_flexion_deg"], truth.frame_series("knee_flexion_deg")),
        spine_mae_deg=per_frame_mae(columns["spine_flexion_deg"], truth.frame_series("spine_flexion_deg")),
        neck_mae_deg=per_frame_mae(columns["neck_flexion_deg"], truth.frame_series("neck_flexion_deg")),
        trunk_mae_deg=per_frame_mae(columns["trunk_inclination_deg"], truth.frame_series("trunk_inclination_deg")),
    )


def summarize(rows: list[dict]) -> dict:
    """rows: every slump clip's row, the refused ones (with "error") included."""
    ok = [r for r in rows if "error" not in r]
    phase_errs = [v for r in ok for v in r["phase_error_s"].values() if v is not None]
    out = {
        "clips": len(ok), "refused": len(rows) - len(ok), "of": len(rows),
        "knee_end_error_deg": abs_stats([r["knee_end_error_deg"] for r in ok]),
        "knee_release_error_deg": abs_stats([r["knee_release_error_deg"] for r in ok]),
        "gain_error_deg": abs_stats([r["gain_error_deg"] for r in ok]),
        "spine_error_deg": abs_stats([r["spine_error_deg"] for r in ok]),
        "spine_outline_error_deg": abs_stats([r["spine_outline_error_deg"] for r in ok]),
        "trunk_error_deg": abs_stats([r["trunk_error_deg"] for r in ok]),
        "neck_error_deg": abs_stats([r["neck_error_deg"] for r in ok]),
        "ankle_error_deg": abs_stats([r["ankle_error_deg"] for r in ok]),
        "spine_mae_deg": abs_stats([r["spine_mae_deg"] for r in ok]),
        "neck_mae_deg": abs_stats([r["neck_mae_deg"] for r in ok]),
        "knee_mae_deg": abs_stats([r["knee_mae_deg"] for r in ok]),
        "phase_error_s": abs_stats(phase_errs),
        "phases_right": sum(r["phases_right"] for r in ok),
        "phases_in_order": sum(r["phases_in_order"] for r in ok),
        "side_ok": sum(r["side_ok"] for r in ok),
        "flags_exact": sum(r["flags"]["exact"] for r in ok),
        "covers": {k: sum(bool(r["covers"][k]) for r in ok) for k in
                   ("knee_flexion_end_deg", "knee_flexion_release_deg", "release_gain_deg")},
        "confidently_wrong": sorted(r["clip"] for r in ok if r["confidently_wrong"]),
        "by_leg": {},
    }
    for leg in ("near", "far"):
        group = [r for r in rows if r.get("leg") == leg]
        g_ok = [r for r in group if "error" not in r]
        out["by_leg"][leg] = {"clips": len(group), "refused": len(group) - len(g_ok),
                              "knee_end": abs_stats([r["knee_end_error_deg"] for r in g_ok]),
                              "knee_end_mean_deg": float(np.mean([r["knee_end_error_deg"] for r in g_ok
                                                                  if r["knee_end_error_deg"] is not None]))
                              if g_ok else None}
    return out


def clip_table(rows: list[dict]) -> list[str]:
    def line(r: dict) -> str:
        worst = max((v for v in r["phase_error_s"].values() if v is not None), default=None)
        return (f"| {r['clip']} | {r.get('leg', '')} | {signed(r['knee_end_error_deg'])} | "
                f"{signed(r['knee_release_error_deg'])} | {signed(r['gain_error_deg'])} | "
                f"{signed(r['spine_error_deg'])} | {signed(r['neck_error_deg'])} | {signed(worst, 2, False)} | "
                f"{'yes' if r['side_ok'] else 'NO'} | {'yes' if r['flags']['exact'] else 'NO'} |")

    return scored_clips(rows, "| slump clip | leg | knee end error deg | knee release error deg | gain error deg | "
                              "spine error deg | neck error deg | worst step error s | side right | flag right |",
                        10, line)


def _mae(s: dict) -> str:
    return "-" if not s.get("n") else f"{s['mae']:.2f} / {s['max']:.1f}"


def summary_lines(a: dict) -> list[str]:
    if not a["clips"]:
        return []
    cv = a["covers"]
    return [
        f"| slump knee flexion at end range error (mean abs / max; goal {GOALS['knee_end']:g}) | "
        f"{_mae(a['knee_end_error_deg'])} deg |",
        f"| slump knee flexion after the release error (mean abs / max; goal {GOALS['knee_release']:g}) | "
        f"{_mae(a['knee_release_error_deg'])} deg |",
        f"| slump gain on release error (mean abs / max; goal {GOALS['gain']:g}) | {_mae(a['gain_error_deg'])} deg |",
        f"| slump greatest spine flexion error (mean abs / max; goal {GOALS['spine']:g}) | "
        f"{_mae(a['spine_error_deg'])} deg (back outline: {_mae(a['spine_outline_error_deg'])}) |",
        f"| slump greatest neck flexion error (mean abs / max; goal {GOALS['neck']:g}) | "
        f"{_mae(a['neck_error_deg'])} deg |",
        f"| slump greatest trunk inclination error (mean abs / max) | {_mae(a['trunk_error_deg'])} deg |",
        f"| slump greatest ankle dorsiflexion error (mean abs / max) | {_mae(a['ankle_error_deg'])} deg |",
        f"| slump per-frame knee / spine / neck MAE (mean over clips) | "
        f"{a['knee_mae_deg'].get('mae', float('nan')):.2f} / {a['spine_mae_deg'].get('mae', float('nan')):.2f} / "
        f"{a['neck_mae_deg'].get('mae', float('nan')):.2f} deg |",
        f"| slump step start/end error (mean / max) | {a['phase_error_s'].get('mae', float('nan')):.2f} / "
        f"{a['phase_error_s'].get('max', float('nan')):.2f} s |",
        f"| slump clips with every step found in order within {PHASE_TOLERANCE_S:g} s | "
        f"{a['phases_right']}/{a['clips']} |",
        f"| slump tested side right | {a['side_ok']}/{a['clips']} |",
        f"| slump flag neck_release_gain exactly right | {a['flags_exact']}/{a['clips']} |",
        f"| slump 95 % intervals contain the truth (end / release / gain) | {cv['knee_flexion_end_deg']} / "
        f"{cv['knee_flexion_release_deg']} / {cv['release_gain_deg']} of {a['clips']} |",
        f"| slump confidently wrong (knee end error > 5, truth outside the interval) | "
        f"{len(a['confidently_wrong'])}: {', '.join(a['confidently_wrong']) or '-'} |",
        f"| slump refused | {a['refused']}/{a['of']} clips |",
    ]


def extra_tables(a: dict) -> list[str]:
    if not a["clips"]:
        return []
    lines = ["", "| slump tested leg | clips | refused | knee end error mean abs / max deg | mean signed deg |",
             "|---|---|---|---|---|"]
    for leg, v in a["by_leg"].items():
        mean = "-" if v["knee_end_mean_deg"] is None else f"{v['knee_end_mean_deg']:+.2f}"
        lines.append(f"| {leg} | {v['clips']} | {v['refused']} | {_mae(v['knee_end'])} | {mean} |")
    return lines
