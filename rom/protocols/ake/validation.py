"""The AKE against its ground truth: one row per clip, the summary, and their lines in `rom validate`'s
tables. The renderer's truth names the other leg's flag `other_leg_lift`; rom's is `contralateral_leg_lift`
(the SLR's name for the same fault), mapped here."""

from __future__ import annotations

import numpy as np

from rom.core.scoring import CONFIDENTLY_WRONG_DEG, abs_stats, flag_rate, flag_score, flags_text, per_frame_mae, signed
from rom.core.scoring import clip_table as scored_clips

TRUTH_FLAGS = {"other_leg_lift": "contralateral_leg_lift"}


def truth_flags(truth: dict) -> list[str]:
    return sorted(TRUTH_FLAGS.get(f, f) for f in truth.get("flags", []))


def conditions(truth: dict) -> dict:
    r = truth.get("render", {})
    return {"truth_flags": truth_flags(truth), "ake_truth_deg": truth["ake_angle_deg"],
            "leg": "near" if truth.get("side") == truth.get("facing") else "far",
            "yaw": abs(float(r.get("yaw", 0.0) or 0.0))}


def compare(d: dict, columns: dict, truth) -> dict:
    lo, hi = d["ake_angle_ci95_deg"]
    true_deg = truth.data["ake_angle_deg"]
    err = d["ake_angle_deg"] - true_deg
    covers = lo <= true_deg <= hi
    hip_lo, hip_hi = d["hip_flexion_at_end_ci95_deg"]
    true_hip = truth.data["hip_flexion_at_end_deg"]
    return dict(
        flags=flag_score(d["flags"], truth_flags(truth.data)),
        half_width_deg=(hi - lo) / 2, covers=covers,
        confidently_wrong=abs(err) > CONFIDENTLY_WRONG_DEG and not covers,
        ake_truth_deg=true_deg, ake_deg=d["ake_angle_deg"], ake_error_deg=err, ci95_deg=d["ake_angle_ci95_deg"],
        hip_end_error_deg=d["hip_flexion_at_end_deg"] - true_hip, hip_covers=hip_lo <= true_hip <= hip_hi,
        end_range_error_s=d["end_range_s"] - truth.data["end_range_s"],
        hip_mae_deg=per_frame_mae(columns["hip_flexion_deg"], truth.frame_series("hip_flexion_deg")),
        knee_mae_deg=per_frame_mae(columns["knee_flexion_deg"], truth.frame_series("knee_flexion_deg")),
    )


def summarize(rows: list[dict]) -> dict:
    ok = [r for r in rows if "error" not in r]
    return {
        "clips": len(ok), "refused": len(rows) - len(ok), "of": len(rows),
        "ake_angle_error_deg": abs_stats([r["ake_error_deg"] for r in ok]),
        "hip_end_error_deg": abs_stats([r["hip_end_error_deg"] for r in ok]),
        "hip_ci95_covers": sum(r["hip_covers"] for r in ok),
        "end_range_error_s": abs_stats([r["end_range_error_s"] for r in ok]),
        "hip_mae_deg": abs_stats([r["hip_mae_deg"] for r in ok]),
        "knee_mae_deg": abs_stats([r["knee_mae_deg"] for r in ok]),
        "within_5_deg": sum(abs(r["ake_error_deg"]) <= 5.0 for r in ok),
        "ci95_covers": sum(r["covers"] for r in ok),
        "ci95_median_half_width_deg": float(np.median([r["half_width_deg"] for r in ok])) if ok else None,
        "confidently_wrong": sorted(r["clip"] for r in ok if r["confidently_wrong"]),
        "flags_exact": sum(r["flags"]["exact"] for r in ok),
        "side_ok": sum(r["side_ok"] for r in ok),
        "hip_drift": flag_rate(ok, "hip_drift"),
        "contralateral_leg_lift": flag_rate(ok, "contralateral_leg_lift"),
        "by_leg": {leg: _group([r for r in rows if r.get("leg") == leg]) for leg in ("near", "far")},
    }


def _group(group: list[dict]) -> dict:
    ok = [r for r in group if "error" not in r]
    err = [abs(r["ake_error_deg"]) for r in ok]
    return {"clips": len(group), "refused": len(group) - len(ok),
            "mae": float(np.mean(err)) if err else None, "max": float(np.max(err)) if err else None,
            "covers": sum(r["covers"] for r in ok)}


def clip_table(rows: list[dict]) -> list[str]:
    def line(r: dict) -> str:
        return (f"| {r['clip']} | {r['ake_truth_deg']:.1f} | {r['ake_deg']:.1f} | {signed(r['ake_error_deg'])} | "
                f"{r['ci95_deg'][0]:.1f}-{r['ci95_deg'][1]:.1f} | {signed(r['hip_end_error_deg'])} | "
                f"{signed(r['knee_mae_deg'], 1, False)} | {flags_text(r['flags'])} |")

    return scored_clips(rows, "| AKE clip | truth deg | measured deg | error deg | 95 % interval "
                              "| hip at end error deg | knee MAE deg | flags |", 8, line)


def summary_lines(a: dict) -> list[str]:
    if not a["clips"] and not a["refused"]:
        return []
    if not a["clips"]:
        return [f"| AKE refused | {a['refused']}/{a['of']} clips |"]
    e, h = a["ake_angle_error_deg"], a["hip_end_error_deg"]
    flag_lines = [f"| AKE flag {k}: flagged where true / false flags | {v['flagged']}/{v['of']} / "
                  f"{v['false']}/{v['of_without']} |" for k in ("hip_drift", "contralateral_leg_lift") for v in [a[k]]]
    drift = a["hip_drift"]
    return [
        f"| AKE angle error (mean abs / max) | {e['mae']:.2f} / {e['max']:.1f} deg over {e['n']} clips |",
        f"| AKE within 5 degrees of the truth | {a['within_5_deg']}/{a['clips']} clips |",
        f"| AKE 95 % interval contains the truth | {a['ci95_covers']}/{a['clips']} clips "
        f"(median half-width {a['ci95_median_half_width_deg']:.1f} deg) |",
        f"| AKE confidently wrong (error > 5, truth outside the interval, not refused) | "
        f"{len(a['confidently_wrong'])}: {', '.join(a['confidently_wrong']) or '-'} |",
        f"| AKE hip flexion at end range error (mean abs / max) | {h['mae']:.2f} / {h['max']:.1f} deg |",
        f"| AKE hip flexion at end range: 95 % interval contains the truth | "
        f"{a['hip_ci95_covers']}/{a['clips']} clips |",
        f"| AKE hip_drift right | {drift['flagged'] + drift['of_without'] - drift['false']}/{a['clips']} clips |",
    ] + flag_lines + [
        f"| AKE flags exactly right | {a['flags_exact']}/{a['clips']} clips |",
        f"| AKE tested side right | {a['side_ok']}/{a['clips']} clips |",
        f"| AKE refused | {a['refused']}/{a['of']} clips |",
    ]


def extra_tables(a: dict) -> list[str]:
    if not a["clips"]:
        return []
    lines = ["", "| AKE tested leg | clips | refused | error mean abs / max deg | interval covers |",
             "|---|---|---|---|---|"]
    for leg, v in a["by_leg"].items():
        err = "-" if v["mae"] is None else f"{v['mae']:.2f} / {v['max']:.1f}"
        lines.append(f"| {leg} | {v['clips']} | {v['refused']} | {err} | {v['covers']}/{v['clips'] - v['refused']} |")
    return lines
