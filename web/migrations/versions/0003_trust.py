"""Trust, second round (issue 13): a random token per assessment (its files are named by it,
and background work checks it, so a deleted record's frames or analysis never reach a record
that gets the same ID), account names compared case-blind in every language, failed logins kept
in the database (the lock-out survives a restart and holds across processes), and an audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


def upgrade():
    op.add_column("assessment", sa.Column("token", sa.String(length=32), nullable=True))
    op.add_column("user_account", sa.Column("name_key", sa.String(length=80), nullable=True))
    conn = op.get_bind()
    users = sa.table("user_account", sa.column("id", sa.Integer), sa.column("name", sa.String),
                     sa.column("name_key", sa.String))
    for uid, name in conn.execute(sa.select(users.c.id, users.c.name)).all():
        conn.execute(sa.update(users).where(users.c.id == uid).values(name_key=name_key(name)))
    op.create_index("ix_user_account_name_key", "user_account", ["name_key"], unique=True)
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_failure_name_key_at", "login_failure", ["name_key", "at"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])


def downgrade():
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index("ix_login_failure_name_key_at", table_name="login_failure")
    op.drop_table("login_failure")
    op.drop_index("ix_user_account_name_key", table_name="user_account")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("name_key")
    with op.batch_alter_table("assessment") as batch:
        batch.drop_column("token")
