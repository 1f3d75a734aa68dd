"""Clinic settings (issue 11): the clinic's name and address, each clinician's display name and
title; migration 0006 on SQLite and PostgreSQL, the settings page, its checks and who may edit."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa
from conftest_web import CLINICIAN, add_person, add_user, login, user_id

from web.db import MIGRATIONS, db
from web.models import AuditEvent, User
from web.services import settings
from web.services.settings import ClinicianProfile, ClinicSettings, Signature, save_clinic, save_profile, signature


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_clinician_sets_their_own_name_and_title_and_an_admin_the_clinic(app):
    admin = login(app)
    add_user(app, "dr-b")
    b = login(app, "dr-b")
    page = b.get("/settings/").get_data(as_text=True)
    assert 'name="display_name"' in page and "No clinic set yet" in page and 'name="address"' not in page
    r = b.post("/settings/profile", data={"display_name": "  Dr Berit Lund ", "title": "Physiotherapist, MSc"})
    assert r.status_code == 302 and r.headers["Location"] == "/settings/"
    assert "reports name you Dr Berit Lund, Physiotherapist, MSc." in b.get("/settings/").get_data(as_text=True)
    # only an admin sets the clinic, and nothing is stored when refused
    r = b.post("/settings/clinic", data={"name": "B's clinic", "address": ""})
    assert r.status_code == 403 and "Only an admin" in r.get_data(as_text=True)
    r = admin.post("/settings/clinic", data={"name": "Praxis Nord", "address": "Hauptstraße 5, 20095 Hamburg"})
    assert r.status_code == 302
    assert "Praxis Nord, Hauptstraße 5, 20095 Hamburg" in b.get("/settings/").get_data(as_text=True)
    with app.app_context():
        b_user = db.session.get(User, user_id(app, "dr-b"))
        assert signature(b_user) == Signature("Dr Berit Lund", "Physiotherapist, MSc", "Praxis Nord",
                                              "Hauptstraße 5, 20095 Hamburg")
        # the admin has no display name yet: the account's name stands in
        assert signature(db.session.get(User, user_id(app))).clinician == CLINICIAN
        assert db.session.scalar(sa.select(AuditEvent.target).where(
            AuditEvent.action == "change clinic settings")) == "Praxis Nord"


@pytest.mark.parametrize(("path", "data", "reason"), [
    ("/settings/profile", {"display_name": "   ", "title": ""}, "The display name is required."),
    ("/settings/profile", {"display_name": "A" * 121, "title": ""},
     "The display name is longer than 120 characters (121)."),
    ("/settings/profile", {"display_name": "Dr A", "title": "Physio\nMSc"},
     "The title must be one line (no line breaks or tabs)."),
    ("/settings/clinic", {"name": "", "address": "Street 1"}, "The clinic name is required."),
    ("/settings/clinic", {"name": "Praxis", "address": "x" * 201},
     "The address line is longer than 200 characters (201)."),
])
@pytest.mark.slow
def test_refused_settings_answer_400_with_the_reason_and_keep_what_was_typed(app, path, data, reason):
    client = login(app)
    r = client.post(path, data=data)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and reason in page
    for typed in data.values():  # shown again, to be corrected
        if typed.strip() and "\n" not in typed:
            assert f'value="{typed}"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClinicSettings)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClinicianProfile)) == 0


@pytest.mark.slow
def test_settings_forms_need_their_csrf_token(app):
    client = login(app, csrf=False)
    for path, data in (("/settings/profile", {"display_name": "Dr A", "title": ""}),
                       ("/settings/clinic", {"name": "Praxis", "address": ""})):
        r = client.post(path, data=data)
        assert r.status_code == 400 and "security token is missing" in r.get_data(as_text=True)
    with app.app_context():
        assert settings.clinic() is None and settings.profile(user_id(app)) is None
    page = login(app).get("/settings/").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 3  # both forms and the log-out button
