"""Logging in and out, the first-run page, one's own account.

Every request needs a logged-in clinician except the login and first-run pages and the static
files (`require_login`, run before every request). While the database has no account at all,
every page leads to the first-run page, which creates the first account (an admin).

Sessions (Flask-Login) live in Flask's signed session cookie, HttpOnly and SameSite=Lax, for at
most 12 hours (`web.DEFAULTS`); the session's ID includes the account's session token, so a new
password or a deactivated account ends every session of it at once.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from web.services import accounts, audit, lockout

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

PUBLIC_ENDPOINTS = {"static", "favicon", "auth.login", "auth.setup"}
_setup_lock = threading.Lock()


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(accounts.load)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to continue."
    app.before_request(require_login)
    app.register_blueprint(bp)


def require_login():
    """Before every request: the first-run page while there is no account, else the login page
    (401 for the API and the WebSocket) unless a clinician is logged in."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    machine = request.path.startswith("/api/") or request.path.startswith("/ws/")
    if not _users_exist():
        if machine:
            return _unauthorised("create the first account first")
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return None
    if machine:
        return _unauthorised("log in first")
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def _unauthorised(message: str):
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), 401
    abort(401, message)


def _users_exist() -> bool:
    """Whether any account exists (remembered once true: accounts are never deleted)."""
    if current_app.extensions.get("rom_has_users"):
        return True
    found = accounts.any_user()
    if found:
        current_app.extensions["rom_has_users"] = True
    return found


@bp.route("/setup", methods=("GET", "POST"))
def setup():
    """First run: create the first account, an admin."""
    if _users_exist():
        return redirect(url_for("auth.login"))
    if request.method == "POST":
        name, password = request.form.get("name", ""), request.form.get("password", "")
        try:
            if password != request.form.get("password2", ""):
                raise accounts.AccountError("the two passwords differ")
            with _setup_lock:  # one first account, however many set-ups are sent at once
                if accounts.any_user():
                    return redirect(url_for("auth.login"))
                created = accounts.create_first_user(name, password)
        except accounts.AccountError as e:
            flash(e.sentence(), "error")
            return render_template("auth/setup.html"), 400
        if created is None:  # another process created the first account at the same moment
            flash("The first account was created meanwhile; log in.", "error")
            return redirect(url_for("auth.login"))
        audit.record("first account created", created.user.name, actor=created.user, commit=True)
        _start_session(created.user)
        flash(f"Welcome, {created.user.name}. Your account is an admin: it can add the other clinicians' accounts."
              + (f" The {created.adopted_people} people already recorded are yours." if created.adopted_people else ""))
        return redirect(url_for("people.index"))
    return render_template("auth/setup.html")


@bp.route("/login", methods=("GET", "POST"))
def login():
    if not _users_exist():
        return redirect(url_for("auth.setup"))
    target = _safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target)
    if request.method == "POST":
        name, password = request.form.get("name", "").strip(), request.form.get("password", "")
        attempt = lockout.begin(name, request.remote_addr or "")
        if attempt.wait_s:
            audit.record("login refused (locked)", name[:80], commit=True)
            flash(f"Too many failed logins for this name; try again in {max(1, round(attempt.wait_s / 60))} "
                  "minutes.", "error")
            return render_template("auth/login.html", name=name, next=target), 429
        user = accounts.authenticate(name, password)
        if user is None:
            attempt.failed()
            audit.record("login failed", name[:80], commit=True)
            flash("Wrong name or password (or the account is deactivated).", "error")
            return render_template("auth/login.html", name=name, next=target), 401
        attempt.succeeded()
        _start_session(user)
        audit.record("login", user.name, actor=user, commit=True)
        return redirect(target)
    return render_template("auth/login.html", name="", next=target)


@bp.route("/logout", methods=("POST",))
def logout():
    """Log out: every session of the account ends on the server (its session token changes, so a
    copy of the cookie is refused from now on), and so do its open live connections."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        audit.record("logout", user.name)
        accounts.end_sessions(user, "the account logged out")
    logout_user()
    session.clear()
    flash("Logged out.")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=("GET", "POST"))
@login_required
def account():
    """One's own account: change the password (which ends the other sessions)."""
    if request.method == "POST":
        new = request.form.get("password", "")
        try:
            if accounts.authenticate(current_user.name, request.form.get("current", "")) is None:
                raise accounts.AccountError("the current password is wrong")
            if new != request.form.get("password2", ""):
                raise accounts.AccountError("the two new passwords differ")
            accounts.set_password(current_user, new)
        except accounts.AccountError as e:
            flash(e.sentence(), "error")
            return render_template("auth/account.html"), 400
        _start_session(current_user._get_current_object())  # this session goes on with the new token
        flash("Password changed. Other sessions of this account have ended.")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html")


def _start_session(user) -> None:
    session.clear()  # nothing of an earlier visitor's session carries over
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
    login_user(user)


def _safe_next(target: str | None) -> str:
    """A path of this app to go to after logging in; the people page for anything else (no open
    redirect to another site). Browsers drop tabs and newlines from a URL and read a backslash as
    a slash, so '/\t/evil.com' would lead to //evil.com: any control character, space or
    backslash is refused, and what is left must be a path without a scheme or host."""
    fallback = url_for("people.index")
    if not target or len(target) > 2000 or not target.startswith("/"):
        return fallback
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c == "\\" for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//") or not parts.path.startswith("/"):
        return fallback
    if parts.path.startswith(("/login", "/logout", "/setup")):
        return fallback
    return target
