"""records: who is who (participant record hashes, record contents, register snapshots)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 01:00:00

Explorer pages show names: the sync now keeps one row per `ParticipantRecordPublished` and
`RegisterSnapshotRecorded`, the transaction of each mine event (the status and permit changes of a register
import share the snapshot's transaction), and the contents of published records read from the document store
(with a normalised search column, for accent- and case-insensitive search with plain LIKE on every
database). An index filled before skipped those events, and the index is derived data: the upgrade empties
it, so that the next sync reads everything again from the deployment block.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
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
    "blocks",
)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "participant_records",
        sa.Column("block_number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("log_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("record_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("block_number", "log_index", name=op.f("pk_participant_records")),
    )
    with op.batch_alter_table("participant_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participant_records_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_participant_records_record_hash"), ["record_hash"], unique=False)
    op.create_table(
        "register_snapshots",
        sa.Column("block_number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("log_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("transaction_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("snapshot_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("snapshot_date", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("block_number", "log_index", name=op.f("pk_register_snapshots")),
    )
    with op.batch_alter_table("register_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_register_snapshots_transaction_hash"), ["transaction_hash"], unique=False
        )
    op.create_table(
        "record_contents",
        sa.Column("record_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("register_code", sa.Text(), nullable=True),
        sa.Column("search", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("record_hash", "kind", name=op.f("pk_record_contents")),
    )
    with op.batch_alter_table("record_contents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_contents_search"), ["search"], unique=False)
    with op.batch_alter_table("mine_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transaction_hash", sa.LargeBinary(length=32), nullable=True))
    for table in _DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("UPDATE sync_state SET last_block = deployment_block - 1"))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("mine_events", schema=None) as batch_op:
        batch_op.drop_column("transaction_hash")
    op.drop_table("record_contents")
    op.drop_table("register_snapshots")
    op.drop_table("participant_records")
