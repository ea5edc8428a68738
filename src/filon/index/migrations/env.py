"""Alembic's entry point for the index's schema: run by `filon.index` itself on the connection it opened.

`Index.open` calls `alembic.command.upgrade(config, "head")` with the live connection in
`config.attributes["connection"]`; developers create a new revision with
`alembic -c src/filon/index/migrations/alembic.ini revision --autogenerate -m "..."`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from filon.index._models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "alembic.ini or -x needs sqlalchemy.url"
    with create_engine(url).connect() as own:
        context.configure(connection=own, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
