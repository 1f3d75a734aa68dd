"""The clinic's use (issue 11): a notes field per assessment, and each person's name (and name
with notes) stored case-blind in every language (Unicode NFKC, casefolded), so that "MÜLLER"
finds "Müller" on SQLite as on PostgreSQL and a duplicate ID is recognised whatever its case.
Existing people get their keys here; nothing stored is changed or dropped.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def text_key(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


def upgrade():
    # Plain ALTER TABLE, never a batch (SQLite's batch copies and drops the table, and dropping a
    # person or assessment table cascades to the rows that refer to it).
    op.add_column("assessment", sa.Column("notes", sa.Text(), nullable=True))
    op.add_column("person", sa.Column("name_key", sa.String(length=120), nullable=True))
    op.add_column("person", sa.Column("search_key", sa.Text(), nullable=True))
    conn = op.get_bind()
    people = sa.table("person", sa.column("id", sa.Integer), sa.column("name", sa.String),
                      sa.column("notes", sa.Text), sa.column("name_key", sa.String),
                      sa.column("search_key", sa.Text))
    for pid, name, notes in conn.execute(sa.select(people.c.id, people.c.name, people.c.notes)).all():
        conn.execute(sa.update(people).where(people.c.id == pid).values(
            name_key=text_key(name), search_key=text_key(name) + "\n" + text_key(notes)))
    op.create_index("ix_person_name_key", "person", ["name_key"])


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 or later): see upgrade() for why not a batch.
    op.drop_index("ix_person_name_key", table_name="person")
    op.drop_column("person", "search_key")
    op.drop_column("person", "name_key")
    op.drop_column("assessment", "notes")
