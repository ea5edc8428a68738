"""One function per page builds the page's data from the index and the document store.

The HTML page renders what the function returns and the JSON API returns it as is, so the two cannot
disagree. Every figure comes from the index (the contract's events) or from a passport package that checks
out against the root recorded on chain: nothing is shown that the chain does not back.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from filon._errors import FilonError
from filon._passports import DocumentMatch, versions_in
from filon._types import Consumed, Declared, Lot, LotId, Mine, MineId, PassportRecorded, Produced, Transferred
from filon.explorer._cache import Lru, store_mark
from filon.explorer._credentials import credentials_out
from filon.explorer._models import (
    CarbonOut,
    CustodyEntry,
    DocumentOut,
    FlagOut,
    FormName,
    FoundLot,
    HomeOut,
    LotOut,
    LotSummary,
    MineCarbon,
    MineOut,
    MineStatusName,
    MineSummary,
    PassportVersionOut,
    ProvenanceOut,
    SearchOut,
    StatusOut,
    VerifyOut,
)
from filon.explorer._names import mine_names, named_lot, parties_out
from filon.explorer._views_contributions import lot_contributions
from filon.explorer._views_passports import public_layers
from filon.index import (
    Ancestry,
    Birth,
    CredentialOnRecord,
    FlagRules,
    Index,
    IndexDatabaseError,
    LotFacts,
    Position,
    RedFlag,
    Timed,
    attestation_flags,
    credentials_about,
    document_flags,
    mine_flags,
    settled_flags,
)
from filon.index._assay_flags import assay_flags, mine_assay_flags
from filon.index._carbon import Emissions
from filon.index._flags import Citations, Cited
from filon.index._risk import burst_flags, projection_flags
from filon.passport import DocumentStore

logger = logging.getLogger("filon.explorer")

MINE_LOTS_LIMIT = 200
"""The mine page lists this many of the mine's newest lots."""

VERIFY_MAX_LOTS = 200
"""A document check searches the passports of the lot and of at most this many lots in all, nearest first:
enough for any real ancestry, and a bound on the work one upload can cause."""

FILENAME_LIMIT = 255


PAGES_CACHED = 20_000
"""Lot pages each worker keeps (a few kB each) while the index and store stand still."""
BODIES_CACHED = 1_000
"""Lot pages as served each worker keeps: fewer, a rendered page weighs several times its data."""
MAX_BODY_CACHED = 128 * 1024
"""A larger page (a vast ancestry's graph) is rendered again each time rather than kept, so that what the
kept bodies weigh is bounded by design (`BODIES_CACHED` of them: 128 MiB at most, a few MiB in practice)."""

Mark = tuple[Position, int | None]
"""Where the index stood (`Index.position`, which moves too when contents are resolved from the store after a
sync) and the document store's mark (`store_mark`)."""


@dataclass(frozen=True)
class Explorer:
    """What every page reads: the index, the document store, the red-flag thresholds.

    Attributes:
        index: The index of the deployment.
        store: The document store holding the passports' packages and documents.
        rules: The red-flag thresholds.
        emissions: What published passports report, by (root, URI), read once (see `_cache`).
        pages: Lot pages' data, by lot and address, with the marks of the index and store they were read at
            (see `_cache`).
        mines: Mines as read at an index position (see `_cache`).
        citations: The documents each published passport cites, by (root, URI) (see `_cache`).
        bodies: Lot pages as served (JSON, HTML), by kind, lot and address, with their marks (see `_cache`).
    """

    index: Index
    store: DocumentStore
    rules: FlagRules
    emissions: Emissions = field(default_factory=lambda: Lru[tuple[bytes, str], float | None](100_000))
    pages: Lru[tuple[int, str], tuple[Mark, LotOut]] = field(default_factory=lambda: Lru(PAGES_CACHED))
    mines: Lru[int, tuple[Position, Mine]] = field(default_factory=lambda: Lru(10_000))
    citations: Citations = field(default_factory=lambda: Lru[tuple[bytes, str], tuple[Cited, ...]](100_000))
    bodies: Lru[tuple[str, int, str], tuple[Mark, bytes]] = field(default_factory=lambda: Lru(BODIES_CACHED))


@dataclass(frozen=True)
class Links:
    """The absolute addresses of a lot's page and QR codes (from the configured public URL or the request)."""

    url: str
    qr: str
    qr_png: str


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _form(lot: Lot | Birth) -> FormName:
    name: FormName = lot.form.name.lower()  # type: ignore[assignment]  # Form's names are FormName's values
    return name


