"""The login lock-out: after MAX_FAILURES failed logins of one name from one address within
WINDOW_S (or MAX_ACCOUNT_FAILURES of one name from anywhere), that name must wait.

Kept in the database (table login_failure), so that a restart does not forget it and every
server process sees the same counts. Checking and counting are one step: each attempt first
records itself as a failure, then counts; the k-th attempt to be recorded sees at least k, so
however many arrive at once, at most MAX_FAILURES of them get their password checked. A right
password then clears the name's failures from that address. A refused attempt removes its own
record (waiting does not lengthen the wait) unless it is among the first MAX_FAILURES recorded
(by id): in a burst, attempts that counted later arrivals may all be refused, and were the first
ones to remove themselves too, fewer than MAX_FAILURES would remain and the lock would open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from web.db import db
from web.models import LoginFailure, name_key, utcnow

MAX_FAILURES = 5
MAX_ACCOUNT_FAILURES = 50
WINDOW_S = 15 * 60


@dataclass
class Attempt:
    row_id: int
    key: str
    address: str
    wait_s: float = 0.0  # > 0: refused, try again after this long

    def failed(self) -> None:
        """The password was wrong: the attempt stays counted."""

    def succeeded(self) -> None:
        """The password was right: this name's failures from this address are forgotten."""
        db.session.execute(delete(LoginFailure).where(LoginFailure.name_key == self.key,
                                                      LoginFailure.address == self.address))
        db.session.commit()


def begin(name: str, address: str) -> Attempt:
    """Record a login attempt (as a failure until the password proves right) and decide whether
    it may go on; see the module's docstring."""
    key, address = name_key(name)[:80], (address or "")[:64]
    now = utcnow()
    since = now - timedelta(seconds=WINDOW_S)
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < since))  # forget old ones
    row = LoginFailure(name_key=key, address=address, at=now)
    db.session.add(row)
    db.session.commit()
    attempt = Attempt(row.id, key, address)
    recent = select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
        LoginFailure.name_key == key, LoginFailure.at >= since)
    n_pair, first_pair = db.session.execute(recent.where(LoginFailure.address == address)).one()
    n_name, first_name = db.session.execute(recent).one()
    if n_pair > MAX_FAILURES or n_name > MAX_ACCOUNT_FAILURES:
        first = first_pair if n_pair > MAX_FAILURES else first_name
        attempt.wait_s = max(1.0, WINDOW_S - (now - first).total_seconds())
        earlier = recent.where(LoginFailure.id <= row.id)
        if n_pair > MAX_FAILURES:
            earlier = earlier.where(LoginFailure.address == address)
        rank = db.session.execute(earlier).one()[0]
        if rank > (MAX_FAILURES if n_pair > MAX_FAILURES else MAX_ACCOUNT_FAILURES):
            db.session.execute(delete(LoginFailure).where(LoginFailure.id == row.id))
        db.session.commit()
    return attempt
