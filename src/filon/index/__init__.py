"""The index: a Filón deployment's events in SQLite or PostgreSQL, for lookups in one query and red flags.

::

    from filon.index import open_index, lot_flags

    index = open_index("deployment.json", rpc_url="http://127.0.0.1:8545")
    index.sync()                      # resumable; rewinds by itself after a reorg
    index.provenance(lot_id)          # the same records as Client.provenance, from one recursive query
    lot_flags(index, lot_id, store)   # what a buyer should look at twice

The database is `FILON_DATABASE_URL` when set (`postgresql://...` needs `pip install 'filon[postgres]'`),
else an SQLite file per deployment under `.filon/index/`. Its schema is migrated with Alembic when opened.
"""

from filon._extras import MissingExtra, missing_package

if missing := missing_package("index"):
    raise MissingExtra("filon.index", "index", missing)

from filon.index._ancestry import Ancestry, Transformation
from filon.index._attestations import AnchoredCredential, CredentialOnRecord
from filon.index._database import IndexBusy, IndexDatabaseError, IndexMismatch, default_database_url
from filon.index._facts import LotFacts
from filon.index._flags import (
    FlagRules,
    RedFlag,
    attestation_flags,
    credentials_about,
    document_flags,
    lot_flags,
    mine_flags,
    settled_flags,
)
from filon.index._index import Index, Position, open_index
from filon.index._lots import Birth, Story, Timed
from filon.index._search import SearchResults
from filon.index._sync import BackgroundSync, IndexReadOnly, SyncReport

__all__ = [
    "Ancestry",
    "AnchoredCredential",
    "BackgroundSync",
    "Birth",
    "CredentialOnRecord",
    "FlagRules",
    "Index",
    "IndexBusy",
    "IndexDatabaseError",
    "IndexMismatch",
    "IndexReadOnly",
    "LotFacts",
    "Position",
    "RedFlag",
    "SearchResults",
    "Story",
    "SyncReport",
    "Timed",
    "Transformation",
    "attestation_flags",
    "credentials_about",
    "default_database_url",
    "document_flags",
    "lot_flags",
    "mine_flags",
    "open_index",
    "settled_flags",
]