def _status(mine: Mine) -> MineStatusName:
    name: MineStatusName = mine.status.name.lower()  # type: ignore[assignment]  # the same for MineStatus
    return name


def _flags(flags: Iterable[RedFlag]) -> list[FlagOut]:
    return [
        FlagOut(
            code=flag.code,
            message=flag.message,
            oecd_category=flag.oecd_category.value,
            lbma_step=flag.lbma_step,
        )
        for flag in flags
    ]


def _permit_expired(mine: Mine, now: int) -> bool:
    # The contract accepts a declaration up to and including the expiry second; "now" is the last indexed
    # block, so a stale index never calls a permit expired before the chain does.
    return now > 0 and now > mine.permit_expiry


def mine_summary(mine: Mine, now: int) -> MineSummary:
    """A mine as lists show it, its permit judged against `now` (the last indexed block's time)."""
    return MineSummary(
        id=mine.id,
        operator=mine.operator,
        country=mine.country,
        status=_status(mine),
        permit_expiry=mine.permit_expiry,
        permit_expired=_permit_expired(mine, now),
        capacity_mg=mine.capacity_mg,
        declared_this_year_mg=mine.declared_this_year_mg,
        **mine_names(mine),
    )


def lot_summary(lot: Lot) -> LotSummary:
    """A lot as lists show it."""
    return LotSummary(
        id=lot.id,
        form=_form(lot),
        fine_gold_mg=lot.fine_gold_mg,
        gross_mass_mg=lot.gross_mass_mg,
        mine_id=lot.mine_id,
        consumed=lot.consumed,
        holder=lot.holder,
        external_ref=lot.external_ref,
    )


# ---------------------------------------------------------------------------------------------- home


def status(explorer: Explorer, mines: Sequence[Mine] | None = None) -> StatusOut:
    """The index's status: the deployment, the last block read, the counts."""
    index = explorer.index
    deployment = index.deployment
    head = index.head_time()
    return StatusOut(
        chain_id=deployment.chain_id,
        contract=deployment.address,
        deployment_block=deployment.deployment_block,
        last_block=index.last_block,
        last_block_time=head or None,
        lots=index.lot_count(),
        mines=len(mines if mines is not None else index.mines()),
    )


def home(explorer: Explorer) -> HomeOut:
    """The home page: the status and every mine."""
    mines = explorer.index.mines()
    now = explorer.index.head_time()
    return HomeOut(status=status(explorer, mines), mines=[mine_summary(m, now) for m in mines])


_CONTROLS = dict.fromkeys([*range(32), 127], " ")


def search(explorer: Explorer, query: str) -> SearchOut:
    """Lots and mines matching a lot id, an external reference, a mine ("mine 3") or an address."""
    # Control characters mean nothing in a lot id or a reference, and PostgreSQL refuses NUL in a query
    # parameter outright: as spaces they are harmless (a pasted tab or newline still finds its lot).
    found = explorer.index.search(query.translate(_CONTROLS))
    now = explorer.index.head_time()
    return SearchOut(
        query=found.query,
        lots=[
            FoundLot(
                **lot_summary(lot).model_dump(), issuer=found.issuers[lot.id], found_by=found.found_by[lot.id]
            )
            for lot in found.lots
        ],
        mines=[mine_summary(mine, now) for mine in found.mines],
        participants=parties_out(found.participants),
    )


# ---------------------------------------------------------------------------------------------- lots


CustodyEvent = Literal["declared", "produced", "transferred", "consumed"]


def _entry(
    kind: CustodyEvent, timed: Timed, sender: str | None, receiver: str | None, outputs: Iterable[int] = ()
) -> CustodyEntry:
    event = timed.event
    return CustodyEntry(
        event=kind,
        from_address=sender,
        to_address=receiver,
        outputs=[int(o) for o in outputs],
        block_number=event.block_number,
        log_index=event.log_index,
        transaction_hash=event.transaction_hash,
        timestamp=timed.timestamp,
    )


def _version(version: int, root: bytes, uri: str, timed: Timed) -> PassportVersionOut:
    return PassportVersionOut(
        version=version,
        root=_hex(root),
        uri=uri,
        block_number=timed.event.block_number,
        transaction_hash=timed.event.transaction_hash,
        timestamp=timed.timestamp,
    )


