"""Clinic settings (issue 11): the clinic's name and address, each clinician's display name and
title; migration 0006 on SQLite and PostgreSQL, the settings page, its checks and who may edit."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa
from conftest_web import (  # noqa: F401
    add_person,
    db_app_fixture,
    db_url_fixture,
    postgres_server_fixture,
    user_id,
)

from web.db import MIGRATIONS, db
from web.models import User
from web.settings import ClinicianProfile, ClinicSettings, save_clinic, save_profile, signature


def test_migration_0006_adds_the_settings_and_keeps_everything_else(db_app):
    """Down to 0005 (the tables go, people stay) and up again (empty settings, people kept)."""
    pid = add_person(db_app, "Müller")
    with db_app.app_context():
        uid = user_id(db_app)
        save_clinic("Praxis Nord", "Hauptstraße 5, 20095 Hamburg")
        save_profile(uid, "Dr Anna Berg", "Physiotherapist")
        db.session.remove()
        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0005")
        tables = sa.inspect(db.engine).get_table_names()
        assert "clinic_settings" not in tables and "clinician_profile" not in tables
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClinicSettings)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClinicianProfile)) == 0
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT id, name FROM person")).all() == [(pid, "Müller")]
        save_clinic("Praxis Süd", "")
        save_profile(uid, "Anna Berg", "")
        s = signature(db.session.get(User, uid))
        assert (s.clinician, s.title, s.clinic, s.address) == ("Anna Berg", "", "Praxis Süd", "")
        db.session.remove()
