"""Red flags: what a buyer should look at twice, each explained in one sentence.

The contract stops what it can (an unpermitted mine, a declaration over capacity, gold created in a
transformation); these flags point at what is legal on chain but worth a question, or at what changed after
the fact (a mine suspended since, a capacity lowered since). They read only the index (and, for documents,
the document store): what they say, the chain backs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field

from filon._errors import FilonError, InvalidInput
from filon._passports import PassportVersion, published_package, versions
from filon._types import Lot, LotId, Mine, MineId, MineStatus, SubjectKind
from filon.index._ancestry import Transformation
from filon.index._attestations import CredentialOnRecord, on_record
from filon.index._facts import LotFacts
from filon.index._index import Index
from filon.index._standards import LbmaStep, OecdCategory, standard_of
from filon.passport._disclosure import Disclosure
from filon.passport._revocation import CredentialStatus
from filon.passport._store import DocumentStore, InvalidCid, cid_for_sha256

DAY = 86_400
URI_SCHEME = "ipfs://"


@dataclass(frozen=True)
class RedFlag:
    """One reason for a closer look, with what the standards make of it (`filon.index._standards`).

    Attributes:
        code: A stable identifier (e.g. `MINE_NEAR_CAPACITY`), for programs.
        message: One sentence for people, naming the lot or mine and the figures.
        oecd_category: Its OECD Annex II risk category (from `code`).
        lbma_step: The LBMA Responsible Gold Guidance step-3 response it calls for (from `code`).
    """

    code: str
    message: str
    oecd_category: OecdCategory = field(init=False)
    lbma_step: LbmaStep = field(init=False)

    def __post_init__(self) -> None:
        standard = standard_of(self.code)
        # Frozen: the two are set once, from the one table, never given by the caller.
        object.__setattr__(self, "oecd_category", standard.oecd_category)
        object.__setattr__(self, "lbma_step", standard.lbma_step)


@dataclass(frozen=True)
class FlagRules:
    """The thresholds of the red flags.

    Attributes:
        capacity_warning: A mine's share of its yearly capacity declared, above which it is flagged
            (0.8: above 80%). Above 100% is always flagged.
        loss_band: The plausible share of fine gold lost in a transformation, (lowest, highest): a loss
            outside it is flagged. The default, up to 10%, fits a plant's recovery from ore (cyanidation
            recovers about 90% or more) and a refiner's or a jeweller's much smaller losses; tighten it for
            a chain of refined gold only. Fine gold is never created (the contract refuses it), so the
            lowest only matters when set above 0.
        idle_days: A live lot with no event for longer than this is flagged.
        projection_after_days: A mine's pace of declaration this year is projected to year end only once
            this many days of the year have passed (30: a January's few lots say little of a year).
        burst_declarations: More ore lots than this declared by one mine within `burst_window_hours` is a
            burst (10: an artisanal mine delivers a few lots a week; ten in a day is worth a question).
        burst_window_hours: The window a burst is counted in, ending at the index's now (24).
        assay_tolerance: How far the gold an ore lot's receipt implies may differ from its declared fine
            gold, relative to the declared, before it is flagged (0.10; `filon.index._assay_flags`).
        sample_tolerance: How far a sample's and a counter-sample's grades may differ, relative to their
            mean, with no umpire assay, before it is flagged (0.10).
        grade_outlier_score: The modified z-score above which a lot's head grade is far above its mine's
            history (3.5, Iglewicz and Hoaglin's mark).
        grade_history: The fewest earlier receipts of a mine its history is judged by (5).
        history_window: The most earlier receipts of a mine a grade is judged by: its last this many before
            the lot (50: about a year of an artisanal mine's weekly deliveries, so a mine's grades are judged
            by its ore of late, and a lot's page reads a bounded history however long the mine's).
        recovery_band: The plausible recovery of a campaign from its ore, (lowest, highest) (0.70 to 1.00):
            outside it is flagged; above 1 is always flagged.
    """

    capacity_warning: float = 0.8
    loss_band: tuple[float, float] = (0.0, 0.10)
    idle_days: int = 30
    projection_after_days: int = 30
    burst_declarations: int = 10
    burst_window_hours: int = 24
    assay_tolerance: float = 0.10
    sample_tolerance: float = 0.10
    grade_outlier_score: float = 3.5
    grade_history: int = 5
    history_window: int = 50
    recovery_band: tuple[float, float] = (0.70, 1.00)

    def __post_init__(self) -> None:
        low, high = self.loss_band
        if not 0 < self.capacity_warning <= 1:
            raise InvalidInput(f"capacity_warning is a share between 0 and 1, not {self.capacity_warning}")
        if not 0 <= low <= high <= 1:
            raise InvalidInput(
                f"loss_band is (lowest, highest) with 0 <= lowest <= highest <= 1, not {self.loss_band}"
            )
        if self.idle_days < 1:
            raise InvalidInput(f"idle_days is 1 or more, not {self.idle_days}")
        if not 1 <= self.projection_after_days <= 365:
            raise InvalidInput(f"projection_after_days is 1 to 365, not {self.projection_after_days}")
        if self.burst_declarations < 1 or self.burst_window_hours < 1:
            raise InvalidInput(
                "burst_declarations and burst_window_hours are 1 or more, not "
                f"{self.burst_declarations} and {self.burst_window_hours}"
            )
        self._check_assays()

    def _check_assays(self) -> None:
        """The assay thresholds (`filon.index._assay_flags`): NaN fails every comparison, so is refused."""
        for name in ("assay_tolerance", "sample_tolerance", "grade_outlier_score"):
            value = getattr(self, name)
            if not 0 < value < float("inf"):
                raise InvalidInput(f"{name} is a number above 0, not {value}")
        if self.grade_history < 2:
            raise InvalidInput(f"grade_history is 2 or more, not {self.grade_history}")
        if self.history_window < self.grade_history:
            raise InvalidInput(
                f"history_window is grade_history ({self.grade_history}) or more, not {self.history_window}"
            )
        low, high = self.recovery_band
        if not 0 <= low <= high <= 1:
            raise InvalidInput(
                "recovery_band is (lowest, highest) with 0 <= lowest <= highest <= 1, "
                f"not {self.recovery_band}"
            )


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _grams(mg: int) -> str:
    return f"{mg / 1000:,.3f} g"


def _date(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).strftime("%Y-%m-%d")


def mine_flags(mine: Mine, rules: FlagRules = FlagRules()) -> list[RedFlag]:
    """The flags of a mine's own record: its status and its capacity used this year."""
    flags: list[RedFlag] = []
    if mine.status is not MineStatus.ACTIVE:
        flags.append(
            RedFlag(
                f"MINE_{mine.status.name}",
                f"Mine {mine.id} is {mine.status.name.lower()}: it can declare no more gold.",
            )
        )
    if mine.capacity_mg > 0:
        share = mine.declared_this_year_mg / mine.capacity_mg
        used = (
            f"Mine {mine.id} declared {_grams(mine.declared_this_year_mg)} of fine gold in {mine.year}, "
            f"{_percent(share)} of its yearly capacity of {_grams(mine.capacity_mg)}"
        )
        if share > 1:
            flags.append(RedFlag("MINE_OVER_CAPACITY", f"{used}: more than it may produce."))
        elif share > rules.capacity_warning:
            flags.append(
                RedFlag("MINE_NEAR_CAPACITY", f"{used}: above the {_percent(rules.capacity_warning)} mark.")
            )
    return flags


def lot_flags(
    index: Index, lot_id: LotId, store: DocumentStore | None = None, rules: FlagRules = FlagRules()
) -> list[RedFlag]:
    """Every red flag of a lot, over its whole provenance.

    What the lot's birth settled (the mines of its gold, the losses and late declarations below it) is
    read from the facts the sync stored with it: a lot a thousand lots deep costs as few queries as an ore
    lot, and the provenance is walked only down to the transformations or declarations that raise a flag.

    Args:
        index: The index to read.
        lot_id: The lot.
        store: Where its passports' documents and its attesters' credentials should be; None skips the
            missing-document check, and an attestation is then flagged only when revoked, not when expired.
        rules: The thresholds.

    Raises:
        UnknownLot: The index has no such lot.
    """
    lot = index.lot(lot_id)
    facts = index.facts(lot_id)
    now = index.head_time()
    credentials = credentials_about(index, [lot.id, *index.ancestors(lot.id)], facts.origins, store, now)
    return (
        settled_flags(
            index,
            lot,
            facts,
            index.mines_of(facts.origins),
            rules,
            last_activity=index.last_activity([lot.id]).get(lot.id),
            now=now,
        )
        + attestation_flags(credentials)
        + (_document_flags(lot.id, versions(index, lot.id), store) if store is not None else [])
    )


def settled_flags(
    index: Index,
    lot: Lot,
    facts: LotFacts,
    mines: Mapping[MineId, Mine],
    rules: FlagRules,
    *,
    last_activity: int | None,
    now: int,
) -> list[RedFlag]:
    """A lot's red flags but the document check, from what a caller has already read: the lot, its facts,
    the mines of its gold (`facts.origins`, as of now), the time of its latest event and the index's now.

    Raises:
        UnknownLot: The index has no such lot.
    """
    flags: list[RedFlag] = []
    for _, mine in sorted(mines.items()):
        flags.extend(_origin_flags(mine, rules))
    for ore in index.late_declarations(lot.id, facts=facts):
        flags.extend(_permit_flags(index, index.lot(ore)))
    flags.extend(_loss_flags(index.losses_out_of_band(lot.id, rules.loss_band, facts=facts), rules))
    flags.extend(_idle_flags(lot, rules, last_activity, now))
    return flags


Cited = tuple[str, str]
"""A document a passport cites: (how the flag names it, its SHA-256)."""

Citations = MutableMapping[tuple[bytes, str], tuple[Cited, ...]]
"""The documents each published passport cites, by (root, URI): a package is fixed by its CID and checked
against its root, so what it cites never changes."""


def document_flags(
    lot_id: LotId,
    recorded: Sequence[PassportVersion],
    store: DocumentStore,
    citations: Citations | None = None,
) -> list[RedFlag]:
    """The passport versions of a lot (`recorded`), and the documents they cite, missing from `store`.

    Args:
        lot_id: The lot.
        recorded: Its passport versions.
        store: The document store.
        citations: What each passport cites, by (root, URI), kept between calls (its presence in the store
            is checked every time).
    """
    return _document_flags(lot_id, recorded, store, citations)


def credentials_about(
    index: Index, lot_ids: Iterable[int], mine_ids: Iterable[int], store: DocumentStore | None, now: int
) -> list[CredentialOnRecord]:
    """The credentials anchored about these lots and mines, each with its status at `now` (the index's
    time): revoked on chain, else what the credential in `store` says (valid or expired)."""
    anchored = index.attestations(lot_ids=set(lot_ids), mine_ids=set(mine_ids))
    return [on_record(credential, store, now, index.deployment) for credential in anchored]


def attestation_flags(credentials: Iterable[CredentialOnRecord]) -> list[RedFlag]:
    """A flag for each revoked or expired credential about a lot of the provenance or a mine of its gold:
    the assurance it gave no longer stands."""
    flags = []
    for credential in credentials:
        anchored = credential.anchored
        kind = "lot" if anchored.subject_kind is SubjectKind.LOT else "mine"
        what = f"{credential.assessment or 'Credential'} 0x{anchored.credential_hash.hex()[:12]}…"
        about = f"{kind} {anchored.subject_id}, by {anchored.attester}"
        if credential.status is CredentialStatus.REVOKED:
            flags.append(
                RedFlag("ATTESTATION_REVOKED", f"{what} about {about}, was revoked by its attester.")
            )
        elif credential.status is CredentialStatus.EXPIRED and credential.valid_until is not None:
            when = _date(credential.valid_until)
            flags.append(RedFlag("ATTESTATION_EXPIRED", f"{what} about {about}, expired on {when}."))
    return flags


def _origin_flags(mine: Mine, rules: FlagRules) -> list[RedFlag]:
    flags = []
    if mine.status is MineStatus.SUSPENDED:
        flags.append(
            RedFlag(
                "ORIGIN_SUSPENDED", f"Gold in this lot comes from mine {mine.id}, which is now suspended."
            )
        )
    elif mine.status is MineStatus.REVOKED:
        flags.append(
            RedFlag(
                "ORIGIN_REVOKED", f"Gold in this lot comes from mine {mine.id}, whose permit is now revoked."
            )
        )
    flags.extend(flag for flag in mine_flags(mine, rules) if flag.code.endswith("CAPACITY"))
    return flags


def _permit_flags(index: Index, ore: Lot) -> list[RedFlag]:
    assert ore.mine_id is not None
    declared = index.history(ore.id)[0]
    expiry = index.permit_expiry_at(MineId(ore.mine_id), declared.block_number, declared.log_index)
    when = index.block_time(declared.block_number)
    if expiry is None or when is None or when <= expiry:
        return []
    return [
        RedFlag(
            "DECLARED_AFTER_PERMIT_EXPIRY",
            f"Ore lot {ore.id} was declared on {_date(when)}, after mine {ore.mine_id}'s permit expired on "
            f"{_date(expiry)}.",
        )
    ]


def _loss_flags(transformations: Iterable[Transformation], rules: FlagRules) -> list[RedFlag]:
    low, high = rules.loss_band
    flags = []
    for made in transformations:
        lost = made.fine_in_mg - made.fine_out_mg
        flags.append(
            RedFlag(
                "LOSS_OUT_OF_BAND",
                f"The transformation of lots {', '.join(map(str, made.inputs))} into "
                f"{', '.join(map(str, made.outputs))} lost {_percent(made.loss)} of its fine gold "
                f"({_grams(lost)}), outside the plausible {_percent(low)} to {_percent(high)}.",
            )
        )
    return flags


def _idle_flags(lot: Lot, rules: FlagRules, last: int | None, now: int) -> list[RedFlag]:
    if lot.consumed or last is None or now - last <= rules.idle_days * DAY:
        return []
    days = (now - last) // DAY
    return [
        RedFlag(
            "LOT_IDLE",
            f"Lot {lot.id} has not moved for {days} days (since {_date(last)}), "
            f"over the {rules.idle_days}-day mark.",
        )
    ]


def _stored(store: DocumentStore, cid: str) -> bool:
    """Whether the store holds document `cid`. A lot's holder may record any URI: an `ipfs://` one that
    names no valid CID cannot be in the store (rather than failing every flag of the lot)."""
    try:
        return store.has(cid)
    except InvalidCid:
        return False


def _document_flags(
    lot_id: LotId,
    recorded: Sequence[PassportVersion],
    store: DocumentStore,
    citations: Citations | None = None,
) -> list[RedFlag]:
    flags = []
    for entry in recorded:
        if not entry.uri.startswith(URI_SCHEME):
            continue
        cid = entry.uri.removeprefix(URI_SCHEME)
        if not _stored(store, cid):
            flags.append(
                RedFlag(
                    "DOCUMENT_MISSING",
                    f"Passport version {entry.version} of lot {lot_id} ({cid}) is not in the document store.",
                )
            )
            continue
        cited = citations.get((entry.root, entry.uri)) if citations is not None else None
        if cited is None:
            try:
                cited = _cited(published_package(store, entry, ("conformity",)))
            except FilonError:  # a package whose evidence does not check out cites nothing we can trust
                continue
            if citations is not None:
                citations[(entry.root, entry.uri)] = cited
        for name, digest in cited:
            if not store.has(cid_for_sha256(digest)):  # a published package's digests are validated
                flags.append(
                    RedFlag(
                        "DOCUMENT_MISSING",
                        f"Passport version {entry.version} of lot {lot_id} cites {name} (SHA-256 "
                        f"{digest[:12]}...), which is not in the document store.",
                    )
                )
    return flags


def _cited(package: Disclosure) -> tuple[Cited, ...]:
    """The documents a published package's conformity evidence cites, as the flags name them."""
    evidence = package.fields.get("conformity")
    if evidence is None or not isinstance(evidence.value, list):
        return ()
    found = []
    for item in evidence.value:
        digest = item.get("sha256") if isinstance(item, dict) else None
        if isinstance(item, dict) and isinstance(digest, str):
            found.append((str(item.get("name") or item.get("type") or digest), digest))
    return tuple(found)
