"""serials: the serial numbers refiners give their bars

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 02:00:00

A refined lot may carry its refiner's serial number (`SerialAssigned`), which lot pages show and search
finds: the sync now keeps one row per serial, tagged with its block like every row, so that a rewind after a
reorg takes it back. An index filled before skipped those events, and the index is derived data: the
upgrade empties it, so that the next sync reads everything again from the deployment block.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table of rows read from the chain (sync_state stays: it names the deployment indexed).
_DERIVED = (
    "lot_parents",
    "lots",
    "transfers",
    "passports",
    "mine_events",
    "participants",
    "lot_facts",
    "lot_origins",
    "attestations",
    "participant_records",
    "register_snapshots",
    "blocks",
)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "serials",
        sa.Column("lot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("transaction_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("refiner", sa.String(length=42), nullable=False),
        sa.Column("serial", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("lot_id", name=op.f("pk_serials")),
    )
    with op.batch_alter_table("serials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_serials_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_serials_serial"), ["serial"], unique=False)
    for table in _DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("UPDATE sync_state SET last_block = deployment_block - 1"))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("serials")
