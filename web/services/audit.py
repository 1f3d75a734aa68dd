"""The audit log: logins (and failed ones), logouts, account changes (an admin acting on another
clinician's account included), exports and deletions, each with who, when and from where.
Admins read it on /users/audit. An entry is committed with the change it records."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from web.db import db
from web.models import AuditEvent


def record(action: str, target: str | None = None, actor=None, commit: bool = False) -> None:
    """Add an entry (committed with the session's next commit, or now with commit=True).
    actor: the account acting (default: the logged-in one)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    db.session.add(AuditEvent(
        actor_id=getattr(actor, "id", None), actor_name=getattr(actor, "name", None), action=action[:40],
        target=None if target is None else target[:200],
        address=(request.remote_addr or "")[:64] if has_request_context() else "command line"))
    if commit:
        db.session.commit()


def recent(limit: int = 500) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)))
