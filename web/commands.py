"""The web app's commands on Flask's CLI (`flask --app web ...`), beside `init-db` (`web.db`): the
clinicians' accounts.

    flask --app web users add NAME [--admin]   # the password is asked for, or read from ROM_PASSWORD
    flask --app web users list
    flask --app web users password NAME        # a new password; ends the account's sessions

The database is the app's (ROM_DATABASE_URL, else the SQLite file in the instance folder,
ROM_INSTANCE_PATH), brought up to date first. A refusal is one line on stderr and exit code 2, as
for `rom`'s commands; every change goes into the audit log ("command line").
"""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from web.db import prepare_database
from web.services import accounts, audit

users = AppGroup("users", help="The clinicians' accounts: add one, list them, set a password.")


class Refused(click.ClickException):
    """A command that cannot be done, with the reason (exit code 2)."""

    exit_code = 2


def _new_password() -> str:
    """ROM_PASSWORD (for scripts), else asked twice on the terminal."""
    if os.environ.get("ROM_PASSWORD") is not None:
        return os.environ["ROM_PASSWORD"]
    if not sys.stdin.isatty():
        raise Refused("no terminal to ask the password on: set ROM_PASSWORD")
    password = click.prompt("password", hide_input=True)
    if click.prompt("the password again", hide_input=True) != password:
        raise Refused("the two passwords differ")
    return password


@users.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="The account also manages accounts (the first one always does).")
def add_user(name: str, admin: bool) -> None:
    """Add an account (the password is asked for, or read from ROM_PASSWORD)."""
    prepare_database()
    password = _new_password()
    try:
        created = accounts.create_user(name, password, admin=admin)
    except accounts.AccountError as e:
        raise Refused(str(e)) from None
    u = created.user
    audit.record("add account (command line)" + (" (admin)" if u.is_admin else ""), u.name, commit=True)
    click.echo(f"added {u.name} ({'admin' if u.is_admin else 'clinician'}"
               + (", the first account is always an admin" if u.is_admin and not admin else "") + ")")
    if created.adopted_people:
        click.echo(f"the {created.adopted_people} people recorded before accounts existed are now {u.name}'s")


@users.command("list")
def list_users() -> None:
    """Show the accounts."""
    prepare_database()
    rows = accounts.list_users()
    if not rows:
        click.echo("no accounts yet (flask --app web users add NAME --admin, or open the web app)")
    for user, people in rows:
        click.echo(f"{user.name:<24} {'admin' if user.is_admin else 'clinician':<9} "
                   f"{'active' if user.active else 'deactivated':<11} {people:>5} people  "
                   f"created {user.created_at:%Y-%m-%d}")


@users.command("password")
@click.argument("name")
def set_password(name: str) -> None:
    """Set a new password for an account (ends its sessions)."""
    prepare_database()
    user = accounts.find(name)
    if user is None:
        raise Refused(f"there is no account named {name!r}")
    password = _new_password()
    try:
        accounts.set_password(user, password)
    except accounts.AccountError as e:
        raise Refused(str(e)) from None
    audit.record("set password (command line)", user.name, commit=True)
    click.echo(f"new password set for {user.name}; their sessions have ended")


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
