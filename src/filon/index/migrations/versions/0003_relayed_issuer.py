"""lots.issuer: the declaring operator, also for a declaration a plant relayed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 20:30:00

The index stored as a lot's issuer the account it was minted to, which for a declaration the operator signed
offline and a plant submitted is the plant, not the operator; a lot's history now reads its issuer from that
column. The schema is unchanged, but an index filled under 0002 holds wrong issuers, and the index is
derived data: the upgrade empties it, so that the next sync reads everything again from the deployment
block.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table of rows read from the chain (sync_state stays: it names the deployment indexed).
_DERIVED = ("lot_parents", "lots", "transfers", "passports", "mine_events", "participants", "blocks")


def upgrade() -> None:
    """Upgrade schema."""
    for table in _DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("UPDATE sync_state SET last_block = deployment_block - 1"))


def downgrade() -> None:
    """Nothing to undo: the schema is unchanged, and the rows read again are right under 0002 too."""
