"""The SLR against its ground truth (DESIGN.md 6-7): one row per clip, the summary, and their lines
in `rom validate`'s tables. Rows and summaries are plain dicts (JSON as they are)."""

from __future__ import annotations

import numpy as np

from rom.core.scoring import CONFIDENTLY_WRONG_DEG, abs_stats, flag_rate, flags_text, per_frame_mae, signed
from rom.core.scoring import clip_table as scored_clips


def conditions(truth: dict) -> dict:
    """The clip's conditions from its truth (for per-condition tables and refusal counts)."""
    r = truth.get("render", {})
    return {"slr_truth_deg": truth["slr_angle_deg"],
            "leg": "near" if truth.get("side") == truth.get("facing") else "far",
            "examiner": r.get("examiner", "none")}


def compare(d: dict, columns: dict, truth) -> dict:
    """The SLR's columns of a row: d is the result's to_dict(), columns its per-frame table, truth
    the clip's `rom.validation.truth.Truth`."""
    t_on, m_on = truth.data.get("knee_bend_onset_s"), d["knee_bend_onset_s"]
    lo, hi = d["slr_angle_ci95_deg"]
    true_deg = truth.data["slr_angle_deg"]
    err = d["slr_angle_deg"] - true_deg
    covers = lo <= true_deg <= hi
    return dict(
        half_width_deg=(hi - lo) / 2, covers=covers,
        confidently_wrong=abs(err) > CONFIDENTLY_WRONG_DEG and not covers,
        slr_truth_deg=true_deg, slr_deg=d["slr_angle_deg"], slr_error_deg=err,
        ci95_deg=d["slr_angle_ci95_deg"],
        onset_truth_s=t_on, onset_s=m_on,
        onset_error_s=None if t_on is None or m_on is None else m_on - t_on,
        hip_mae_deg=per_frame_mae(columns["hip_flexion_deg"], truth.frame_series("hip_flexion_deg")),
        knee_mae_deg=per_frame_mae(columns["knee_flexion_deg"], truth.frame_series("knee_flexion_deg")),
    )


def summarize(rows: list[dict]) -> dict:
    """rows: every SLR clip's row, the refused ones (with "error") included."""
    slr_all, slr = rows, [r for r in rows if "error" not in r]
    return {
        "clips": len(slr),
        "slr_angle_error_deg": abs_stats([r["slr_error_deg"] for r in slr]),
        "onset_error_s": abs_stats([r["onset_error_s"] for r in slr]),
        "hip_mae_deg": abs_stats([r["hip_mae_deg"] for r in slr]),
        "knee_mae_deg": abs_stats([r["knee_mae_deg"] for r in slr]),
        "flags_exact": sum(r["flags"]["exact"] for r in slr),
        "side_ok": sum(r["side_ok"] for r in slr),
        "ci95_covers": sum(r["ci95_deg"][0] <= r["slr_truth_deg"] <= r["ci95_deg"][1] for r in slr),
        "ci95_median_half_width_deg": float(np.median([r["half_width_deg"] for r in slr])) if slr else None,
        "within_5_deg": sum(abs(r["slr_error_deg"]) <= 5.0 for r in slr),
        "confidently_wrong": sorted(r["clip"] for r in slr if r["confidently_wrong"]),
        "refused": len(slr_all) - len(slr), "of": len(slr_all),
        "pelvic_tilt": flag_rate(slr, "pelvic_tilt"),
        "contralateral_leg_lift": flag_rate(slr, "contralateral_leg_lift"),
        "by_condition": _by_condition(slr_all),
    }


def _by_condition(slr_all: list[dict]) -> dict:
    """Per raised leg (near/far) and examiner: clips, refused, mean abs error, coverage, worst."""
    out = {}
    for key in sorted({(r["leg"], r["examiner"]) for r in slr_all if "leg" in r}):
        group = [r for r in slr_all if (r.get("leg"), r.get("examiner")) == key]
        ok = [r for r in group if "error" not in r]
        err = [abs(r["slr_error_deg"]) for r in ok]
        out[f"{key[0]} leg, examiner {key[1]}"] = {
            "clips": len(group), "refused": len(group) - len(ok),
            "mae": float(np.mean(err)) if err else None, "max": float(np.max(err)) if err else None,
            "covers": sum(r["covers"] for r in ok),
            "median_half_width_deg": float(np.median([r["half_width_deg"] for r in ok])) if ok else None}
    return out


