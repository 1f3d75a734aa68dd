"""Clinician accounts; each person belongs to a clinician.

People already in the database get no owner here (there is no account yet): the first admin
account created (the first-run page or `rom users add`) receives them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch.create_index("ix_person_owner_id", ["owner_id"])
        batch.create_foreign_key("fk_person_owner_id_user_account", "user_account", ["owner_id"], ["id"])


def downgrade():
    with op.batch_alter_table("person") as batch:
        batch.drop_constraint("fk_person_owner_id_user_account", type_="foreignkey")
        batch.drop_index("ix_person_owner_id")
        batch.drop_column("owner_id")
    op.drop_table("user_account")
