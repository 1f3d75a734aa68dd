"""Several pain marks per recording (issue 11): the person may report pain more than once during
a straight leg raise, and the examiner may take a mark back. `pain_marks` holds every mark
(seconds from the start, in time order); `pain_s` stays, the first of them, so that what reads
it (older exports, the chart) goes on working. Existing marks are copied over; nothing is dropped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, never a batch (see 0004: SQLite's batch copy would cascade-delete rows).
    op.add_column("assessment", sa.Column("pain_marks", sa.JSON(), nullable=True))
    conn = op.get_bind()
    assessments = sa.table("assessment", sa.column("id", sa.Integer), sa.column("pain_s", sa.Float),
                           sa.column("pain_marks", sa.JSON))
    rows = conn.execute(sa.select(assessments.c.id, assessments.c.pain_s)
                        .where(assessments.c.pain_s.is_not(None))).all()
    for aid, pain_s in rows:
        conn.execute(sa.update(assessments).where(assessments.c.id == aid).values(pain_marks=[pain_s]))


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 or later); pain_s still holds the first mark.
    op.drop_column("assessment", "pain_marks")
