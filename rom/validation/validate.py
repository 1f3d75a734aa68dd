"""`rom validate DIR`: measure every clip that has a ground-truth sidecar and compare.

The report is a plain dict (rows per clip and a summary) so that it can be printed as a table,
written as JSON, or asserted in tests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rom.analysis import Options, landmarks_of, measure
from rom.capture.video import probe
from rom.core.errors import RomError
from rom.core.landmarks import LandmarkSeries
from rom.validation import truth as T

SPLITS = ("fit", "test")


def validate_folder(folder: str | os.PathLike, model: str = "full", cache_dir: str | None = None,
                    progress: Callable[[str], None] | None = None, split: str | None = None) -> dict:
    """Measure every clip with a truth sidecar in `folder` and compare.

    split: 'fit' or 'test' keeps only the clips of that half of the validation set (their names
    start with 'fit-' or 'test-'; samples/validation/make_spec.py).
    """
    truths = T.find(folder)
    if split is not None:
        if split not in SPLITS:
            raise RomError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
        truths = [tr for tr in truths if tr.name.startswith(f"{split}-")]
    if not truths:
        raise RomError(f"{folder}: no *.truth.json files found" + (f" for the {split} half" if split else ""))
    rows = []
    for tr in truths:
        t0 = time.perf_counter()
        try:
            series = _series(tr, model, cache_dir)
            result = measure(series, tr.test, str(tr.video), Options(test=tr.test, model=model))
            row = compare(result, tr)
        except RomError as e:
            row = {"clip": tr.name, "test": tr.test, "error": str(e)}
        row.update(conditions(tr))
        row["seconds"] = round(time.perf_counter() - t0, 2)
        rows.append(row)
        if progress:
            progress(f"{tr.name}: " + ("error: " + row["error"] if "error" in row else "ok"))
    return {"folder": str(folder), "model": model, "split": split, "rows": rows, "summary": summarize(rows)}


def conditions(tr: T.Truth) -> dict:
    """The clip's conditions from its truth (for per-condition tables and refusal counts)."""
    r = tr.data.get("render", {})
    out = {"truth_flags": list(tr.data.get("flags", []))}
    if tr.test == "slr":
        out.update(slr_truth_deg=tr.data["slr_angle_deg"],
                   leg="near" if tr.data.get("side") == tr.data.get("facing") else "far",
                   examiner=r.get("examiner", "none"))
    return out


def _series(tr: T.Truth, model: str, cache_dir: str | None) -> LandmarkSeries:
    info = probe(tr.video)
    if cache_dir:
        cache = Path(cache_dir) / f"{tr.name}.{model}.npz"
        if cache.exists() and cache.stat().st_mtime >= Path(tr.video).stat().st_mtime:
            return LandmarkSeries.load(cache)
    series = landmarks_of(info, tr.test, model)
    if cache_dir:
        cache.parent.mkdir(parents=True, exist_ok=True)
        series.save(cache)
    return series


def compare(result, tr: T.Truth) -> dict:
    """One row of the validation table: errors of a result against its truth."""
    d = result.to_dict()
    cols = result.frames.columns
    flags = T.flag_score(d["flags"], tr.data.get("flags", []))
    row = {"clip": tr.name, "test": tr.test, "side_ok": d["side"] == tr.data.get("side"), "flags": flags,
           "not_assessed": sorted(d.get("not_assessed", {}))}
    if tr.test == "slr":
        t_on, m_on = tr.data.get("knee_bend_onset_s"), d["knee_bend_onset_s"]
        lo, hi = d["slr_angle_ci95_deg"]
        err = d["slr_angle_deg"] - tr.data["slr_angle_deg"]
        covers = lo <= tr.data["slr_angle_deg"] <= hi
        row.update(
            half_width_deg=(hi - lo) / 2, covers=covers,
            confidently_wrong=abs(err) > CONFIDENTLY_WRONG_DEG and not covers,
            slr_truth_deg=tr.data["slr_angle_deg"], slr_deg=d["slr_angle_deg"],
            slr_error_deg=d["slr_angle_deg"] - tr.data["slr_angle_deg"],
            ci95_deg=d["slr_angle_ci95_deg"],
            onset_truth_s=t_on, onset_s=m_on,
            onset_error_s=None if t_on is None or m_on is None else m_on - t_on,
            hip_mae_deg=T.per_frame_mae(cols["hip_flexion_deg"], tr.frame_series("hip_flexion_deg")),
            knee_mae_deg=T.per_frame_mae(cols["knee_flexion_deg"], tr.frame_series("knee_flexion_deg")),
        )
    else:
        reps = []
        for m, t in T.match_reps(d["reps"], tr.data["reps"]):
            reps.append({
                "bottom_truth_s": t["bottom_s"], "found": m is not None,
                "hip_error_deg": None if m is None else m["max_hip_flexion_deg"] - t["max_hip_flexion_deg"],
                "trunk_error_deg": None if m is None
                else m["max_trunk_inclination_deg"] - t["max_trunk_inclination_deg"],
                "knee_error_deg": None if m is None else m["max_knee_flexion_deg"] - t["max_knee_flexion_deg"],
                "flags": T.flag_score([] if m is None else m["flags"], t["flags"]),
            })
        row.update(reps=reps, reps_found=len(d["reps"]), reps_truth=len(tr.data["reps"]),
                   hip_mae_deg=T.per_frame_mae(cols["hip_flexion_deg"],
                                               tr.frame_series("hip_flexion_deg")),
                   trunk_mae_deg=T.per_frame_mae(cols["trunk_inclination_deg"],
                                                 tr.frame_series("trunk_inclination_deg")),
                   knee_mae_deg=T.per_frame_mae(cols["knee_flexion_deg"], tr.frame_series("knee_flexion_deg")))
    return row


