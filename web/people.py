"""People: list and search, create, edit. A person's assessments are on their history page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from web.db import db
from web.models import Assessment, Person, people_query, text_key
from web.services import audit, live_registry, storage

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.route("/")
def index():
    q = request.args.get("q", "")
    people = db.session.scalars(people_query(q)).all()
    counts = dict(db.session.execute(select(Assessment.person_id, func.count(Assessment.id))
                                     .where(Assessment.person_id.in_([p.id for p in people]))
                                     .group_by(Assessment.person_id)).all())
    return render_template("people/index.html", people=people, counts=counts, q=q)


@bp.route("/new", methods=("GET", "POST"))
def create():
    person = Person(name="", notes="", owner_id=current_user.id)
    if request.method == "POST":
        refused = _fill(person, request.form)
        if refused is None:
            db.session.add(person)
            db.session.commit()
            flash(f"Added {person.name}.")
            return redirect(url_for("assessments.history", person_id=person.id))
        return render_template("people/form.html", person=person), refused
    return render_template("people/form.html", person=person)


@bp.route("/<int:person_id>/edit", methods=("GET", "POST"))
def edit(person_id: int):
    person = get_person(person_id)
    if request.method == "POST":
        refused = _fill(person, request.form)
        if refused is None:
            db.session.commit()
            flash("Saved.")
            return redirect(url_for("assessments.history", person_id=person.id))
        db.session.rollback()
        return render_template("people/form.html", person=person), refused
    return render_template("people/form.html", person=person)


@bp.route("/<int:person_id>/delete", methods=("POST",))
def delete(person_id: int):
    """Delete a person with their assessments and every file of them. A live recording of theirs
    is stopped and its frames discarded first; an upload still waiting or being analysed finds
    its record gone (by its token) and discards its work."""
    person = get_person(person_id)
    live_registry.stop_assessments([a.id for a in person.assessments], "this person was deleted")
    db.session.expire_all()  # what the stopped connections changed meanwhile
    person = get_person(person_id)
    for a in person.assessments:
        storage.delete_files(a)
    audit.record("delete person", f"person {person.id}")
    db.session.delete(person)
    db.session.commit()
    flash(f"Deleted {person.name} and their assessments.")
    return redirect(url_for("people.index"))


def get_person(person_id: int) -> Person:
    person = db.session.scalar(people_query().where(Person.id == person_id))
    if person is None:
        abort(404, f"Person {person_id} does not exist.")
    return person


def _fill(person: Person, form) -> int | None:
    """Copy the form into person; flash the problems and return the status to answer with when
    it is not valid (400; 409 when the clinician already has someone of that name or ID, compared
    case-blind: 'MÜLLER' and 'Müller' are one ID), else None."""
    name = form.get("name", "").strip()
    year_text = form.get("birth_year", "").strip()
    errors = []
    if not name:
        errors.append("A name or pseudonymous ID is required.")
    elif len(name) > 120:
        errors.append("The name is longer than 120 characters.")
    year = None
    if year_text:
        if not year_text.isdigit() or not 1900 <= int(year_text) <= date.today().year:
            errors.append(f"The birth year must be a year between 1900 and {date.today().year}.")
        else:
            year = int(year_text)
    duplicate = None
    if name and not errors:
        same = people_query(owner_id=person.owner_id).where(Person.name_key == text_key(name))
        if person.id is not None:
            same = same.where(Person.id != person.id)
        with db.session.no_autoflush:
            duplicate = db.session.scalar(same)
        if duplicate is not None:
            born = duplicate.birth_year or "unknown"
            errors.append(f"There is already a person named “{duplicate.name}” (born {born}, added "
                          f"{duplicate.created_at:%Y-%m-%d}): give each person their own name or ID, e.g. with a "
                          "number or the birth year.")
    person.name, person.birth_year, person.notes = name, year, form.get("notes", "").strip()
    for e in errors:
        flash(e, "error")
    if not errors:
        return None
    return 409 if duplicate is not None else 400
