"""`rom serve`: the web app on Werkzeug's threaded server, the database brought up to date first.

One thread per connection is enough on a single machine: the pose model of each live connection
runs in its own process (`web.services.workers`), so the server threads only move frames and JSON
(bench/live_load.py measures the figures).
"""

from __future__ import annotations

import sys

from werkzeug.serving import make_server

from web import create_app
from web.db import db, prepare_database
from web.services.accounts import any_user
from web.services.analysis_queue import settle_unfinished
from web.services.storage import secure_instance


def serve(host: str = "127.0.0.1", port: int = 5000, db_url: str | None = None, model: str | None = None) -> int:
    config = {"SQLALCHEMY_DATABASE_URI": db_url} if db_url else {}
    if model:
        from rom.capture.models import require_installed

        require_installed(model)  # a clear message now, not at the first assessment
        config["POSE_MODEL"] = model
    app = create_app(config or None)
    with app.app_context():
        prepare_database()
        settle_unfinished()  # recordings and analyses a previous server left unfinished, orphaned files
        secure_instance()  # the database, the key and the videos readable only by this user
        where = db.engine.url.render_as_string(hide_password=True)
        first_run = not any_user()
    try:
        server = make_server(host, port, app, threaded=True)
    except SystemExit:  # Werkzeug has said why (e.g. the port is in use by another program)
        return 2
    except OSError as e:
        print(f"rom serve: cannot listen on {host}:{port}: {e.strerror or e}", file=sys.stderr)
        return 2
    print(f"rom: serving on http://{host}:{server.port}/  (database: {where}; stop with Ctrl+C)")
    if first_run:
        print("rom: no account yet: open the page to create the first one (an admin), or use "
              "`flask --app web users add NAME --admin`")
    if host not in ("127.0.0.1", "localhost", "::1"):
        print("rom serve: serving beyond this machine over plain HTTP: passwords and health data cross the network "
              "unencrypted; put an HTTPS proxy in front (and set ROM_SECURE_COOKIES=1)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
