"""What an SLR result means, in sentences for the web pages, the reports and the exports
(`Protocol.interpretation()`): the thresholds of the interpretation table
(`rom.protocols.slr.interpretation`) with a clinic's overrides, the sentences on one result, the left/right
comparison, the sources, and the parts of a FHIR Observation and of an OpenSim motion file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rom.protocols.slr import interpretation as table
from rom.protocols.slr.interpretation import Thresholds

# The clinic's overrides of the table (the web app's settings) with their defaults.
SETTINGS = {"SLR_TIGHT_BELOW_DEG": table.TIGHT_BELOW_DEG, "SLR_MDC_DEG": table.SIDE_DIFFERENCE_DEG}

# The pelvis normally starts to rotate within about this many degrees of a passive SLR's start (Bohannon 1985).
PELVIS_EARLY_ROTATION_DEG = 9.0


def thresholds(settings: Mapping[str, Any] | None = None) -> Thresholds:
    """The interpretation table with the clinic's overrides (keys of SETTINGS)."""
    settings = settings or {}
    return Thresholds(tight_below_deg=float(settings.get("SLR_TIGHT_BELOW_DEG", table.TIGHT_BELOW_DEG)),
                      side_difference_deg=float(settings.get("SLR_MDC_DEG", table.SIDE_DIFFERENCE_DEG)))


def degrees(v: float) -> str:
    """'1 degree', '0 degrees', '6.5 degrees' (one decimal at most)."""
    text = f"{abs(v):.1f}".rstrip("0").rstrip(".")
    return f"{text} degree" + ("" if text == "1" else "s")


def _range(r: tuple[float, float]) -> str:
    return f"{r[0]:g} and {r[1]:g}"


def sentences(result: dict, mode: str | None, th: Thresholds) -> list[str]:
    """Sentences for one SLR result (a result's dict)."""
    out = []
    angle = table.angle_sentence(result.get("slr_angle_deg"), th.tight_below_deg)
    if angle:
        out.append(angle)
    if mode == "active":
        out.append("This was an active SLR (the person lifted their own leg): it also depends on strength, and "
                   "is usually lower than a passive SLR of the same leg.")
    pain = result.get("pain_angle_deg")
    if pain is not None:
        lo, hi = th.lasegue_range_deg
        if table.in_lasegue_range(pain, th.lasegue_range_deg):
            out.append(f"Pain was reported at {degrees(round(pain))}, between {lo:g} and {hi:g}: if it was radiating "
                       "leg pain, this is a positive Lasègue sign (nerve root sensitivity). Back pain alone does not "
                       "count.")
        else:
            out.append(f"Pain was reported at {degrees(round(pain))}, outside the {lo:g}-{hi:g} degree range of a "
                       "classic positive Lasègue sign.")
    return out


def headline(result: dict) -> str:
    """The main figure for lists: '61.8°' ('' without an angle)."""
    angle = result.get("slr_angle_deg")
    return "" if angle is None else f"{angle:.1f}°"


def side_difference(left_deg: float, right_deg: float, th: Thresholds, left_day: str = "",
                    right_day: str = "") -> tuple[bool, str]:
    """(beyond the side difference worth noting, the sentence) comparing a left and a right SLR angle,
    with their dates when given."""
    def one(side: str, v: float, day: str) -> str:
        return f"{side} {v:.1f}°" + (f" ({day})" if day else "")

    d = abs(left_deg - right_deg)
    head = f"{one('Left', left_deg, left_day)}, {one('right', right_deg, right_day)}: "
    limit = th.side_difference_deg
    if table.side_difference_is_notable(left_deg, right_deg, limit):
        lower = "left" if left_deg < right_deg else "right"
        return True, (head + f"they differ by {degrees(d)}, more than the minimal detectable change of "
                      f"{degrees(limit)}: the {lower} side is tighter.")
    lo, hi = table.NORMAL_ASYMMETRY_DEG
    return False, (head + f"they differ by {degrees(d)}, within the minimal detectable change of {degrees(limit)} "
                   f"(a normal asymmetry is {lo:g}-{hi:g} degrees).")


def reference_lines(th: Thresholds) -> list[dict]:
    """Horizontal lines of a person's chart of SLR angles: {y, label (on the chart), meaning (in its text)}."""
    return [{"y": th.tight_below_deg, "label": f"below {th.tight_below_deg:g}°: tight hamstrings",
             "meaning": "below it, tight hamstrings"}]


def sources(results: Sequence[dict], th: Thresholds, compared: bool = False) -> list[str]:
    """What the interpretation of these results rests on (the README's table), in the order the
    sentences use it; compared: a left/right comparison is shown with them."""
    if not results:
        return []
    lo, hi = th.lasegue_range_deg
    normal = table.NORMAL_ASYMMETRY_DEG
    out = [f"SLR angle below {th.tight_below_deg:g} degrees suggests tight hamstrings: Hansberger et al. 2019, "
           "Int J Sports Phys Ther.",
           f"The pelvis normally starts to rotate within about {PELVIS_EARLY_ROTATION_DEG:g} degrees of the start "
           "of a passive SLR: Bohannon 1985, Phys Ther."]
    if compared:
        out.append(f"A left/right difference over {th.side_difference_deg:g} degrees is beyond the minimal "
                   f"detectable change of goniometric SLR (about 6-7 degrees; a normal asymmetry is "
                   f"{normal[0]:g}-{normal[1]:g} degrees).")
    if any(r.get("pain_angle_deg") is not None for r in results):
        out.append(f"Radiating leg pain between {_range((lo, hi))} degrees of SLR is a positive Lasègue sign (nerve "
                   "root sensitivity).")
    return out