CONFIDENTLY_WRONG_DEG = 5.0  # DESIGN.md 7: an error over 5 degrees with the truth outside the interval


def _stats(values: list[float]) -> dict:
    v = np.abs(np.array([x for x in values if x is not None and np.isfinite(x)], dtype=float))
    if not len(v):
        return {"n": 0}
    return {"n": int(len(v)), "mae": float(v.mean()), "median": float(np.median(v)), "max": float(v.max())}


def _flag_rate(rows: list[dict], name: str) -> dict:
    """How often a flag was raised on clips that have it in their truth, and on those that do not."""
    have = [r for r in rows if name in r["truth_flags"]]
    lack = [r for r in rows if name not in r["truth_flags"]]
    return {"flagged": sum(name in r["flags"]["hits"] for r in have), "of": len(have),
            "false": sum(name in r["flags"]["false"] for r in lack), "of_without": len(lack),
            # said to be beyond what the video can decide: neither raised nor ruled out
            "not_assessed": sum(name in r.get("not_assessed", ()) for r in have),
            "not_assessed_without": sum(name in r.get("not_assessed", ()) for r in lack)}


def summarize(rows: list[dict]) -> dict:
    slr_all = [r for r in rows if r["test"] == "slr"]
    slr = [r for r in slr_all if "error" not in r]
    hinge = [r for r in rows if r["test"] == "hinge" and "error" not in r]
    reps = [rep for r in hinge for rep in r["reps"]]
    good_form = [r for r in hinge
                 if not any(rep["flags"]["hits"] or rep["flags"]["missed"] for rep in r["reps"])]
    out = {
        "clips": len(rows), "errors": sum("error" in r for r in rows),
        "slr": {
            "clips": len(slr),
            "slr_angle_error_deg": _stats([r["slr_error_deg"] for r in slr]),
            "onset_error_s": _stats([r["onset_error_s"] for r in slr]),
            "hip_mae_deg": _stats([r["hip_mae_deg"] for r in slr]),
            "knee_mae_deg": _stats([r["knee_mae_deg"] for r in slr]),
            "flags_exact": sum(r["flags"]["exact"] for r in slr),
            "side_ok": sum(r["side_ok"] for r in slr),
            "ci95_covers": sum(r["ci95_deg"][0] <= r["slr_truth_deg"] <= r["ci95_deg"][1] for r in slr),
            "ci95_median_half_width_deg": float(np.median([r["half_width_deg"] for r in slr])) if slr else None,
            "within_5_deg": sum(abs(r["slr_error_deg"]) <= 5.0 for r in slr),
            "confidently_wrong": sorted(r["clip"] for r in slr if r["confidently_wrong"]),
            "refused": len(slr_all) - len(slr), "of": len(slr_all),
            "pelvic_tilt": _flag_rate(slr, "pelvic_tilt"),
            "contralateral_leg_lift": _flag_rate(slr, "contralateral_leg_lift"),
            "by_condition": _by_condition(slr_all),
        },
        "hinge": {
            "clips": len(hinge), "reps": len(reps), "reps_found": sum(rep["found"] for rep in reps),
            "rep_hip_error_deg": _stats([rep["hip_error_deg"] for rep in reps]),
            "rep_trunk_error_deg": _stats([rep["trunk_error_deg"] for rep in reps]),
            "rep_knee_error_deg": _stats([rep["knee_error_deg"] for rep in reps]),
            "flags_exact": sum(r["flags"]["exact"] for r in hinge),
            "false_flags_on_good_form": sum(bool(r["flags"]["false"]) for r in good_form),
            "good_form_clips": len(good_form),
            "reps_counted_right": sum(r["reps_found"] == r["reps_truth"] for r in hinge),
        },
    }
    flag_names = ("rounded_back", "lumbar_compensation", "knee_bend")
    per_flag = {}
    for name in flag_names:
        right = sum((name in r["flags"]["hits"]) or (name not in r["flags"]["missed"] + r["flags"]["false"])
                    for r in hinge)
        per_flag[name] = {"right": right, "of": len(hinge)}
    out["hinge"]["per_flag"] = per_flag
    return out


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


