"""Clinician accounts: create, list, check and change passwords. Used by the web pages
(`web.auth`, `web.users`) and by `flask --app web users` (`web.commands`); each function works within an app context.

Passwords are hashed with werkzeug.security (scrypt, salted); only the hash is stored. The first
account of a database is always an admin, and the first admin receives the people of a database
from before accounts existed (their owner is NULL).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import exc, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from web.db import db
from web.models import Person, User, name_key, new_session_token, utcnow
from web.services import live_registry

MIN_PASSWORD_LENGTH = 8
# Passwords that lists of leaked passwords put first; refused whatever their length.
COMMON_PASSWORDS = frozenset("""
12345678 123456789 1234567890 0123456789 87654321 11111111 00000000 88888888 12341234 11223344
password password1 password123 passw0rd p@ssw0rd p@ssword qwertyui qwerty123 qwertyuiop 1q2w3e4r
1q2w3e4r5t asdfghjk asdfasdf zxcvbnm1 abcd1234 abcdefgh iloveyou sunshine princess football baseball
welcome1 welcome123 letmein1 trustno1 superman batman123 dragon12 monkey12 master12 starwars
whatever computer internet michael1 jennifer charlie1 shadow12 changeme changeme1 default1 secret12
administrator admin123 admin1234 root1234 test1234 testtest guest123 12qwaszx 1qaz2wsx zaq12wsx
qazwsxedc hello123 freedom1 mustang1 access14 baseball1 football1 password! passwort passwort1
motdepasse azertyui azerty123 contraseña contrasena 1234qwer qwer1234 q1w2e3r4 a1b2c3d4 aa123456
""".split())
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
    """The account of this name, compared case-blind in any language ('Ärztin' is 'ärztin')."""
    key = name_key(name)
    user = db.session.scalar(select(User).where(User.name_key == key))
    if user is None:  # an account from before name_key (set by migration 0003; kept as a fallback)
        user = db.session.scalar(select(User).where(User.name_key.is_(None), func.lower(User.name) == key))
    return user


def check_new_password(password: str, name: str = "") -> None:
    """The password policy: at least MIN_PASSWORD_LENGTH characters besides spaces, at least
    four different characters, not one of the commonest passwords, not the account's name."""
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters (spaces around it "
                           "do not count)")
    if len(password) > 1024:
        raise AccountError("the password is longer than 1024 characters")
    folded = password.strip().casefold()
    if len(set(folded)) < 4 or folded in COMMON_PASSWORDS or folded.strip("!.1 ") in COMMON_PASSWORDS \
            or (name and name_key(name) in folded):
        raise AccountError("this password is too easy to guess (a common password, a repeated character or "
                           "the account's name); choose a longer phrase")


def create_user(name: str, password: str, admin: bool = False) -> Created:
    """A new active account. The first account of the database is made an admin. Raises
    AccountError (name taken or invalid, password too short)."""
    name = name.strip()
    if not name:
        raise AccountError("a user name is required")
    if len(name) > MAX_NAME_LENGTH or any(c.isspace() and c != " " for c in name):
        raise AccountError(f"the user name must be one line of at most {MAX_NAME_LENGTH} characters")
    if "\x00" in name:
        raise AccountError("the user name has a NUL character")
    if find(name) is not None:
        raise AccountError(f"there is already an account named {name!r}")
    check_new_password(password, name)
    admin = admin or not any_user()
    first_admin = admin and db.session.scalar(select(User.id).where(User.is_admin).limit(1)) is None
    user = User(name=name, name_key=name_key(name), password_hash=generate_password_hash(password),
                is_admin=admin, active=True)
    db.session.add(user)
    try:
        db.session.flush()
    except exc.IntegrityError:  # the same name, added at the same moment by another request
        db.session.rollback()
        raise AccountError(f"there is already an account named {name!r}") from None
    adopted = 0
    if first_admin:
        adopted = db.session.execute(update(Person).where(Person.owner_id.is_(None))
                                     .values(owner_id=user.id)).rowcount or 0
    db.session.commit()
    return Created(user, adopted)


def create_first_user(name: str, password: str) -> Created | None:
    """The first account (an admin), from the first-run page; None when another account was
    created at the same moment (by another process): then only the earliest one stays."""
    created = create_user(name, password, admin=True)
    first = db.session.scalar(select(func.min(User.id)))
    if first != created.user.id:
        db.session.execute(update(Person).where(Person.owner_id == created.user.id).values(owner_id=None))
        db.session.delete(created.user)
        db.session.commit()
        return None
    return created


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
    check_new_password(password, user.name)
    user.password_hash = generate_password_hash(password)
    end_sessions(user, "the account's password was changed")


def end_sessions(user: User, why: str) -> None:
    """End every session of the account (its session token changes: the old cookies are
    refused) and every live connection it has open (committed here)."""
    user.session_token = new_session_token()
    db.session.commit()
    live_registry.stop_account(user.id, why)


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
    if not active:
        live_registry.stop_account(user.id, "the account was deactivated")


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
