"""generation and resolved: a random mark of the index's branch, new at every rewind, and a count of the
contents resolved from the store after a sync

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 05:00:00

A consumed lot never changes on chain, so a process reading the index keeps the consumed lots it read in
memory (`filon.index._consumed`). Only a rewind after a reorg changes them: `sync_state.generation` is
replaced in the same transaction, and a process drops what it keeps when it reads another generation. A later
migration that empties the index must write a new generation too.

Records and receipts are resolved from the document store after a sync, without a new block:
`sync_state.resolved` counts each time some are kept, and `Index.position` carries it, so that the explorer's
pages, kept while the position is unchanged, show them at once.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("generation", sa.String(32), nullable=False, server_default="0"))
        batch.add_column(sa.Column("resolved", sa.BigInteger(), nullable=False, server_default="0"))
    update = sa.text("UPDATE sync_state SET generation = :generation")
    op.execute(update.bindparams(generation=secrets.token_hex(16)))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("resolved")
        batch.drop_column("generation")
