"""Left/right comparisons of like with like (issue 11, point 6), for tests that compare sides
(`Protocol.compares_sides`: the SLR).

Two headline figures are compared only when they are of one person, the same test and the same
mode (a passive SLR is not compared with an active one: an active raise also depends on strength),
of opposite sides, and close in time: either a visit the clinician chose, or the other side's
measurement closest in time within COMPARE_WITHIN_DAYS (a setting) of this one. Every comparison
names both dates. The side is the one measured (the result's), else the declared one.

The difference worth noting and the sentence are the test's (`Protocol.interpretation()`
side_difference, with the threshold of its table as the clinic set it), so the batch report and the
web pages highlight the same pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rom import protocols
from web.formats.filters import localtime
from web.services import interpret

SIDES = ("left", "right")


def mode_of(a) -> str:
    """The assessment's mode; records from before modes existed were done the test's first way (passive)."""
    return a.mode or next(iter(a.protocol.modes), "")


def side_of(a) -> str | None:
    """The measured side (the result's), else the declared one."""
    return (a.result or {}).get("side") or a.side


def other_side(side: str) -> str:
    return "right" if side == "left" else "left"


@dataclass(frozen=True)
class SideValue:
    """One side's headline figure: which assessment, its test, its mode and when."""

    assessment_id: int
    side: str
    mode: str
    deg: float
    at: datetime
    test: str

    @property
    def day(self) -> str:
        return localtime(self.at, "%Y-%m-%d")

    @property
    def protocol(self):
        return protocols.get(self.test)

    def to_dict(self) -> dict:
        return {"assessment_id": self.assessment_id, "side": self.side, "mode": self.mode, "deg": self.deg,
                "at": self.at.isoformat() + "Z", "day": self.day}


def side_value(a) -> SideValue | None:
    """A complete assessment's headline figure with its side, mode and time (None for a test that does
    not compare sides, or without a figure or a side)."""
    p = a.protocol  # (None: an upload whose test was not found)
    r = a.result or {}
    side = side_of(a)
    if p is None or not p.compares_sides or a.status != "complete" or r.get(p.headline) is None or side not in SIDES:
        return None
    return SideValue(a.id, side, mode_of(a), float(r[p.headline]), a.when, a.test)


def values(assessments: Iterable) -> list[SideValue]:
    """The comparable headline figures among assessments, oldest first."""
    return sorted((v for v in map(side_value, assessments) if v is not None), key=lambda v: v.at)


def why_not_comparable(a, b) -> str | None:
    """Why assessment b cannot be compared with a (None when it can)."""
    if b.person_id != a.person_id:
        return "That assessment is of another person."
    va, vb = side_value(a), side_value(b)
    if va is None or vb is None or va.test != vb.test:
        p = a.protocol
        return f"Only complete assessments of one test with a measured {p.label(p.headline)} can be compared."
    if va.side == vb.side:
        return f"Both are of the {va.side} leg; a comparison needs the other leg."
    if va.mode != vb.mode:
        short = va.protocol.short_title
        return (f"One is an {va.mode if va.mode == 'active' else vb.mode} {short} and the other a passive one; "
                "only raises of the same mode are compared.")
    return None


@dataclass(frozen=True)
class Comparison:
    left: SideValue
    right: SideValue
    difference_deg: float
    beyond_mdc: bool
    sentence: str

    @property
    def mode(self) -> str:
        return self.left.mode

    def to_dict(self) -> dict:
        return {"mode": self.mode, "left": self.left.to_dict(), "right": self.right.to_dict(),
                "difference_deg": round(self.difference_deg, 1), "beyond_mdc": self.beyond_mdc,
                "sentence": self.sentence}


def compare(x: SideValue, y: SideValue) -> Comparison:
    """The comparison of two like-with-like values of opposite sides."""
    left, right = (x, y) if x.side == "left" else (y, x)
    p = left.protocol
    notable, sentence = p.interpretation().side_difference(left.deg, right.deg, interpret.thresholds(p),
                                                           left.day, right.day)
    return Comparison(left, right, abs(left.deg - right.deg), notable, sentence)


def closest_other_side(v: SideValue, candidates: Iterable[SideValue], within_days: float) -> SideValue | None:
    """The other side's value of v's test and mode closest in time to v, within within_days (the
    earlier one on a tie)."""
    window = timedelta(days=within_days)
    found = [c for c in candidates
             if c.test == v.test and c.side != v.side and c.mode == v.mode and abs(c.at - v.at) <= window]
    return min(found, key=lambda c: (abs(c.at - v.at), c.at), default=None)


def latest_per_mode(vals: list[SideValue], within_days: float) -> list[dict]:
    """For each mode measured: the latest value and the other side's closest within the window,
    as {mode, comparison} or {mode, missing: sentence} when the other side has none in it."""
    out = []
    modes = dict.fromkeys(m for v in vals for m in (*v.protocol.modes, v.mode))
    for mode in modes:
        of_mode = [v for v in vals if v.mode == mode]
        if not of_mode:
            continue
        latest = of_mode[-1]
        other = closest_other_side(latest, of_mode, within_days)
        if other is not None:
            out.append({"mode": mode, "comparison": compare(latest, other)})
            continue
        side = other_side(latest.side)
        older = [v for v in of_mode if v.side == side]
        missing = (f"No {side} {mode} {latest.protocol.short_title} within {within_days:g} days of the "
                   f"{latest.side} one of {latest.day}" + (f" (the latest is of {older[-1].day})" if older else "")
                   + ": measure that side again to compare.")
        out.append({"mode": mode, "missing": missing})
    return out


def visits(vals: list[SideValue]) -> list[Comparison]:
    """Per day, test and mode with both sides measured (the latest of each side that day): the
    comparison; newest first."""
    by_visit: dict[tuple[str, str, str], dict[str, SideValue]] = {}
    for v in vals:  # oldest first: a later one of the day replaces an earlier one
        by_visit.setdefault((v.day, v.test, v.mode), {})[v.side] = v
    out = [compare(s["left"], s["right"]) for s in by_visit.values() if len(s) == 2]
    return sorted(out, key=lambda c: (max(c.left.at, c.right.at), c.mode), reverse=True)
