"""Trial exclusions (issue 11): an SLR recording holds several raises (trials); the clinician may
leave one out of the mean, with the reason. One new table; nothing existing changes.

Revision ID: 0007_trial_exclusions
Revises: 0006_clinic_settings
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0007_trial_exclusions"
down_revision = "0006_clinic_settings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trial_exclusion",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("trial", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("excluded_by", sa.String(length=80), nullable=True),
        sa.Column("excluded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assessment_id", "trial"),
    )


def downgrade():
    # Plain DROP TABLE: no other table refers to this one.
    op.drop_table("trial_exclusion")