def _custody(timeline: Sequence[Timed]) -> tuple[list[CustodyEntry], list[PassportVersionOut]]:
    """A lot's changes of hands and its passport versions, from its history in chain order."""
    custody: list[CustodyEntry] = []
    versions: list[PassportVersionOut] = []
    for timed in timeline:
        event = timed.event
        if isinstance(event, Declared):
            custody.append(_entry("declared", timed, None, event.holder))
            versions.append(_version(1, event.passport_root, event.passport_uri, timed))
        elif isinstance(event, Produced):
            custody.append(_entry("produced", timed, None, event.holder))
            versions.append(_version(1, event.passport_root, event.passport_uri, timed))
        elif isinstance(event, PassportRecorded):
            versions.append(_version(event.version, event.passport_root, event.passport_uri, timed))
        elif isinstance(event, Transferred):
            custody.append(_entry("transferred", timed, event.from_address, event.to_address))
        elif isinstance(event, Consumed):
            custody.append(_entry("consumed", timed, event.holder, None, event.outputs))
    return custody, versions


MAX_PROVENANCE_LOTS = 200
"""A lot page lists at most this many lots of the ancestry, nearest first (the same as it draws)."""

MAX_WALK = 2_000
"""A lot page walks at most this many transformations and ore lots of the ancestry: its bound on work. An
ancestry beyond it is listed in part, and its carbon is not rolled up on the page."""


def _carbon(explorer: Explorer, this: Lot, ancestry: Ancestry) -> tuple[CarbonOut | None, str | None]:
    if not ancestry.complete:
        return None, (
            f"This lot's ancestry holds more than {MAX_WALK:,} transformations and ore lots: too many to "
            "roll its carbon up on a page (filon.Client.carbon or Index.carbon computes it)."
        )
    try:
        footprint = explorer.index.carbon_over(this, ancestry, explorer.store, explorer.emissions)
    except IndexDatabaseError:
        raise
    except FilonError as exc:  # a package that fails its checks, an ancestry the roll-up refuses
        return None, f"The carbon footprint cannot be computed: {exc}"
    if len(footprint.unreported_lots) == len(ancestry.representative):
        return None, (
            "No passport of this lot's ancestry reports its emissions, or the document store does not hold "
            "the passports."
        )
    note = None
    if footprint.unreported_lots:
        missing = ", ".join(str(lot) for lot in footprint.unreported_lots)
        note = f"A lower bound: lots {missing} report no emissions (or their passports are not in the store)."
    carbon = CarbonOut(
        total_kg_co2e=footprint.total_kg_co2e,
        by_mine=[MineCarbon(mine_id=mine, kg_co2e=kg) for mine, kg in footprint.by_mine.items()],
        transformations_kg_co2e=footprint.transformations_kg_co2e,
        own_kg_co2e=footprint.own_kg_co2e,
        unreported_lots=list(footprint.unreported_lots),
    )
    return carbon, note


def _lot_flags(
    explorer: Explorer,
    this: Lot,
    facts: LotFacts,
    mines: Mapping[MineId, Mine],
    timeline: Sequence[Timed],
    now: int,
    credentials: Sequence[CredentialOnRecord],
    ancestry: Ancestry,
) -> tuple[list[FlagOut], str | None]:
    index = explorer.index
    try:
        last = max((entry.timestamp for entry in timeline), default=None)
        flags = settled_flags(index, this, facts, mines, explorer.rules, last_activity=last, now=now)
        flags += assay_flags(index, this.id, explorer.rules, ancestry.representative)  # walked, bounded
        flags += attestation_flags(credentials)
        recorded = versions_in(this.id, [entry.event for entry in timeline])
        missing = document_flags(this.id, recorded, explorer.store, explorer.citations)
        return _flags([*flags, *missing]), None
    except IndexDatabaseError:
        raise
    except FilonError as exc:  # e.g. a passport URI that is no valid CID: the page must still show the lot
        logger.warning("Red flags of lot %s cannot be computed: %s", this.id, exc)
        return [], f"The red flags cannot all be computed: {exc}"


