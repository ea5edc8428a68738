"""attestations: the credentials auditors and laboratories anchor about lots and mines, and revoke

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 00:00:00

Explorer pages list the conformity credentials about a lot, its ancestors and their mines with their
status, and serve each attester's status list: the sync now keeps one row per `AttestationAnchored` and
`AttestationRevoked`. An index filled before skipped those events, and the index is derived data: the
upgrade empties it, so that the next sync reads everything again from the deployment block.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
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
    "blocks",
)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "attestations",
        sa.Column("block_number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("log_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("transaction_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("credential_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("attester", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_kind", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("block_number", "log_index", name=op.f("pk_attestations")),
    )
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attestations_attester"), ["attester"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_attestations_credential_hash"), ["credential_hash"], unique=False
        )
        batch_op.create_index("ix_attestations_subject", ["subject_kind", "subject_id"], unique=False)
    for table in _DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("UPDATE sync_state SET last_block = deployment_block - 1"))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("attestations")
