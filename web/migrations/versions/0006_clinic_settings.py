"""Clinic settings (issue 11): the clinic's name and address line, and each clinician's display
name and title, which the printable visit report shows. Two new tables; nothing existing changes.

Revision ID: 0006_clinic_settings
Revises: 0005
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0006_clinic_settings"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "clinic_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "clinician_profile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade():
    # Plain DROP TABLE: no other table refers to these.
    op.drop_table("clinician_profile")
    op.drop_table("clinic_settings")