def _provenance(this: Lot, ancestry: Ancestry) -> ProvenanceOut:
    """The lots of the ancestry a page lists: all of them, or the nearest `MAX_PROVENANCE_LOTS`."""
    listed = ancestry.nearest(MAX_PROVENANCE_LOTS)
    complete = ancestry.complete and len(listed) == len(ancestry.representative)
    shown = set(listed)
    summaries = (
        [lot_summary(this)]
        + [
            LotSummary(
                id=birth.id,
                form=_form(birth),
                fine_gold_mg=birth.fine_gold_mg,
                gross_mass_mg=birth.gross_mass_mg,
                mine_id=birth.mine_id,
                consumed=True,  # every ancestor is an input of a transformation: burned for good
                holder=None,
                external_ref=birth.external_ref,
            )
            for birth in (ancestry.births[i] for i in listed[1:])
        ]
    )
    edges = sorted(
        (parent, child) for child in shown for parent in ancestry.parents(child) if parent in shown
    )
    return ProvenanceOut(
        lots=sorted(summaries, key=lambda summary: summary.id),
        edges=edges,
        complete=complete,
        ancestry_lots=len(ancestry.representative) if ancestry.complete else None,
    )


def lot(explorer: Explorer, lot_id: int, links: Links) -> LotOut:
    """The lot page: the lot, its provenance and mines, custody, passports, carbon and red flags.

    Its work is bounded whatever the ancestry: what the lot's birth settled is read from the facts the
    sync stored, the ancestry is walked by transformation up to `MAX_WALK`, and `MAX_PROVENANCE_LOTS` of
    its lots are listed. Read again only when the index or the document store changed (`_cache`).

    Raises:
        UnknownLot: The index has no such lot.
    """
    return _page(explorer, lot_id, links, _mark(explorer))


def lot_body(
    explorer: Explorer, lot_id: int, links: Links, kind: str, render: Callable[[LotOut], bytes]
) -> bytes:
    """The lot page as `render` turns it into bytes (its JSON, or its HTML under one root path: `kind` names
    which), kept like the page's data while its marks are unchanged: a lot many buyers look at costs the
    position query and no serializing or templating (`_cache`).

    Raises:
        UnknownLot: The index has no such lot.
    """
    mark = _mark(explorer)
    key = (kind, lot_id, links.url)
    cached = explorer.bodies.get(key)
    if cached is not None and cached[0] == mark:
        return cached[1]
    body = render(_page(explorer, lot_id, links, mark))
    if mark[1] is not None and len(body) <= MAX_BODY_CACHED:
        explorer.bodies[key] = (mark, body)
    return body


def _mark(explorer: Explorer) -> Mark:
    return explorer.index.position(), store_mark(explorer.store)


def _page(explorer: Explorer, lot_id: int, links: Links, mark: Mark) -> LotOut:
    key = (lot_id, links.url)
    cached = explorer.pages.get(key)
    if cached is not None and cached[0] == mark:
        return cached[1]
    page = named_lot(explorer.index, _lot(explorer, lot_id, links, mark[0]))
    if mark[1] is not None:
        explorer.pages[key] = (mark, page)
    return page


def _mines_at(explorer: Explorer, mine_ids: Iterable[int], position: Position) -> dict[MineId, Mine]:
    """Mines as they stand at `position`, read once per position (their status, capacity and this year's
    declarations change only with new events)."""
    found: dict[MineId, Mine] = {}
    missing = []
    for mine_id in mine_ids:
        cached = explorer.mines.get(mine_id)
        if cached is not None and cached[0] == position:
            found[MineId(mine_id)] = cached[1]
        else:
            missing.append(mine_id)
    if missing:
        for mine_id, mine in explorer.index.mines_of(missing, now=position.time).items():
            explorer.mines[mine_id] = (position, mine)
            found[mine_id] = mine
    return found


def _lot(explorer: Explorer, lot_id: int, links: Links, position: Position) -> LotOut:
    index = explorer.index
    story = index.story(LotId(lot_id))
    this = story.lot
    facts = index.facts(this.id)
    ancestry = index.ancestry(this.id, limit=MAX_WALK, facts=facts)
    now = position.time
    mines = _mines_at(explorer, facts.origins, position)
    custody, versions = _custody(story.timeline)
    carbon, carbon_note = _carbon(explorer, this, ancestry)
    # about the lot, the ancestors the page walked and the mines of its gold
    credentials = credentials_about(index, ancestry.representative, facts.origins, explorer.store, now)
    flags, flags_note = _lot_flags(explorer, this, facts, mines, story.timeline, now, credentials, ancestry)
    return LotOut(
        id=this.id,
        holder=this.holder,
        form=_form(this),
        fine_gold_mg=this.fine_gold_mg,
        gross_mass_mg=this.gross_mass_mg,
        consumed=this.consumed,
        external_ref=this.external_ref,
        serial=this.serial,
        refiner=this.refiner,
        mine_id=this.mine_id,
        parents=[int(p) for p in this.parents],
        children=[int(c) for c in story.children],
        mines=[mine_summary(mine, now) for _, mine in sorted(mines.items())],
        passport_versions=public_layers(explorer.store, this.id, versions),
        custody=custody,
        provenance=_provenance(this, ancestry),
        carbon_kg_co2e=carbon.total_kg_co2e if carbon is not None else None,
        carbon=carbon,
        carbon_note=carbon_note,
        flags=flags,
        flags_note=flags_note,
        **lot_contributions(index, this, facts, ancestry),
        credentials=credentials_out(credentials),
        url=links.url,
        qr=links.qr,
        qr_png=links.qr_png,
    )


