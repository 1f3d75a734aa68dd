"""The rom web app: people, live and uploaded assessments, results, history and exports.

Laid out like Flask's tutorial app (`flaskr`): `create_app` is the app factory, each area is a
blueprint, the database session lives for one request (Flask-SQLAlchemy), `flask --app web
init-db` (or `rom serve`, which does it on start) brings the database schema up to date, and
`flask --app web users ...` manages the clinicians' accounts (`web.commands`).

Trust (DESIGN.md 5): every page needs a logged-in clinician (`web.auth`), who sees only their own
people (`web.models.people_query`); every form and state-changing request carries a CSRF token
(Flask-WTF's CSRFProtect); responses forbid framing, sniffing and scripts from elsewhere.
"""

from __future__ import annotations

import os
import secrets
import threading
from datetime import timedelta
from pathlib import Path

from flask import Flask, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from rom import protocols


class DaemonThread(threading.Thread):
    """simple_websocket's reader thread of a connection, as a daemon: a process that ends (a
    server stopped with Ctrl+C, a test run) must not wait for a connection still open, which
    the pings and pongs keep alive for ever."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.daemon = True


# Defaults a clinic can override through the environment or the test config. The interpretation
# thresholds (DESIGN.md 3) are each test's (`Protocol.interpretation().SETTINGS`, from its table, e.g.
# `rom.protocols.slr.interpretation`: SLR below 80 degrees suggests tight hamstrings, a left/right
# difference over 6 degrees is worth noting), which the batch report and the text summary use too.
DEFAULTS = {
    "MAX_CONTENT_LENGTH": 1024 * 1024 * 1024,  # uploads: a 10-minute phone video fits
    "POSE_MODEL": "full",
    "LIVE_ENGINE": "process",  # 'process' (one per connection) or 'thread' (in the server process)
    "STALE_AFTER_S": 5.0,  # a recording without frames for this long is shown as incomplete
    **{key: value for p in protocols.all_protocols() for key, value in p.interpretation().SETTINGS.items()},
    # Left/right comparisons pair an SLR with the other side's of the same mode measured at most
    # this many days before or after it (or with a visit the clinician chooses).
    "COMPARE_WITHIN_DAYS": 30,
    # A camera set-up (pending assessment) left this long is shown as abandoned and can be deleted.
    "ABANDONED_AFTER_MIN": 120,
    # A message larger than this closes the WebSocket (1009); web.live refuses frames over
    # LIVE_MAX_FRAME_BYTES with a reply and keeps the connection.
    "SOCK_SERVER_OPTIONS": {"ping_interval": 10, "max_message_size": 32 * 1024 * 1024, "thread_class": DaemonThread},
    "LIVE_MAX_FRAME_BYTES": 4 * 1024 * 1024,
    "LIVE_MAX_FRAME_PIXELS": 4096 * 4096,
    # Live connections open at once (each has a pose-model process of about 200 MB).
    "LIVE_MAX_CONNECTIONS": 4,
    "LIVE_MAX_PER_ACCOUNT": 2,
    "WTF_CSRF_TIME_LIMIT": None,  # a token lives as long as the login session (12 h at most)
    # Session cookies: out of scripts' reach, not sent with requests from other sites, and a
    # login lasts a working day (`web.auth`). SESSION_COOKIE_SECURE with ROM_SECURE_COOKIES=1.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
}
csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    """The app. Configuration, lowest to highest precedence: DEFAULTS, the environment
    (ROM_DATABASE_URL, ROM_SECRET_KEY, ROM_MAX_UPLOAD_MB, ROM_LIVE_ENGINE, ROM_SECURE_COOKIES=1 when
    served over HTTPS), then test_config."""
    app = Flask(__name__, instance_path=os.environ.get("ROM_INSTANCE_PATH") or None,
                instance_relative_config=True)
    if test_config and test_config.get("INSTANCE_PATH"):
        app.instance_path = str(test_config["INSTANCE_PATH"])
    Path(app.instance_path).mkdir(parents=True, exist_ok=True, mode=0o700)
    Path(app.instance_path).chmod(0o700)  # health data: only the server's user reads the instance folder
    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        os.environ.get("ROM_DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'rom.sqlite'}")
    if os.environ.get("ROM_LIVE_ENGINE"):
        app.config["LIVE_ENGINE"] = os.environ["ROM_LIVE_ENGINE"]
    if os.environ.get("ROM_POSE_MODEL"):
        app.config["POSE_MODEL"] = os.environ["ROM_POSE_MODEL"]
    for key in ("LIVE_MAX_CONNECTIONS", "LIVE_MAX_PER_ACCOUNT", "COMPARE_WITHIN_DAYS",
                "ABANDONED_AFTER_MIN"):
        if os.environ.get(f"ROM_{key}"):
            app.config[key] = int(os.environ[f"ROM_{key}"])
    if os.environ.get("ROM_MAX_UPLOAD_MB"):
        app.config["MAX_CONTENT_LENGTH"] = int(os.environ["ROM_MAX_UPLOAD_MB"]) * 1024 * 1024
    app.config["SECRET_KEY"] = os.environ.get("ROM_SECRET_KEY") or _instance_secret(Path(app.instance_path))
    if os.environ.get("ROM_SECURE_COOKIES") == "1":
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    if test_config:
        app.config.from_mapping(test_config)

    from web import auth, commands, db
    from web.formats import filters
    from web.services import settings, summaries  # noqa: F401  (settings: its tables on the metadata)

    db.init_app(app)
    commands.init_app(app)  # `flask --app web users ...`
    filters.init_app(app)
    app.jinja_env.globals["protocols"] = protocols.all_protocols()  # the tests, in the order of menus
    app.add_template_filter(summaries.headline)
    auth.init_app(app)  # before CSRF: a request without a login is sent to log in first
    # After the login check (a stranger's upload is not read at all), before anything stores a
    # field: the login page's fields are checked too, as it needs no login.
    app.before_request(_refuse_nul)
    csrf.init_app(app)

    from web import api, assessments, exports, live, people, settings_views, uploads, users, visits

    for module in (people, assessments, live, uploads, exports, api, users, settings_views, visits):
        app.register_blueprint(module.bp)

    @app.route("/")
    def index():
        return redirect(url_for("people.index"))

    @app.route("/favicon.ico")
    def favicon():  # browsers ask for it whatever the pages link to
        return redirect(url_for("static", filename="favicon.svg"), 301)

    for code in (400, 401, 403, 404, 409, 413, 429):
        app.register_error_handler(code, _error_page)
    app.after_request(_security_headers)
    return app


def _refuse_nul():
    """A NUL character in a form field, a query or a file name is refused (400) on every database
    (PostgreSQL cannot store one and would answer with an error page)."""
    values = [*request.args.values(), *request.args.keys(), request.path]
    if request.method in ("POST", "PUT", "PATCH"):
        values += [*request.form.values(), *request.form.keys()]
        values += [f.filename or "" for f in request.files.values()]
    if any("\x00" in v for v in values):
        abort(400, "A field holds a NUL character, which is not allowed.")


def _security_headers(response):
    """No framing (clickjacking), no MIME sniffing, scripts and connections only to this server,
    and pages with health data kept out of caches."""
    h = response.headers
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    host = request.host
    h.setdefault("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                 f"media-src 'self' blob: mediastream:; connect-src 'self' ws://{host} wss://{host}; "
                 "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
    if request.endpoint != "static":
        h.setdefault("Cache-Control", "no-store")
    return response


def _error_page(e: HTTPException):
    """Errors in the app's own layout, in plain words (JSON for the API)."""
    if isinstance(e, CSRFError):
        e.description = ("The form was refused: its security token is missing or out of date "
                         f"({e.description.rstrip('.')}). Reload the page and try again.")
    if request.path.startswith("/api/"):
        return jsonify({"error": e.description}), e.code
    if e.code == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        e.description = f"The file is larger than the upload limit of {limit} MB."
    return render_template("error.html", error=e), e.code


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, so that sessions outlive a restart without
    the user having to configure one."""
    path = instance / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made by another process at the same moment
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()