def clip_table(rows: list[dict]) -> list[str]:
    """The table of SLR clips (no lines without clips)."""
    def line(r: dict) -> str:
        return (f"| {r['clip']} | {r['slr_truth_deg']:.1f} | {r['slr_deg']:.1f} | {signed(r['slr_error_deg'])} | "
                f"{signed(r['onset_error_s'], 2)} | {signed(r['hip_mae_deg'], 1, False)} | "
                f"{signed(r['knee_mae_deg'], 1, False)} | {flags_text(r['flags'])} |")

    return scored_clips(rows, "| SLR clip | truth deg | measured deg | error deg | onset error s | hip MAE deg "
                              "| knee MAE deg | flags |", 8, line)


def summary_lines(a: dict) -> list[str]:
    """The SLR's lines of the summary table."""
    if not a["clips"]:
        return []
    e, o = a["slr_angle_error_deg"], a["onset_error_s"]
    onset_line = (f"| knee-bend onset error (median abs / max) | {o['median']:.2f} / {o['max']:.2f} s "
                  f"over {o['n']} clips |") if o["n"] else "| knee-bend onset error | - |"
    return [
        f"| SLR angle error (mean abs / max) | {e['mae']:.2f} / {e['max']:.1f} deg over {e['n']} clips |",
        onset_line,
        f"| per-frame hip flexion MAE (mean over clips) | {a['hip_mae_deg']['mae']:.2f} deg |",
        f"| per-frame knee flexion MAE (mean over clips) | {a['knee_mae_deg']['mae']:.2f} deg |",
        f"| SLR flags exactly right | {a['flags_exact']}/{a['clips']} clips |",
        f"| raised side right | {a['side_ok']}/{a['clips']} clips |",
        f"| 95 % interval contains the truth | {a['ci95_covers']}/{a['clips']} clips |",
        f"| 95 % interval, median half-width | {a['ci95_median_half_width_deg']:.1f} deg |",
        f"| within 5 degrees of the truth | {a['within_5_deg']}/{a['clips']} clips |",
        f"| confidently wrong (error > 5, truth outside the interval, not refused) | "
        f"{len(a['confidently_wrong'])}: {', '.join(a['confidently_wrong']) or '-'} |",
        f"| refused | {a['refused']}/{a['of']} clips |",
    ] + [f"| flag {k}: flagged where true / false flags | {v['flagged']}/{v['of']} / "
         f"{v['false']}/{v['of_without']}"
         + (f" (not assessed on {v['not_assessed']}/{v['of']} and {v['not_assessed_without']}/{v['of_without']})"
            if v["not_assessed"] or v["not_assessed_without"] else "") + " |"
         for k in ("pelvic_tilt", "contralateral_leg_lift") for v in [a[k]]]


def extra_tables(a: dict) -> list[str]:
    """After the summary: the SLR per condition (raised leg near or far, where the examiner stood)."""
    if not a["clips"] or len(a["by_condition"]) <= 1:
        return []
    lines = ["", "| SLR condition | clips | refused | error mean abs / max deg | interval covers | "
             "median half-width deg |", "|---|---|---|---|---|---|"]
    for k, v in a["by_condition"].items():
        err = "-" if v["mae"] is None else f"{v['mae']:.2f} / {v['max']:.1f}"
        hw = "-" if v["median_half_width_deg"] is None else f"{v['median_half_width_deg']:.1f}"
        lines.append(f"| {k} | {v['clips']} | {v['refused']} | {err} | {v['covers']}/{v['clips'] - v['refused']} "
                     f"| {hw} |")
    return lines
