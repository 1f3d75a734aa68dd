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
import time

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

from web import accounts

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.setup"}
# Failed logins per (name, address) before that pair must wait.
MAX_FAILURES = 5
FAILURE_WINDOW_S = 15 * 60


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
            created = accounts.create_user(name, password, admin=True)
        except accounts.AccountError as e:
            flash(e.sentence(), "error")
            return render_template("auth/setup.html"), 400
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
        wait_s = _failures(name).wait_s()
        if wait_s:
            flash(f"Too many failed logins for this name; try again in {max(1, round(wait_s / 60))} minutes.",
                  "error")
            return render_template("auth/login.html", name=name, next=target), 429
        user = accounts.authenticate(name, password)
        if user is None:
            _failures(name).add()
            flash("Wrong name or password (or the account is deactivated).", "error")
            return render_template("auth/login.html", name=name, next=target), 401
        _failures(name).clear()
        _start_session(user)
        return redirect(target)
    return render_template("auth/login.html", name="", next=target)


@bp.route("/logout", methods=("POST",))
def logout():
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
    """A local path to go to after logging in; the people page for anything else (no open
    redirect to another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not target.startswith(("/login", "/logout", "/setup")):
        return target
    return url_for("people.index")


class _Failures:
    """Failed logins of one (name, address) within FAILURE_WINDOW_S."""

    def __init__(self):
        self.times: list[float] = []
        self.lock = threading.Lock()

    def _recent(self) -> list[float]:
        now = time.monotonic()
        self.times = [t for t in self.times if now - t < FAILURE_WINDOW_S]
        return self.times

    def wait_s(self) -> float:
        with self.lock:
            recent = self._recent()
            return FAILURE_WINDOW_S - (time.monotonic() - recent[0]) if len(recent) >= MAX_FAILURES else 0.0

    def add(self) -> None:
        with self.lock:
            self._recent().append(time.monotonic())

    def clear(self) -> None:
        with self.lock:
            self.times = []


_failures_lock = threading.Lock()


def _failures(name: str) -> _Failures:
    with _failures_lock:
        table = current_app.extensions.setdefault("rom_login_failures", {})
        key = (name.lower(), request.remote_addr)
        if key not in table:
            if len(table) > 10_000:  # a flood of invented names: forget the oldest
                table.pop(next(iter(table)))
            table[key] = _Failures()
        return table[key]
