"""The database: Flask-SQLAlchemy for the models, Flask-Migrate (Alembic) for the schema.

Any SQLAlchemy URL works; SQLite (the default, zero setup) and PostgreSQL are tested. The schema
is only ever changed by the migrations in web/migrations: `flask --app web init-db` (or
`rom serve` on start) applies them.
"""

from __future__ import annotations

from pathlib import Path

import click
import flask_migrate
from flask import Flask
from flask.cli import with_appcontext
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=str(MIGRATIONS), render_as_batch=True)  # batch: SQLite cannot ALTER much


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db)
    app.cli.add_command(init_db_command)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets the pages read while a recording writes its frames; foreign keys make deleting
    an assessment delete its frames, as on PostgreSQL."""
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "memory":
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL against a killed process
    cur.close()


def prepare_database() -> None:
    """Bring the schema up to date (within an app context). An SQLite file (and its journal) is
    made readable only by the server's user."""
    flask_migrate.upgrade(directory=str(MIGRATIONS))
    if db.engine.dialect.name == "sqlite" and db.engine.url.database not in (None, "", ":memory:"):
        for suffix in ("", "-wal", "-shm"):
            p = Path(db.engine.url.database + suffix)
            if p.exists():
                p.chmod(0o600)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema."""
    prepare_database()
    click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")
