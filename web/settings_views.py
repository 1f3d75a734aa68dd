"""The settings page: the clinic's name and address line (admins) and one's own name and title
as reports print them (every clinician, for themselves only). The values are in `web.services.settings`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from web.services import audit, settings

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.route("/")
def index():
    return _page()


@bp.route("/profile", methods=("POST",))
def profile():
    """One's own display name and title; nobody sets another clinician's."""
    try:
        row = settings.save_profile(current_user.id, request.form.get("display_name", ""),
                                    request.form.get("title", ""))
    except settings.SettingsError as e:
        flash(str(e), "error")
        return _page(form="profile"), 400
    flash(f"Saved: reports name you {row.display_name}" + (f", {row.title}." if row.title else "."))
    return redirect(url_for("settings.index"))


@bp.route("/clinic", methods=("POST",))
def clinic():
    """The clinic's name and address line: the same on every clinician's reports, so admins only."""
    if not current_user.is_admin:
        abort(403, "Only an admin can change the clinic's name and address.")
    try:
        row = settings.save_clinic(request.form.get("name", ""), request.form.get("address", ""))
    except settings.SettingsError as e:
        flash(str(e), "error")
        return _page(form="clinic"), 400
    audit.record("change clinic settings", row.name, commit=True)
    flash("Saved the clinic's name and address.")
    return redirect(url_for("settings.index"))


def _page(form: str | None = None):
    """The page; `form` names the form whose refused values are shown again."""
    return render_template("settings/index.html", clinic=settings.clinic(), profile=settings.profile(current_user.id),
                           refused=form, limits={"clinic": settings.CLINIC_NAME_MAX, "address": settings.ADDRESS_MAX,
                                                 "name": settings.DISPLAY_NAME_MAX, "title": settings.TITLE_MAX})
