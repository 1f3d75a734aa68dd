"""Clinic settings: what a report for the patient's file says about who measured and where.

`ClinicSettings` is one row for the server (the clinic's name and address line, set by an
admin); `ClinicianProfile` is one row per account (the name and title a report shows for the
clinician, set by that clinician). Nothing here is needed to measure: without settings a report
says the account's name and no clinic.

`check_clinic` and `check_profile` take the form's text and return it cleaned, or raise
`SettingsError` with the reason in plain words (the pages answer 400 with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from web.db import db
from web.models import User, utcnow

CLINIC_NAME_MAX = 120
ADDRESS_MAX = 200
DISPLAY_NAME_MAX = 120
TITLE_MAX = 120


class ClinicSettings(db.Model):
    """The clinic, shown at the head of every report. One row (id 1)."""

    __tablename__ = "clinic_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(CLINIC_NAME_MAX), default="")
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")  # one line
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ClinicianProfile(db.Model):
    """How a report names a clinician: 'Dr Anna Berg', 'Physiotherapist, MSc'."""

    __tablename__ = "clinician_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX), default="")
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class SettingsError(ValueError):
    """A setting that cannot be stored; the message is a sentence for the page."""


@dataclass(frozen=True)
class Signature:
    """Who measured and where, as a report prints it."""

    clinician: str  # the display name, else the account's name
    title: str
    clinic: str
    address: str


def _one_line(label: str, text: str, limit: int, required: bool = False) -> str:
    text = (text or "").strip()
    if required and not text:
        raise SettingsError(f"The {label} is required.")
    if len(text) > limit:
        raise SettingsError(f"The {label} is longer than {limit} characters ({len(text)}).")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise SettingsError(f"The {label} must be one line (no line breaks or tabs).")
    return text


def check_clinic(name: str, address: str) -> tuple[str, str]:
    """The clinic's name (required, one line) and address line (optional, one line)."""
    return (_one_line("clinic name", name, CLINIC_NAME_MAX, required=True),
            _one_line("address line", address, ADDRESS_MAX))


def check_profile(display_name: str, title: str) -> tuple[str, str]:
    """The clinician's display name (required, one line) and title (optional, one line)."""
    return (_one_line("display name", display_name, DISPLAY_NAME_MAX, required=True),
            _one_line("title", title, TITLE_MAX))


def clinic() -> ClinicSettings | None:
    return db.session.get(ClinicSettings, 1)


def profile(user_id: int) -> ClinicianProfile | None:
    return db.session.get(ClinicianProfile, user_id)


def save_clinic(name: str, address: str) -> ClinicSettings:
    """Store the clinic (checked; raises SettingsError). Commits."""
    name, address = check_clinic(name, address)
    row = clinic() or ClinicSettings(id=1)
    row.name, row.address = name, address
    db.session.add(row)
    db.session.commit()
    return row


def save_profile(user_id: int, display_name: str, title: str) -> ClinicianProfile:
    """Store one clinician's display name and title (checked; raises SettingsError). Commits."""
    display_name, title = check_profile(display_name, title)
    row = profile(user_id) or ClinicianProfile(user_id=user_id)
    row.display_name, row.title = display_name, title
    db.session.add(row)
    db.session.commit()
    return row


def signature(user: User | None) -> Signature:
    """The clinician (display name and title, else the account's name) and the clinic."""
    p = profile(user.id) if user is not None else None
    c = clinic()
    return Signature(clinician=(p.display_name if p and p.display_name else (user.name if user else "")),
                     title=p.title if p else "", clinic=c.name if c else "", address=c.address if c else "")
