"""Alembic environment for the rom web app: the app's engine and models' metadata.

Unlike Flask-Migrate's template, logging is not configured here: migrations run inside
`rom serve` and the tests, whose logging is theirs.
"""

from alembic import context
from flask import current_app

import web.models  # noqa: F401  (registers the tables on the metadata)
import web.services.settings  # noqa: F401  (the clinic settings' tables)
import web.services.trials  # noqa: F401  (the trial exclusions' table)

config = context.config
migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
metadata = migrate_ext.db.metadata


def run_migrations_offline() -> None:
    context.configure(url=engine.url, target_metadata=metadata, literal_binds=True,
                      **migrate_ext.configure_args)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty(_context, _revision, directives):
        # `flask db migrate` with no model change writes no empty revision
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    args = {"process_revision_directives": skip_empty, **migrate_ext.configure_args}
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, **args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
