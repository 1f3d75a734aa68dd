"""People, assessments and their recorded frames.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_name", "person", ["name"])
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("test", sa.String(length=10), nullable=False),
        sa.Column("side", sa.String(length=5), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_frame_at", sa.DateTime(), nullable=True),
        sa.Column("n_frames", sa.Integer(), nullable=False),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("image_width", sa.Integer(), nullable=True),
        sa.Column("image_height", sa.Integer(), nullable=True),
        sa.Column("pain_s", sa.Float(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("key_frame", sa.LargeBinary(), nullable=True),
        sa.Column("keep_video", sa.Boolean(), nullable=False),
        sa.Column("video_path", sa.String(length=500), nullable=True),
        sa.Column("video_name", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assessment_person_id", "assessment", ["person_id"])
    op.create_index("ix_assessment_status", "assessment", ["status"])
    op.create_index("ix_assessment_created_at", "assessment", ["created_at"])
    op.create_table(
        "frame_sample",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("t_s", sa.Float(), nullable=False),
        sa.Column("relock", sa.Boolean(), nullable=False),
        sa.Column("landmarks", sa.LargeBinary(), nullable=True),
        sa.Column("live", sa.JSON(), nullable=True),
        sa.Column("angles", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assessment_id", "frame"),
    )


def downgrade():
    op.drop_table("frame_sample")
    op.drop_index("ix_assessment_created_at", table_name="assessment")
    op.drop_index("ix_assessment_status", table_name="assessment")
    op.drop_index("ix_assessment_person_id", table_name="assessment")
    op.drop_table("assessment")
    op.drop_index("ix_person_name", table_name="person")
    op.drop_table("person")