def trials_summary(angles_deg: Sequence[float | None], excluded=()) -> dict:
    """Mean and spread of the trials' SLR angles without the excluded trial numbers
    (`rom.protocols.slr.raises.TrialsSummary.to_dict()`)."""
    from rom.protocols.slr.raises import summarize

    return summarize(angles_deg, excluded=excluded).to_dict()


def fhir(result: dict, mode: str | None, side: str | None, th: Thresholds) -> dict:
    """The test's part of a FHIR Observation, in plain values: code (code, text), value (value, unit)
    or absent (the reason), body_site, components [(code, text, value, unit)], interpretation
    (code, display, text) or None."""
    angle = result.get("slr_angle_deg")
    lo, hi = (result.get("slr_angle_ci95_deg") or [None, None])[:2]
    out: dict = {
        "code": ("slr-angle", f"Straight-leg raise angle ({mode or 'passive'}): hip flexion at knee-bend onset"),
        "value": (angle, "deg"), "body_site": f"{side} hip" if side else "hip",
        "components": [
            ("slr-angle-ci95-low", "SLR angle, 95% interval low", lo, "deg"),
            ("slr-angle-ci95-high", "SLR angle, 95% interval high", hi, "deg"),
            ("max-hip-flexion", "Maximum hip flexion", result.get("max_hip_flexion_deg"), "deg"),
            ("knee-bend-onset", "Knee-bend onset time", result.get("knee_bend_onset_s"), "s"),
            ("pain-angle", "Hip flexion when pain was reported", result.get("pain_angle_deg"), "deg"),
            ("pain-time", "Time pain was reported", result.get("pain_s"), "s"),
            ("pelvic-rotation", "Pelvic rotation at the SLR angle", result.get("pelvic_rotation_deg"), "deg"),
            ("contralateral-hip-flexion", "Rise of the other leg", result.get("contralateral_hip_flexion_deg"), "deg"),
        ],
        "interpretation": None,
    }
    if angle is not None:
        low = angle < th.tight_below_deg
        out["interpretation"] = (("L", "Low", f"below {th.tight_below_deg:.0f} degrees: suggests tight hamstrings")
                                 if low else ("N", "Normal", "within the usual range"))
    return out


def trial_components(view: dict) -> list[tuple[str, str, float | None, str]]:
    """Several trials (`web.services.trials.trials_view`): each trial's angle, the mean, SD and range
    over the trials counted, as FHIR components (code, text, value, unit)."""
    s = view["summary"]
    out = [(f"trial{t['number']}-slr-angle", f"Trial {t['number']}: SLR angle"
            + ("" if t["included"] else " (not counted in the mean)"), t["slr_angle_deg"], "deg")
           for t in view["rows"]]
    return out + [
        ("trials-mean-slr-angle", f"Mean SLR angle of {s['n_included']} of {s['n_trials']} trials",
         s["mean_slr_angle_deg"], "deg"),
        ("trials-sd-slr-angle", "SD of the SLR angle over the trials counted", s["sd_deg"], "deg"),
        ("trials-range-slr-angle", "Range of the SLR angle over the trials counted", s["range_deg"], "deg")]


def opensim_coordinates(side: str) -> dict[str, str]:
    """Per-frame column -> OpenSim coordinate (Rajagopal 2015 model) for the raised leg `side` and
    the resting one."""
    s, o = side[0], ("right" if side == "left" else "left")[0]
    return {"hip_flexion_deg": f"hip_flexion_{s}", "knee_flexion_deg": f"knee_angle_{s}",
            "other_hip_flexion_deg": f"hip_flexion_{o}"}


# A trial's figures as the visit report lists them: (key, column heading, unit).
TRIAL_COLUMNS = (("slr_angle_deg", "SLR angle", "deg"), ("max_hip_flexion_deg", "Highest hip flexion", "deg"),
                 ("knee_bend_onset_s", "Knee-bend onset", "s"), ("pain_angle_deg", "Pain at", "deg"))


def trials_csv(view: dict) -> list[list]:
    """The trials as CSV rows (units in the header): one per trial with whether it counts and why
    not, then the mean and spread over the trials counted. view: `web.services.trials.trials_view`."""
    rows: list[list] = [["trial", "slr_angle_deg", "ci95_low_deg", "ci95_high_deg", "knee_bend_onset_s",
                         "max_hip_flexion_deg", "start_s", "peak_s", "end_s", "pain_s", "pain_angle_deg", "counted",
                         "excluded_reason", "excluded_by", "excluded_at_utc", "not_measured_reason"]]
    for t in view["rows"]:
        lo, hi = t.get("slr_angle_ci95_deg") or (None, None)
        rows.append([t["number"], t["slr_angle_deg"], lo, hi, t["knee_bend_onset_s"], t["max_hip_flexion_deg"],
                     t["start_s"], t["peak_s"], t["end_s"], t["pain_s"], t["pain_angle_deg"],
                     "yes" if t["included"] else "no", t["excluded"], t["excluded_by"], t["excluded_at"], t["refused"]])
    s = view["summary"]
    rows += [[], ["summary", "n_trials", "n_counted", "mean_slr_angle_deg", "sd_deg", "min_deg", "max_deg",
                  "range_deg"],
             ["", s["n_trials"], s["n_included"], s["mean_slr_angle_deg"], s["sd_deg"], s["min_deg"], s["max_deg"],
              s["range_deg"]]]
    return rows
