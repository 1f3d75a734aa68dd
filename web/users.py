"""Accounts, for admins: list them, add one, give one a new password, deactivate or reactivate
one. An admin manages accounts; it does not see the other clinicians' people."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from web.db import db
from web.models import User
from web.services import accounts, audit

bp = Blueprint("users", __name__, url_prefix="/users")


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403, "Only an admin can manage accounts.")
        return view(*args, **kwargs)
    return wrapped


@bp.route("/", methods=("GET", "POST"))
@admin_required
def index():
    """The accounts, and the form that adds one."""
    status = 200
    if request.method == "POST":
        name, password = request.form.get("name", ""), request.form.get("password", "")
        try:
            created = accounts.create_user(name, password, admin=bool(request.form.get("admin")))
        except accounts.AccountError as e:
            flash(e.sentence(), "error")
            status = 400
        else:
            audit.record("add account" + (" (admin)" if created.user.is_admin else ""), created.user.name,
                         commit=True)
            flash(f"Added the account {created.user.name}" + (" (admin)." if created.user.is_admin else "."))
            return redirect(url_for("users.index"))
    return render_template("users/index.html", users=accounts.list_users(),
                           min_length=accounts.MIN_PASSWORD_LENGTH), status


@bp.route("/<int:user_id>/password", methods=("POST",))
@admin_required
def password(user_id: int):
    user = _get(user_id)
    try:
        accounts.set_password(user, request.form.get("password", ""))
    except accounts.AccountError as e:
        flash(e.sentence(), "error")
    else:
        # An admin setting another clinician's password could log in as them: on the record.
        audit.record("set password" if user.id == current_user.id else "set another account's password",
                     user.name, commit=True)
        flash(f"New password set for {user.name}; their sessions have ended.")
    return redirect(url_for("users.index"))


@bp.route("/<int:user_id>/active", methods=("POST",))
@admin_required
def active(user_id: int):
    user = _get(user_id)
    want = request.form.get("active") == "1"
    try:
        accounts.set_active(user, want, by=current_user)
    except accounts.AccountError as e:
        flash(e.sentence(), "error")
    else:
        audit.record("reactivate account" if want else "deactivate account", user.name, commit=True)
        flash(f"{user.name} {'can log in again' if want else 'is deactivated; their records are kept'}.")
    return redirect(url_for("users.index"))


@bp.route("/audit")
@admin_required
def audit_log():
    return render_template("users/audit.html", events=audit.recent())


def _get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, f"Account {user_id} does not exist.")
    return user
