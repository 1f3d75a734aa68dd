"""Tables: Person, Assessment, FrameSample (SQLAlchemy 2 style). Schema changes go through a
migration in web/migrations/versions.

Times are stored as naive UTC. Access control (DESIGN.md 5): each person belongs to the
clinician who added them (`Person.owner_id`), and an assessment to its person's clinician. Every
query for people and assessments in a request goes through `people_query` and
`assessments_query`, which keep to the logged-in clinician's records (none without a login), so
that the owner filter is in one place. Background work (analyses, settling unfinished recordings
on start) works on IDs it was given and does not filter.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timedelta, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    event,
    false,
    select,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from rom import protocols
from web.db import db

STATUSES = ("pending", "recording", "incomplete", "analysing", "complete", "failed")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_session_token() -> str:
    return secrets.token_hex(16)


def name_key(name: str) -> str:
    """An account name as compared: 'Ärztin', 'ärztin' and 'ÄRZTIN' are one name."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


def text_key(text: str | None) -> str:
    """A person's name or notes as searched and compared: 'MÜLLER', 'Müller' and 'müller' are one
    name (NFKC, casefolded; 'Straße' matches 'STRASSE')."""
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


class User(db.Model):
    """A clinician's account. The password is stored only as a salted hash (werkzeug.security,
    scrypt). session_token is part of the login session's ID: changing it (a new password, a
    deactivated account) ends every session of the account. An admin also manages accounts;
    an admin sees only their own people, like everyone else."""

    __tablename__ = "user_account"  # 'user' is a reserved word in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    name_key: Mapped[str | None] = mapped_column(String(80), unique=True, index=True)  # see `name_key()`
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    # Flask-Login's user interface
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class Person(db.Model):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The clinician whose record this is. NULL only for people of a database from before
    # accounts existed, until the first admin account is created (they are then given to it).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), index=True)  # a name or a pseudonymous ID
    # `text_key` of the name, and of name and notes: kept by `_person_keys` on every write.
    name_key: Mapped[str | None] = mapped_column(String(120), index=True)
    search_key: Mapped[str | None] = mapped_column(Text)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Assessment.created_at")


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _person_keys(_mapper, _connection, person: Person) -> None:
    person.name_key = text_key(person.name)
    person.search_key = text_key(person.name) + "\n" + text_key(person.notes)


class Assessment(db.Model):
    """One test of one person, live or from an uploaded video.

    status: pending (created, camera set-up), recording, incomplete (the recording stopped
    without a result: tab closed, server stopped), analysing (uploaded video), complete, failed
    (not measurable; `error` says why). result: the engine's `to_dict()`.
    """

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A random token of this record: its files are named by it and the work done for it in the
    # background checks it, so that nothing of a deleted record reaches one that gets its ID.
    token: Mapped[str | None] = mapped_column(String(32), default=new_session_token)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # a protocol's name (`rom.protocols`); 'auto' until an upload's test is found
    test: Mapped[str] = mapped_column(String(10))
    side: Mapped[str | None] = mapped_column(String(5))  # what the test's side means (`Protocol.side_meaning`)
    mode: Mapped[str | None] = mapped_column(String(10))  # one of the test's `Protocol.modes`, if it has any
    source: Mapped[str] = mapped_column(String(10), default="live")  # 'live' or 'upload'
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_frame_at: Mapped[datetime | None] = mapped_column(DateTime)
    n_frames: Mapped[int] = mapped_column(Integer, default=0)
    fps: Mapped[float | None] = mapped_column(Float)
    image_width: Mapped[int | None] = mapped_column(Integer)
    image_height: Mapped[int | None] = mapped_column(Integer)
    pain_s: Mapped[float | None] = mapped_column(Float)  # the first pain mark, seconds from the start
    pain_marks: Mapped[list | None] = mapped_column(JSON)  # every pain mark (seconds), in time order
    progress: Mapped[float | None] = mapped_column(Float)  # upload analysis, 0..1
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)  # the clinician's, e.g. whether the pain radiated
    key_frame: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # JPEG with the overlay
    keep_video: Mapped[bool] = mapped_column(Boolean, default=False)
    video_path: Mapped[str | None] = mapped_column(String(500))  # relative to the instance folder
    video_name: Mapped[str | None] = mapped_column(String(255))  # the uploaded file's name

    person: Mapped[Person] = relationship(back_populates="assessments")

    @property
    def protocol(self):
        """The test's `Protocol`; None while an upload's test is still to be found ('auto')."""
        return protocols.get(self.test) if self.test in protocols.names() else None

    @property
    def label(self) -> str:
        """'SLR left (passive)' (a test whose side is the measured leg, with its mode), 'Hip hinge'."""
        p = self.protocol
        if p is None:
            return "Test to be found from the video"
        if p.side_from_video:
            side = self.side or (self.result or {}).get("side")
            return p.short_title + (f" {side}" if side else "") + (f" ({self.mode})" if self.mode else "")
        return p.title

    @property
    def pain_times(self) -> list[float]:
        """The pain marks in seconds (rows from before migration 0005 have only pain_s)."""
        if self.pain_marks is not None:
            return list(self.pain_marks)
        return [] if self.pain_s is None else [self.pain_s]

    @property
    def when(self) -> datetime:
        return self.started_at or self.created_at

    def is_abandoned(self, after: timedelta) -> bool:
        """A camera set-up (pending) left for longer than `after`: shown as abandoned."""
        return self.status == "pending" and utcnow() - self.created_at > after


class FrameSample(db.Model):
    """One recorded frame: the pose model's landmarks (see `web.services.frames`), the angles shown live,
    and, once the recording is analysed, the offline angles (the engine's per-frame table)."""

    __tablename__ = "frame_sample"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    frame: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0, 1, ... in recording order
    t_s: Mapped[float] = mapped_column(Float)  # capture time, seconds from the first frame
    relock: Mapped[bool] = mapped_column(Boolean, default=False)  # tracking restarted on the measured person
    landmarks: Mapped[bytes | None] = mapped_column(LargeBinary)  # None: no pose found
    live: Mapped[dict | None] = mapped_column(JSON)
    angles: Mapped[dict | None] = mapped_column(JSON)


class LoginFailure(db.Model):
    """A failed login (name as compared, address, time): the lock-out counts these."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_name_key_at", "name_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name_key: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(db.Model):
    """Who did what, when, from where: logins, logouts, account changes (an admin acting on
    another clinician's account included), exports and deletions. Shown to admins."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(64))


def current_owner_id() -> int | None:
    """The logged-in clinician's user ID; None outside a request or without a login."""
    from flask import has_request_context
    from flask_login import current_user

    if not has_request_context() or not current_user.is_authenticated:
        return None
    return current_user.id


def people_query(search: str = "", owner_id: int | None = None):
    """People of one clinician (default: the logged-in one; no one without a login), by name."""
    owner_id = current_owner_id() if owner_id is None else owner_id
    q = select(Person).order_by(Person.name)
    q = q.where(false()) if owner_id is None else q.where(Person.owner_id == owner_id)
    key = text_key(search)
    if key:
        q = q.where(Person.search_key.contains(key, autoescape=True))
    return q


def assessments_query(owner_id: int | None = None):
    """Assessments of one clinician's people (default: the logged-in clinician; none without a
    login), newest first."""
    owner_id = current_owner_id() if owner_id is None else owner_id
    q = select(Assessment).join(Person, Assessment.person_id == Person.id).order_by(Assessment.created_at.desc())
    return q.where(false()) if owner_id is None else q.where(Person.owner_id == owner_id)
