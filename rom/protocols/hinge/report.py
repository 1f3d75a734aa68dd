"""What the hip hinge's text summary and batch row say (`rom.protocols.base` views; `rom.outputs` prints
them). Figures are named by their `words.QUANTITIES` labels, as every other view names them."""

from __future__ import annotations

from pathlib import Path

from rom.protocols.base import TextSummary, flag_words, num, row
from rom.protocols.hinge.result import HingeResult
from rom.protocols.hinge.words import FLAGS, QUANTITIES

TITLE = "Hip hinge"


def _label(key: str) -> str:
    return QUANTITIES[key].label


def text_summary(r: HingeResult) -> TextSummary:
    n = len(r.reps)
    lines = [f"{TITLE}, {r.side} side facing the camera - {Path(r.video).name}",
             f"  {n} repetition{'s' if n != 1 else ''}"]
    for k, rep in enumerate(r.reps, 1):
        faults = ", ".join(flag_words(FLAGS, f) for f in rep.flags) or "no fault"
        lines += [
            f"  rep {k}  {rep.start_s:.2f}-{rep.end_s:.2f} s, bottom at {rep.bottom_s:.2f} s: {faults}",
            f"         {_label('max_hip_flexion_deg')} {num(rep.max_hip_flexion_deg)}, "
            f"{_label('max_trunk_inclination_deg')} {num(rep.max_trunk_inclination_deg)}, "
            f"{_label('max_knee_flexion_deg')} {num(rep.max_knee_flexion_deg)}",
            f"         {_label('back_rounding')} {num(rep.back_rounding)}, "
            f"{_label('back_flexion_deg')} {num(rep.back_flexion_deg)}"]
    if r.reps:
        lines.append(row(f"deepest {_label('max_hip_flexion_deg')}", num(max(rep.max_hip_flexion_deg
                                                                          for rep in r.reps))))
    where = {}
    for f in r.flags:
        reps = [str(k) for k, rep in enumerate(r.reps, 1) if f in rep.flags]
        where[f] = f" (rep {', '.join(reps)})" if reps else ""
    return TextSummary(tuple(lines), flag_where=where, all_clear=" - every repetition was a clean hip hinge")


def batch_figures(d: dict) -> dict:
    """The batch row's hinge columns from the result's JSON (`HingeResult.to_dict`)."""
    reps = d["reps"]

    def per_rep(key: str) -> tuple:
        return tuple(r[key] for r in reps)

    def most(key: str) -> float | None:
        values = [v for v in per_rep(key) if v is not None]
        return max(values) if values else None

    return dict(rep_count=len(reps), max_hip_flexion_deg=most("max_hip_flexion_deg"),
                max_trunk_inclination_deg=most("max_trunk_inclination_deg"),
                max_knee_flexion_deg=most("max_knee_flexion_deg"), rep_bottom_s=per_rep("bottom_s"),
                rep_max_hip_flexion_deg=per_rep("max_hip_flexion_deg"),
                rep_max_trunk_inclination_deg=per_rep("max_trunk_inclination_deg"),
                rep_max_knee_flexion_deg=per_rep("max_knee_flexion_deg"),
                rep_flags=tuple(tuple(r["flags"]) for r in reps))


def _mean_abs(values) -> float | None:
    v = [abs(x) for x in values if x is not None and x == x and abs(x) != float("inf")]
    return sum(v) / len(v) if v else None


def batch_truth_figures(comparison: dict) -> dict:
    """The batch row's hinge error columns from `rom.validation.validate.compare` (per true rep)."""
    reps = comparison["reps"]
    return dict(truth_rep_count=comparison["reps_truth"], reps_found=sum(bool(r["found"]) for r in reps),
                rep_hip_flexion_error_deg=tuple(r["hip_error_deg"] for r in reps),
                rep_hip_flexion_mae_deg=_mean_abs(r["hip_error_deg"] for r in reps),
                rep_trunk_inclination_mae_deg=_mean_abs(r["trunk_error_deg"] for r in reps),
                rep_knee_flexion_mae_deg=_mean_abs(r["knee_error_deg"] for r in reps),
                trunk_inclination_mae_deg=comparison.get("trunk_mae_deg"))

