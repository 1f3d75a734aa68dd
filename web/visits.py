"""The visit report for the patient's file (issue 11): a person's assessments of one day, printable
on A4 or Letter and as PDF from the browser.

A visit is a person's assessments of one local day (the latest day with a result, or a chosen
one, `?day=YYYY-MM-DD`). The report names the person, the day, the clinician and the clinic
(`web.services.settings`); then every test of the day with its figures, trials when the result has them,
key frame, interpretation (`web.services.interpret`) and notes; the left/right comparison of like with
like (`web.services.comparison`); and the sources of the interpretation. Recordings of the day without a
result are listed with the reason.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from web.formats.filters import localtime
from web.models import Assessment, utcnow
from web.people import get_person
from web.services import audit, comparison, interpret, recording, settings

bp = Blueprint("visits", __name__)

PAPERS = {"a4": "A4", "letter": "Letter"}
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# What the interpretation rests on (the README's table), named where the visit uses it.
SOURCES = {
    "slr_tight": "SLR angle below {tight:g} degrees suggests tight hamstrings: Hansberger et al. 2019, "
                 "Int J Sports Phys Ther.",
    "pelvis": "The pelvis normally starts to rotate within about 9 degrees of the start of a passive SLR: "
              "Bohannon 1985, Phys Ther.",
    "mdc": "A left/right difference over {mdc:g} degrees is beyond the minimal detectable change of "
           "goniometric SLR (about 6-7 degrees; a normal asymmetry is 4-5 degrees).",
    "lasegue": "Radiating leg pain between 30 and 70 degrees of SLR is a positive Lasègue sign (nerve root "
               "sensitivity).",
    "hinge": "Hip hinge flags (rounded back, lumbar compensation, knee bend) follow rom's definitions: hip "
             "flexion = 180 degrees minus the shoulder-hip-knee angle; the back's rounding from its outline "
             "against the person's own standing outline.",
}


# A trial's figures as the visit report lists them: (key, column heading, unit).
TRIAL_COLUMNS = (("slr_angle_deg", "SLR angle", "deg"), ("max_hip_flexion_deg", "Highest hip flexion", "deg"),
                 ("knee_bend_onset_s", "Knee-bend onset", "s"), ("pain_angle_deg", "Pain at", "deg"))


@dataclass(frozen=True)
class Trials:
    """An SLR's trials (`rom.protocols.slr.raises`, in the result): each row the engine's trial with `counted`
    and, when not counted, `why_not`; the mean, SD and range of those counted."""

    rows: list[dict]
    mean_deg: float | None
    sd_deg: float | None
    range_deg: float | None

    @property
    def n_counted(self) -> int:
        return sum(r["counted"] for r in self.rows)

    @property
    def columns(self) -> list[tuple[str, str, str]]:
        """The figures any trial has."""
        return [c for c in TRIAL_COLUMNS if any(c[0] in t for t in self.rows)]


def trials_from(rows: list[dict], summary: dict | None) -> Trials | None:
    """The report's view of trial rows (the engine's, or `web.services.trials`' with the clinician's
    exclusions: `excluded` holds the reason) and their summary (`rom.protocols.slr.raises.TrialsSummary`); None
    for fewer than two trials (one raise is the result itself)."""
    rows = [t for t in rows if isinstance(t, dict)]
    if len(rows) < 2:
        return None
    summary = summary or {}
    included = summary.get("included")
    out = []
    for i, t in enumerate(rows, 1):
        number = t.get("number", i)
        why_not = None
        if t.get("refused"):
            why_not = f"not measured: {t['refused']}"
        elif t.get("excluded"):
            why_not = "excluded" + (f": {t['excluded']}" if isinstance(t["excluded"], str) else "")
        elif t.get("slr_angle_deg") is None:
            why_not = "not measured"
        elif t.get("included") is False or (included is not None and "included" not in t and number not in included):
            why_not = "excluded"
        out.append({**t, "number": number, "counted": why_not is None, "why_not": why_not})
    kept = [float(t["slr_angle_deg"]) for t in out if t["counted"]]
    if "mean_slr_angle_deg" in summary and included is not None:
        return Trials(out, summary["mean_slr_angle_deg"], summary.get("sd_deg"), summary.get("range_deg"))
    return Trials(out, statistics.fmean(kept) if kept else None,
                  statistics.stdev(kept) if len(kept) > 1 else None, max(kept) - min(kept) if kept else None)


def trials_of(a: Assessment) -> Trials | None:
    """An SLR's trials: with the clinician's exclusions where the app keeps them (`web.services.trials`),
    else as the engine measured them."""
    if a.test != "slr" or not (a.result or {}).get("trials"):
        return None
    try:
        from web.services.trials import trials_view
    except ImportError:  # an app without trial exclusions
        trials_view = None
    view = trials_view(a) if trials_view is not None else None
    if view is not None:
        return trials_from(view["rows"], view["summary"])
    return trials_from(a.result["trials"], a.result.get("trials_summary"))


def day_of(a: Assessment) -> str:
    return localtime(a.when, "%Y-%m-%d")


@bp.app_template_global("visit_days_of")
def visit_days(assessments: list[Assessment]) -> list[tuple[str, int]]:
    """The days with a result, newest first, each with how many results it has."""
    counts: dict[str, int] = {}
    for a in assessments:
        if a.status == "complete":
            counts[day_of(a)] = counts.get(day_of(a), 0) + 1
    return sorted(counts.items(), reverse=True)


def side_comparisons(day_items: list[Assessment], all_items: list[Assessment], th: interpret.Thresholds,
                     within_days: float) -> list[dict]:
    """Per SLR mode of the visit: both sides of the visit compared (the latest of each), else the
    visit's one side with the other side's closest in time within within_days (both dates are in
    the sentence), else why there is no comparison. [{mode, comparison, same_visit} or {mode, missing}]"""
    day_vals, all_vals = comparison.values(day_items), comparison.values(all_items)
    out = []
    for mode in ("passive", "active"):
        latest = {v.side: v for v in day_vals if v.mode == mode}  # oldest first: the later one stays
        if not latest:
            continue
        if len(latest) == 2:
            out.append({"mode": mode, "same_visit": True,
                        "comparison": comparison.compare(latest["left"], latest["right"], th)})
            continue
        (v,) = latest.values()
        other = comparison.closest_other_side(v, all_vals, within_days)
        if other is not None:
            out.append({"mode": mode, "same_visit": False, "comparison": comparison.compare(v, other, th)})
        else:
            other_side = "right" if v.side == "left" else "left"
            out.append({"mode": mode, "missing": f"No {other_side} {mode} SLR within {within_days:g} days of this "
                                                 f"visit: the {v.side} side alone ({v.deg:.1f}°) is not compared."})
    return out


def sources_for(items: list[Assessment], comparisons: list[dict], th: interpret.Thresholds) -> list[str]:
    """The sources behind what the report says, in the order it says it."""
    keys = []
    slrs = [a for a in items if a.test == "slr"]
    if slrs:
        keys += ["slr_tight", "pelvis"]
    if any(c.get("comparison") for c in comparisons):
        keys.append("mdc")
    if any((a.result or {}).get("pain_angle_deg") is not None for a in slrs):
        keys.append("lasegue")
    if any(a.test == "hinge" for a in items):
        keys.append("hinge")
    return [SOURCES[k].format(tight=th.tight_below_deg, mdc=th.mdc_deg) for k in keys]


@bp.after_request
def _record_export(response):
    """A visit report served goes into the audit log, as the other exports do."""
    if response.status_code == 200:
        audit.record("export", request.full_path.rstrip("?"), commit=True)
    return response


@bp.route("/people/<int:person_id>/visit")
def report(person_id: int):
    """The visit report of one day (`?day=`, default the latest with a result), on A4 or Letter
    (`?paper=a4|letter`)."""
    person = get_person(person_id)
    items = sorted(recording.person_assessments(person), key=lambda a: a.when)
    days = visit_days(items)
    day = request.args.get("day", "").strip()
    if day and not DAY.fullmatch(day):
        abort(400, "The day must be a date written as YYYY-MM-DD, e.g. 2026-12-06.")
    paper = request.args.get("paper", "a4").lower()
    if paper not in PAPERS:
        abort(400, "The paper must be A4 or Letter.")
    if not day:
        if not days:
            abort(404, f"{person.name} has no assessment with a result yet: there is no visit to report.")
        day = days[0][0]
    of_day = [a for a in items if day_of(a) == day and a.status != "pending"]
    done = [a for a in of_day if a.status == "complete"]
    if not done:
        abort(404, f"{person.name} has no assessment with a result on {day}.")
    th = interpret.Thresholds.from_config(current_app.config)
    comparisons = side_comparisons(done, items, th, float(current_app.config["COMPARE_WITHIN_DAYS"]))
    return render_template(
        "exports/visit.html", person=person, day=day, days=days, paper=paper, papers=PAPERS,
        tests=[{"a": a, "interpretation": interpret.sentences(a, th), "trials": trials_of(a)} for a in done],
        without_result=[a for a in of_day if a.status != "complete"], comparisons=comparisons,
        sources=sources_for(done, comparisons, th), signature=settings.signature(current_user), printed_at=utcnow())