def verify(explorer: Explorer, lot_id: int, data: bytes, filename: str | None) -> VerifyOut:
    """Whether a published passport of the lot, or else of its nearest ancestors, cites the document.

    A buyer holding a bar may hold the mine's permit as well as the bar's assay: both are evidence of the
    bar's provenance, so the ancestry is searched too, and the answer names the lot that cites it.

    Raises:
        UnknownLot: The index has no such lot.
    """
    index = explorer.index
    ancestry = index.ancestry(LotId(lot_id), limit=VERIFY_MAX_LOTS)
    candidates = [LotId(candidate) for candidate in ancestry.nearest(VERIFY_MAX_LOTS)]
    unreadable: list[int] = []
    match: DocumentMatch | None = None
    checked = 0
    for candidate in candidates:
        checked += 1
        try:
            match = index.verify_document(candidate, data, explorer.store)
        except IndexDatabaseError:
            raise
        except FilonError as exc:  # a package that fails its checks cites nothing we can trust
            logger.warning("Passports of lot %s cannot be checked: %s", candidate, exc)
            unreadable.append(int(candidate))
            continue
        if match is not None:
            break
    document = None
    if match is not None:
        cited = match.document
        document = DocumentOut(
            type=cited.type.value,
            issuer=cited.issuer,
            date=cited.date.isoformat(),
            sha256=cited.sha256,
            uri=cited.uri,
            name=cited.name,
        )
    return VerifyOut(
        lot_id=ancestry.lot_id,
        match=match is not None,
        cited_by=match.lot_id if match is not None else None,
        version=match.version if match is not None else None,
        field=match.field if match is not None else None,
        index=match.index if match is not None else None,
        document=document,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        filename=filename[:FILENAME_LIMIT] if filename else None,
        checked_lots=checked,
        unreadable_lots=unreadable,
    )


# ---------------------------------------------------------------------------------------------- mines


def mine(explorer: Explorer, mine_id: int) -> MineOut:
    """The mine page: permit, capacity used this year, flags (its record's, its pace's and its receipts'), and
    the lots it declared.

    Raises:
        UnknownMine: The index has no such mine.
    """
    index = explorer.index
    record = index.mine(MineId(mine_id))
    now = index.head_time()
    lots = index.lots_of_mine(record.id, limit=MINE_LOTS_LIMIT + 1)
    used = 100 * record.declared_this_year_mg / record.capacity_mg if record.capacity_mg else None
    credentials = credentials_about(index, (), [record.id], explorer.store, now)
    return MineOut(
        id=record.id,
        operator=record.operator,
        country=record.country,
        status=_status(record),
        permit_expiry=record.permit_expiry,
        permit_expired=_permit_expired(record, now),
        capacity_mg=record.capacity_mg,
        declared_this_year_mg=record.declared_this_year_mg,
        year=record.year,
        capacity_used_percent=used,
        remaining_mg=record.remaining_mg,
        permit_hash=_hex(record.permit_hash),
        location_hash=_hex(record.location_hash),
        passport_hash=_hex(record.passport_hash),
        flags=_flags(
            [
                *mine_flags(record, explorer.rules),
                *projection_flags(record, now, explorer.rules),
                *burst_flags(index, record.id, now, explorer.rules),
                *mine_assay_flags(index, record.id, explorer.rules),
                *attestation_flags(credentials),
            ]
        ),
        credentials=credentials_out(credentials),
        lots=[lot_summary(declared) for declared in lots[:MINE_LOTS_LIMIT]],
        lots_truncated=len(lots) > MINE_LOTS_LIMIT,
    )
