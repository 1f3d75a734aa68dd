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

from rom import protocols
from rom.protocols.base import Protocol
from web.formats.filters import localtime
from web.models import Assessment, utcnow
from web.people import get_person
from web.services import audit, comparison, interpret, recording, settings
from web.services.trials import trials_view

bp = Blueprint("visits", __name__)

PAPERS = {"a4": "A4", "letter": "Letter"}
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

@dataclass(frozen=True)
class Trials:
    """A recording's trials (tests with `Protocol.trials`: the SLR's raises, in the result): each row the
    engine's trial with `counted` and, when not counted, `why_not`; the mean, SD and range of those
    counted; the figures listed (`TRIAL_COLUMNS` of the test's interpret module: key, heading, unit)."""

    rows: list[dict]
    mean_deg: float | None
    sd_deg: float | None
    range_deg: float | None
    listed: tuple[tuple[str, str, str], ...] = ()

    @property
    def n_counted(self) -> int:
        return sum(r["counted"] for r in self.rows)

    @property
    def columns(self) -> list[tuple[str, str, str]]:
        """The figures any trial has."""
        return [c for c in self.listed if any(c[0] in t for t in self.rows)]


def trials_from(p: Protocol, rows: list[dict], summary: dict | None) -> Trials | None:
    """The report's view of a test's trial rows (the engine's, or `web.services.trials`' with the
    clinician's exclusions: `excluded` holds the reason) and their summary (the SLR's
    `rom.protocols.slr.raises.TrialsSummary`); None for fewer than two trials (one raise is the result itself)."""
    key, listed = p.headline, p.interpretation().TRIAL_COLUMNS
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
        elif t.get(key) is None:
            why_not = "not measured"
        elif t.get("included") is False or (included is not None and "included" not in t and number not in included):
            why_not = "excluded"
        out.append({**t, "number": number, "counted": why_not is None, "why_not": why_not})
    kept = [float(t[key]) for t in out if t["counted"]]
    if f"mean_{key}" in summary and included is not None:
        return Trials(out, summary[f"mean_{key}"], summary.get("sd_deg"), summary.get("range_deg"), listed)
    return Trials(out, statistics.fmean(kept) if kept else None,
                  statistics.stdev(kept) if len(kept) > 1 else None, max(kept) - min(kept) if kept else None, listed)


def trials_of(a: Assessment) -> Trials | None:
    """A recording's trials, with the clinician's exclusions (`web.services.trials`)."""
    p = a.protocol
    if p is None or not p.trials or not (a.result or {}).get("trials"):
        return None
    view = trials_view(a)
    if view is not None:
        return trials_from(p, view["rows"], view["summary"])
    return trials_from(p, a.result["trials"], a.result.get("trials_summary"))


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


def side_comparisons(day_items: list[Assessment], all_items: list[Assessment], within_days: float) -> list[dict]:
    """Per test that compares sides and per mode of the visit: both sides of the visit compared (the
    latest of each), else the visit's one side with the other side's closest in time within
    within_days (both dates are in the sentence), else why there is no comparison.
    [{title, mode, comparison, same_visit} or {title, mode, missing}]"""
    day_vals, all_vals = comparison.values(day_items), comparison.values(all_items)
    out = []
    for p in protocols.all_protocols():
        for mode in dict.fromkeys([*p.modes, *(v.mode for v in day_vals if v.test == p.name)]):
            latest = {v.side: v for v in day_vals if v.test == p.name and v.mode == mode}  # the later one stays
            if not latest:
                continue
            head = {"title": f"{mode.capitalize()} {p.short_title}" if mode else p.short_title, "mode": mode,
                    "short": p.short_title}
            if len(latest) == 2:
                out.append({**head, "same_visit": True,
                            "comparison": comparison.compare(latest["left"], latest["right"])})
                continue
            (v,) = latest.values()
            other = comparison.closest_other_side(v, all_vals, within_days)
            if other is not None:
                out.append({**head, "same_visit": False, "comparison": comparison.compare(v, other)})
            else:
                out.append({**head, "missing": f"No {comparison.other_side(v.side)} {mode} {p.short_title} within "
                                               f"{within_days:g} days of this visit: the {v.side} side alone "
                                               f"({v.deg:.1f}°) is not compared."})
    return out


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
    comparisons = side_comparisons(done, items, float(current_app.config["COMPARE_WITHIN_DAYS"]))
    return render_template(
        "exports/visit.html", person=person, day=day, days=days, paper=paper, papers=PAPERS,
        tests=[{"a": a, "interpretation": interpret.sentences(a), "trials": trials_of(a)} for a in done],
        without_result=[a for a in of_day if a.status != "complete"], comparisons=comparisons,
        sources=interpret.sources(done, compared=any(c.get("comparison") for c in comparisons)),
        signature=settings.signature(current_user), printed_at=utcnow())
