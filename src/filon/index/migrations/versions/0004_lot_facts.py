"""lot_facts and lot_origins: what a lot's birth settles, derived once by the sync

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00

A lot page once walked the whole provenance, edge by edge and query by query, for its red flags and carbon:
minutes for a "family tree" of a thousand lots. The sync now stores with each lot what its birth settles
for good (the transformation that made it and its loss, the extremes of the losses below it, whether an ore
lot below it was declared after its permit expired, the mines of its gold). An index filled before has no
such rows, and the index is derived data: the upgrade empties it, so that the next sync reads everything
again from the deployment block and derives them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table of rows read from the chain (sync_state stays: it names the deployment indexed).
_DERIVED = ("lot_parents", "lots", "transfers", "passports", "mine_events", "participants", "blocks")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "lot_facts",
        sa.Column("lot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("produced_by", sa.BigInteger(), nullable=True),
        sa.Column("fine_in_mg", sa.BigInteger(), nullable=True),
        sa.Column("fine_out_mg", sa.BigInteger(), nullable=True),
        sa.Column("loss", sa.Float(), nullable=True),
        sa.Column("lowest_loss", sa.Float(), nullable=True),
        sa.Column("highest_loss", sa.Float(), nullable=True),
        sa.Column("declared_late", sa.Boolean(), nullable=False),
        sa.Column("late_below", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("lot_id", name=op.f("pk_lot_facts")),
    )
    with op.batch_alter_table("lot_facts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_facts_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_lot_facts_produced_by"), ["produced_by"], unique=False)
    op.create_table(
        "lot_origins",
        sa.Column("lot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("mine_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("lot_id", "mine_id", name=op.f("pk_lot_origins")),
    )
    with op.batch_alter_table("lot_origins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_origins_block_number"), ["block_number"], unique=False)
    for table in _DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("UPDATE sync_state SET last_block = deployment_block - 1"))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("lot_origins")
    op.drop_table("lot_facts")
