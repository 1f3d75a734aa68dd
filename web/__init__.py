"""The rom web app: people, live and uploaded assessments, results, history and exports.

Laid out like Flask's tutorial app (`flaskr`): `create_app` is the app factory, each area is a
blueprint, the database session lives for one request (Flask-SQLAlchemy), and `flask --app web
init-db` (or `rom serve`, which does it on start) brings the database schema up to date.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from rom import wording

# Defaults a clinic can override through the environment or the test config. Interpretation
# thresholds (DESIGN.md 3, `rom.wording`): SLR below 80 degrees suggests tight hamstrings
# (Hansberger 2019); a left/right difference beyond the minimal detectable change of goniometric
# SLR (about 6-7 degrees) is worth noting.
DEFAULTS = {
    "MAX_CONTENT_LENGTH": 1024 * 1024 * 1024,  # uploads: a 10-minute phone video fits
    "POSE_MODEL": "full",
    "LIVE_ENGINE": "process",  # 'process' (one per connection) or 'thread' (in the server process)
    "STALE_AFTER_S": 5.0,  # a recording without frames for this long is shown as incomplete
    "SLR_TIGHT_BELOW_DEG": wording.SLR_TIGHT_BELOW_DEG,
    "SLR_MDC_DEG": wording.SLR_MDC_DEG,
    "SOCK_SERVER_OPTIONS": {"ping_interval": 10, "max_message_size": 8 * 1024 * 1024},
}


def create_app(test_config: dict | None = None) -> Flask:
    """The app. Configuration, lowest to highest precedence: DEFAULTS, the environment
    (ROM_DATABASE_URL, ROM_SECRET_KEY, ROM_MAX_UPLOAD_MB, ROM_LIVE_ENGINE), then test_config."""
    app = Flask(__name__, instance_path=os.environ.get("ROM_INSTANCE_PATH") or None,
                instance_relative_config=True)
    if test_config and test_config.get("INSTANCE_PATH"):
        app.instance_path = str(test_config["INSTANCE_PATH"])
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        os.environ.get("ROM_DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'rom.sqlite'}")
    if os.environ.get("ROM_LIVE_ENGINE"):
        app.config["LIVE_ENGINE"] = os.environ["ROM_LIVE_ENGINE"]
    if os.environ.get("ROM_MAX_UPLOAD_MB"):
        app.config["MAX_CONTENT_LENGTH"] = int(os.environ["ROM_MAX_UPLOAD_MB"]) * 1024 * 1024
    app.config["SECRET_KEY"] = os.environ.get("ROM_SECRET_KEY") or _instance_secret(Path(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)

    from web import db, filters

    db.init_app(app)
    filters.init_app(app)

    from web import api, assessments, exports, live, people, uploads

    for module in (people, assessments, live, uploads, exports, api):
        app.register_blueprint(module.bp)

    @app.route("/")
    def index():
        return redirect(url_for("people.index"))

    for code in (404, 409, 413):
        app.register_error_handler(code, _error_page)
    return app


def _error_page(e: HTTPException):
    """Errors in the app's own layout, in plain words (JSON for the API)."""
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
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
