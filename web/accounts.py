"""Clinician accounts: create, list, check and change passwords. Used by the web pages
(`web.auth`, `web.users`) and by `rom users`; each function works within an app context.

Passwords are hashed with werkzeug.security (scrypt, salted); only the hash is stored. The first
account of a database is always an admin, and the first admin receives the people of a database
from before accounts existed (their owner is NULL).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from web.db import db
from web.models import Person, User, new_session_token, utcnow

MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 80


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so that a wrong name takes as long as a wrong
    password (no telling which names exist from the time a login takes)."""
    return generate_password_hash("not the password of anyone")


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""

    def sentence(self) -> str:
        """The reason as a sentence for a page."""
        text = str(self)
        return f"{text[:1].upper()}{text[1:]}."


@dataclass(frozen=True)
class Created:
    user: User
    adopted_people: int  # people from before accounts existed, now this admin's


def any_user() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def find(name: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.name) == name.strip().lower()))


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 1024:
        raise AccountError("the password is longer than 1024 characters")


def create_user(name: str, password: str, admin: bool = False) -> Created:
    """A new active account. The first account of the database is made an admin. Raises
    AccountError (name taken or invalid, password too short)."""
    name = name.strip()
    if not name:
        raise AccountError("a user name is required")
    if len(name) > MAX_NAME_LENGTH or any(c.isspace() and c != " " for c in name):
        raise AccountError(f"the user name must be one line of at most {MAX_NAME_LENGTH} characters")
    if find(name) is not None:
        raise AccountError(f"there is already an account named {name!r}")
    check_new_password(password)
    admin = admin or not any_user()
    first_admin = admin and db.session.scalar(select(User.id).where(User.is_admin).limit(1)) is None
    user = User(name=name, password_hash=generate_password_hash(password), is_admin=admin, active=True)
    db.session.add(user)
    db.session.flush()
    adopted = 0
    if first_admin:
        adopted = db.session.execute(update(Person).where(Person.owner_id.is_(None))
                                     .values(owner_id=user.id)).rowcount or 0
    db.session.commit()
    return Created(user, adopted)


def authenticate(name: str, password: str) -> User | None:
    """The active account with this name and password, else None."""
    user = find(name)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    """A new password; every session of the account ends (its session token changes)."""
    check_new_password(password)
    user.password_hash = generate_password_hash(password)
    user.session_token = new_session_token()
    db.session.commit()


def set_active(user: User, active: bool, by: User | None = None) -> None:
    """Deactivate (the account can no longer log in, its sessions end, its records stay) or
    reactivate an account. The last active admin cannot be deactivated, nor can one deactivate
    oneself."""
    if not active:
        if by is not None and by.id == user.id:
            raise AccountError("you cannot deactivate your own account")
        if user.is_admin and db.session.scalar(select(func.count(User.id)).where(
                User.is_admin, User.active, User.id != user.id)) == 0:
            raise AccountError("this is the last active admin account")
        user.session_token = new_session_token()
    user.active = active
    db.session.commit()


def list_users() -> list[tuple[User, int]]:
    """Every account with the number of people it owns, by name."""
    counts = dict(db.session.execute(select(Person.owner_id, func.count(Person.id)).group_by(Person.owner_id)).all())
    return [(u, counts.get(u.id, 0)) for u in db.session.scalars(select(User).order_by(func.lower(User.name)))]


def load(user_id: str) -> User | None:
    """Flask-Login's user loader: the session's ID is '<user id>:<session token>'."""
    uid, _, token = user_id.partition(":")
    if not uid.isdigit():
        return None
    user = db.session.get(User, int(uid))
    if user is None or not user.active or user.session_token != token:
        return None
    return user
