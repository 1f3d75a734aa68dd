"""The live connections open in this server process, so that they can be told to stop: when
their assessment (or its person) is deleted, when their account logs out, is deactivated or gets
a new password. Also where the limits on live connections are kept: one connection per
assessment, LIVE_MAX_PER_ACCOUNT per account and LIVE_MAX_CONNECTIONS in all.

A connection checks its `Claim.stop_reason` between messages (at least once a second) and also
asks the database whether its account still holds (`web.live`), which covers a change made by
another process (`flask --app web users password`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

_lock = threading.Condition()
_claims: dict[int, Claim] = {}  # assessment ID -> claim


@dataclass
class Claim:
    assessment_id: int
    user_id: int
    stop_reason: str | None = None
    discard: bool = False  # the record is gone: drop the frames instead of keeping them
    released: threading.Event = field(default_factory=threading.Event)


class LimitReached(Exception):
    """The connection cannot be opened; the message says why, for the page."""


def claim(assessment_id: int, user_id: int, max_per_account: int, max_total: int) -> Claim:
    """Register a live connection; raises LimitReached (a connection to this assessment is already
    open, or too many are)."""
    with _lock:
        if assessment_id in _claims:
            raise LimitReached("this assessment is already open in another window or tab; close it there, "
                               "or start a new assessment")
        if len(_claims) >= max_total:
            raise LimitReached(f"the server already serves {max_total} live connections, its limit; close one "
                               "or try again later")
        mine = sum(1 for c in _claims.values() if c.user_id == user_id)
        if mine >= max_per_account:
            raise LimitReached(f"this account already has {mine} live connections open, its limit; close one "
                               "first")
        c = _claims[assessment_id] = Claim(assessment_id, user_id)
        return c


def release(c: Claim) -> None:
    with _lock:
        if _claims.get(c.assessment_id) is c:
            del _claims[c.assessment_id]
        c.released.set()
        _lock.notify_all()


def is_open(assessment_id: int) -> bool:
    with _lock:
        return assessment_id in _claims


def stop_assessments(ids, why: str, discard: bool = True, wait_s: float = 15.0) -> None:
    """Tell the connections of these assessments to stop (and discard their frames), and wait
    until they have (at most wait_s)."""
    ids = set(ids)
    with _lock:
        claims = [c for c in _claims.values() if c.assessment_id in ids]
        for c in claims:
            c.stop_reason, c.discard = why, c.discard or discard
    for c in claims:
        c.released.wait(wait_s)


def stop_account(user_id: int, why: str) -> None:
    """Tell every connection of the account to stop (keeping what it recorded); does not wait."""
    with _lock:
        for c in _claims.values():
            if c.user_id == user_id and c.stop_reason is None:
                c.stop_reason = why
