"""The hip hinge against its ground truth (DESIGN.md 6-7): one row per clip (its repetitions matched
to the true ones), the summary, and their lines in `rom validate`'s tables."""

from __future__ import annotations

from rom.core.scoring import abs_stats, flag_score, flags_text, match_reps, per_frame_mae, signed
from rom.core.scoring import clip_table as scored_clips

SCORED_FLAGS = ("rounded_back", "lumbar_compensation", "knee_bend")  # the flags the renders set


def conditions(truth: dict) -> dict:
    return {}


def compare(d: dict, columns: dict, truth) -> dict:
    reps = []
    for m, t in match_reps(d["reps"], truth.data["reps"]):
        reps.append({
            "bottom_truth_s": t["bottom_s"], "found": m is not None,
            "hip_error_deg": None if m is None else m["max_hip_flexion_deg"] - t["max_hip_flexion_deg"],
            "trunk_error_deg": None if m is None
            else m["max_trunk_inclination_deg"] - t["max_trunk_inclination_deg"],
            "knee_error_deg": None if m is None else m["max_knee_flexion_deg"] - t["max_knee_flexion_deg"],
            "flags": flag_score([] if m is None else m["flags"], t["flags"]),
        })
    return dict(reps=reps, reps_found=len(d["reps"]), reps_truth=len(truth.data["reps"]),
                hip_mae_deg=per_frame_mae(columns["hip_flexion_deg"], truth.frame_series("hip_flexion_deg")),
                trunk_mae_deg=per_frame_mae(columns["trunk_inclination_deg"],
                                            truth.frame_series("trunk_inclination_deg")),
                knee_mae_deg=per_frame_mae(columns["knee_flexion_deg"], truth.frame_series("knee_flexion_deg")))


def summarize(rows: list[dict]) -> dict:
    """rows: every hinge clip's row, the refused ones (with "error") included."""
    hinge = [r for r in rows if "error" not in r]
    reps = [rep for r in hinge for rep in r["reps"]]
    good_form = [r for r in hinge
                 if not any(rep["flags"]["hits"] or rep["flags"]["missed"] for rep in r["reps"])]
    out = {
        "clips": len(hinge), "reps": len(reps), "reps_found": sum(rep["found"] for rep in reps),
        "rep_hip_error_deg": abs_stats([rep["hip_error_deg"] for rep in reps]),
        "rep_trunk_error_deg": abs_stats([rep["trunk_error_deg"] for rep in reps]),
        "rep_knee_error_deg": abs_stats([rep["knee_error_deg"] for rep in reps]),
        "flags_exact": sum(r["flags"]["exact"] for r in hinge),
        "false_flags_on_good_form": sum(bool(r["flags"]["false"]) for r in good_form),
        "good_form_clips": len(good_form),
        "reps_counted_right": sum(r["reps_found"] == r["reps_truth"] for r in hinge),
    }
    out["per_flag"] = {
        name: {"right": sum((name in r["flags"]["hits"]) or (name not in r["flags"]["missed"] + r["flags"]["false"])
                            for r in hinge), "of": len(hinge)}
        for name in SCORED_FLAGS}
    return out


def clip_table(rows: list[dict]) -> list[str]:
    def line(r: dict) -> str:
        he = ", ".join(signed(x["hip_error_deg"]) for x in r["reps"])
        te = ", ".join(signed(x["trunk_error_deg"]) for x in r["reps"])
        ke = ", ".join(signed(x["knee_error_deg"]) for x in r["reps"])
        return f"| {r['clip']} | {r['reps_found']}/{r['reps_truth']} | {he} | {te} | {ke} | {flags_text(r['flags'])} |"

    return scored_clips(rows, "| hinge clip | reps found/true | rep hip error deg | rep trunk error deg "
                              "| rep knee error deg | flags |", 6, line)


def summary_lines(h: dict) -> list[str]:
    if not h["clips"]:
        return []
    he = h["rep_hip_error_deg"]
    mae, mx = he.get("mae", float("nan")), he.get("max", float("nan"))
    return [
        f"| hinge reps found | {h['reps_found']}/{h['reps']} |",
        f"| hinge clips with the repetitions counted right | {h['reps_counted_right']}/{h['clips']} |",
        f"| per-rep max trunk / knee error (mean abs) | {h['rep_trunk_error_deg'].get('mae', float('nan')):.2f} / "
        f"{h['rep_knee_error_deg'].get('mae', float('nan')):.2f} deg |",
        f"| per-rep max hip flexion error (mean abs / max) | {mae:.2f} / {mx:.1f} deg |",
        f"| hinge flags exactly right | {h['flags_exact']}/{h['clips']} clips |",
    ] + [f"| flag {k} right | {v['right']}/{v['of']} clips |" for k, v in h["per_flag"].items()] + [
        f"| false flags on good-form clips | {h['false_flags_on_good_form']}/{h['good_form_clips']} |",
    ]


def extra_tables(h: dict) -> list[str]:
    return []
