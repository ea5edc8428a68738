"""lot_parents.position: a produced lot's parents in the order its event lists them

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 11:30:00

The index returned a lot's parents sorted by id, while the chain (and `Client`) gives them in the order of
the transformation's inputs. An index filled under 0001 lacks that order, and the index is derived data:
the upgrade empties it, so that the next sync reads everything again from the deployment block.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table of rows read from the chain (sync_state stays: it names the deployment indexed).
_DERIVED = ("lot_parents", "lots", "transfers", "passports", "mine_events", "participants", "blocks")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("lot_parents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))
    for table in _DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("UPDATE sync_state SET last_block = deployment_block - 1"))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("lot_parents", schema=None) as batch_op:
        batch_op.drop_column("position")
