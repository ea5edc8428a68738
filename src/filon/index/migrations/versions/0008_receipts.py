"""receipts: each ore lot's receipt and assays, from its latest passport version

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 05:00:00

A plant's receipt of an ore lot (passport schema 1.1: masses, moisture, sample, counter-sample and umpire
assays) is read from the document store outside the sync, like the registrar's records, and kept here so
that the assay red flags and the plant's dashboard do not read packages per page. The rows are derived from
the store, not from the chain: the table starts empty and the next resolve fills it; nothing else changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "receipts",
        sa.Column("lot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("wet_mass_mg", sa.BigInteger(), nullable=True),
        sa.Column("moisture_pct", sa.Float(), nullable=True),
        sa.Column("dry_mass_mg", sa.BigInteger(), nullable=True),
        sa.Column("sample_lab", sa.Text(), nullable=True),
        sa.Column("sample_g_t", sa.Float(), nullable=True),
        sa.Column("counter_lab", sa.Text(), nullable=True),
        sa.Column("counter_g_t", sa.Float(), nullable=True),
        sa.Column("umpire_lab", sa.Text(), nullable=True),
        sa.Column("umpire_g_t", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("lot_id", "version", "root", name=op.f("pk_receipts")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("receipts")
