"""Trials of an assessment on the web (tests with `Protocol.trials`: the SLR's raises,
`rom.protocols.slr.raises`): the engine's trials in the stored result with the clinician's exclusions,
and the mean and spread over the trials left (the test's `trials_summary`).

An exclusion (`TrialExclusion`) is the clinician's judgement that a raise should not count (the
patient tensed, the examiner lifted too fast), always with the reason; it never changes the
stored result. The mean and spread are recomputed from the result and the exclusions wherever
they are shown or exported.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from web.db import db
from web.models import Assessment, utcnow

REASON_MAX_CHARS = 300


class TrialExclusion(db.Model):
    """One trial of an assessment left out of the mean by the clinician, with the reason."""

    __tablename__ = "trial_exclusion"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    trial: Mapped[int] = mapped_column(Integer, primary_key=True)  # the trial's number, 1, 2, ...
    reason: Mapped[str] = mapped_column(String(REASON_MAX_CHARS))
    excluded_by: Mapped[str | None] = mapped_column(String(80))  # the account's name
    excluded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TrialError(ValueError):
    """An exclusion that cannot be made; the message is a sentence for the page (400)."""


def exclusions(a: Assessment) -> dict[int, TrialExclusion]:
    """The assessment's excluded trials by number."""
    rows = db.session.scalars(select(TrialExclusion).where(TrialExclusion.assessment_id == a.id))
    return {x.trial: x for x in rows}


def engine_trials(a: Assessment) -> list[dict]:
    """The trials in the stored result (results from before trials: none)."""
    return list((a.result or {}).get("trials") or [])


def trials_view(a: Assessment) -> dict | None:
    """For pages and exports: {rows, summary, headline_trial}, or None without trials.

    rows: the engine's trial dicts, each with `excluded` (the reason or None), `excluded_by`,
    `excluded_at` (ISO, UTC) and `included`. summary: the test's summary (the SLR's
    `rom.protocols.slr.raises.TrialsSummary.to_dict()`) over the trials neither refused nor excluded."""
    trials = engine_trials(a)
    p = a.protocol
    if p is None or not p.trials or not trials:
        return None
    ex = exclusions(a)
    rows = []
    for t in trials:
        x = ex.get(t["number"])
        rows.append({**t, "excluded": x.reason if x else None, "excluded_by": x.excluded_by if x else None,
                     "excluded_at": x.excluded_at.strftime("%Y-%m-%dT%H:%M:%SZ") if x else None,
                     "included": x is None and t.get("refused") is None and t.get(p.headline) is not None})
    summary = p.interpretation().trials_summary([t.get(p.headline) for t in trials], excluded=ex.keys())
    head = ((a.result or {}).get("headline") or {}).get("trial", 1)
    return {"rows": rows, "summary": summary, "headline_trial": head}


def exclude(a: Assessment, number: int, reason: str | None, who: str | None) -> TrialExclusion:
    """Leave trial `number` out of the mean, with the reason (not committed)."""
    reason = (reason or "").strip()
    if not reason:
        raise TrialError("Give the reason for leaving the trial out (e.g. 'the patient tensed the leg').")
    if len(reason) > REASON_MAX_CHARS:
        raise TrialError(f"The reason is {len(reason)} characters long; at most {REASON_MAX_CHARS} are kept.")
    trial = next((t for t in engine_trials(a) if t.get("number") == number), None)
    if a.status != "complete" or trial is None:
        raise TrialError(f"This assessment has no trial {number}.")
    if trial.get("refused"):
        raise TrialError(f"Trial {number} was not measured, so it is not in the mean.")
    x = db.session.get(TrialExclusion, (a.id, number))
    if x is None:
        x = TrialExclusion(assessment_id=a.id, trial=number)
        db.session.add(x)
    x.reason, x.excluded_by, x.excluded_at = reason, who, utcnow()
    return x


def include(a: Assessment, number: int) -> bool:
    """Count trial `number` again (not committed). False if it was not excluded."""
    x = db.session.get(TrialExclusion, (a.id, number))
    if x is None:
        return False
    db.session.delete(x)
    return True


def mean_key(a: Assessment) -> str:
    """The summary's key of the trials' mean (the mean of the test's headline figure: 'mean_slr_angle_deg')."""
    return f"mean_{a.protocol.headline}"


def summary_words(a: Assessment) -> str:
    """For lists: 'mean of 3 trials 61.2° (SD 1.4°)', '… 2 of 3 trials (1 excluded)'; '' for one trial."""
    view = trials_view(a)
    if view is None or view["summary"]["n_trials"] < 2:
        return ""
    s = view["summary"]
    n, used = s["n_trials"], s["n_included"]
    mean = s[mean_key(a)]
    if mean is None:
        return f"{n} trials, none counted"
    text = f"mean of {used} of {n} trials" if used != n else f"mean of {n} trials"
    text += f" {mean:.1f}°"
    if s["sd_deg"] is not None:
        text += f" (SD {s['sd_deg']:.1f}°)"
    left_out = sum(1 for r in view["rows"] if r["excluded"])
    if left_out:
        text += f", {left_out} excluded"
    return text
