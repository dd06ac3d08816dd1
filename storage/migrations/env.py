"""Alembic environment: runs on the connection :mod:`storage.migrate` hands over."""

from __future__ import annotations

from alembic import context

from storage.models import Base
from storage.slack_tables import slack_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `python app.py migrate`, which supplies the connection.")

context.configure(connection=connection, target_metadata=[Base.metadata, slack_metadata()], render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