def _f(x, nd=1, signed=True) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    return f"{x:+.{nd}f}" if signed else f"{x:.{nd}f}"


def _flags(fs: dict) -> str:
    parts = [f"hit {', '.join(fs['hits'])}" if fs["hits"] else "",
             f"MISSED {', '.join(fs['missed'])}" if fs["missed"] else "",
             f"FALSE {', '.join(fs['false'])}" if fs["false"] else ""]
    return "; ".join(p for p in parts if p) or "none (right)"


def format_table(report: dict) -> str:
    """Markdown tables: SLR clips, hinge clips and the summary."""
    rows, s = report["rows"], report["summary"]
    half = f", {report['split']} half" if report.get("split") else ""
    lines = [f"Validation of {report['folder']}{half} (model: {report['model']}); errors are measured minus truth.",
             ""]
    slr = [r for r in rows if r["test"] == "slr"]
    if slr:
        lines += ["| SLR clip | truth deg | measured deg | error deg | onset error s | hip MAE deg | knee MAE deg "
                  "| flags |", "|---|---|---|---|---|---|---|---|"]
        for r in slr:
            if "error" in r:
                lines.append(f"| {r['clip']} | | | | | | | refused: {r['error']} |")
                continue
            lines.append(f"| {r['clip']} | {r['slr_truth_deg']:.1f} | {r['slr_deg']:.1f} | {_f(r['slr_error_deg'])} | "
                         f"{_f(r['onset_error_s'], 2)} | {_f(r['hip_mae_deg'], 1, False)} | "
                         f"{_f(r['knee_mae_deg'], 1, False)} | {_flags(r['flags'])} |")
        lines.append("")
    hinge = [r for r in rows if r["test"] == "hinge"]
    if hinge:
        lines += ["| hinge clip | reps found/true | rep hip error deg | rep trunk error deg | rep knee error deg "
                  "| flags |", "|---|---|---|---|---|---|"]
        for r in hinge:
            if "error" in r:
                lines.append(f"| {r['clip']} | | | | | refused: {r['error']} |")
                continue
            he = ", ".join(_f(x["hip_error_deg"]) for x in r["reps"])
            te = ", ".join(_f(x["trunk_error_deg"]) for x in r["reps"])
            ke = ", ".join(_f(x["knee_error_deg"]) for x in r["reps"])
            lines.append(f"| {r['clip']} | {r['reps_found']}/{r['reps_truth']} | {he} | {te} | {ke} "
                         f"| {_flags(r['flags'])} |")
        lines.append("")
    a, h = s["slr"], s["hinge"]
    lines += ["| summary | value |", "|---|---|"]
    if a["clips"]:
        e, o = a["slr_angle_error_deg"], a["onset_error_s"]
        onset_line = (f"| knee-bend onset error (median abs / max) | {o['median']:.2f} / {o['max']:.2f} s "
                      f"over {o['n']} clips |") if o["n"] else "| knee-bend onset error | - |"
        lines += [
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
    if h["clips"]:
        he = h["rep_hip_error_deg"]
        mae, mx = he.get("mae", float("nan")), he.get("max", float("nan"))
        lines += [
            f"| hinge reps found | {h['reps_found']}/{h['reps']} |",
            f"| hinge clips with the repetitions counted right | {h['reps_counted_right']}/{h['clips']} |",
            f"| per-rep max trunk / knee error (mean abs) | {h['rep_trunk_error_deg'].get('mae', float('nan')):.2f} / "
            f"{h['rep_knee_error_deg'].get('mae', float('nan')):.2f} deg |",
            f"| per-rep max hip flexion error (mean abs / max) | {mae:.2f} / {mx:.1f} deg |",
            f"| hinge flags exactly right | {h['flags_exact']}/{h['clips']} clips |",
        ] + [f"| flag {k} right | {v['right']}/{v['of']} clips |" for k, v in h["per_flag"].items()] + [
            f"| false flags on good-form clips | {h['false_flags_on_good_form']}/{h['good_form_clips']} |",
        ]
    if s["errors"]:
        lines.append(f"| clips refused or failed | {s['errors']}/{s['clips']} |")
    if a["clips"] and len(a["by_condition"]) > 1:
        lines += ["", "| SLR condition | clips | refused | error mean abs / max deg | interval covers | "
                  "median half-width deg |", "|---|---|---|---|---|---|"]
        for k, v in a["by_condition"].items():
            err = "-" if v["mae"] is None else f"{v['mae']:.2f} / {v['max']:.1f}"
            hw = "-" if v["median_half_width_deg"] is None else f"{v['median_half_width_deg']:.1f}"
            lines.append(f"| {k} | {v['clips']} | {v['refused']} | {err} | {v['covers']}/{v['clips'] - v['refused']} "
                         f"| {hw} |")
    return "\n".join(lines)
