"""Red flags over an index of a real chain, each with its exact code and sentence."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import filon
from filon._attestations import AttestationRequest
from filon.index import FlagRules, Index, RedFlag, lot_flags, mine_flags, open_index
from filon.index._flags import credentials_about
from filon.index._models import IndexedBlock, LotRow, PassportRow, TransferRow
from filon.passport import Document, DocumentType, Facility, Party, Quantity

from .helpers import (
    DAY,
    PERMIT_HASH,
    World,
    block_time,
    registered_mine_row,
    root,
    rpc,
    utc_date,
    utc_year,
)

PERMIT_PDF = b"%PDF-1.7 mining permit REINFO-2024-1187 ..."
CRAFT_PDF = b"%PDF-1.7 CRAFT assessment, Cooperativa Santa Rosa ..."
MINE = filon.MineId(1)


def _synced(world: World, url: str) -> Index:
    index = world.index(url)
    index.sync()
    return index


def _ore(world: World, fine: int, *, miner: int = 1) -> filon.LotId:
    account = {1: world.roles.miner, 2: world.roles.miner2, 3: world.roles.miner3}[miner]
    return world.client(account).declare_lot(
        filon.MineId(miner), fine, fine * 10, root(f"{miner}:{fine}"), external_ref=f"F-{miner}-{fine}"
    )


def _to_plant(world: World, lots: list[filon.LotId], *, miner: int = 1) -> None:
    account = {1: world.roles.miner, 2: world.roles.miner2, 3: world.roles.miner3}[miner]
    for lot in lots:
        world.client(account).transfer(lot, world.roles.plant.address)


def _merge(world: World, inputs: list[filon.LotId], fine_out: list[int]) -> list[filon.LotId]:
    outputs = [filon.LotOutput(filon.Form.DORE, fine, fine + 10) for fine in fine_out]
    return world.client(world.roles.plant).transform(inputs, outputs, root(f"merge:{inputs}"))


# ----------------------------------------------------------------------------- capacity


def test_a_mine_near_and_then_over_its_capacity(world: World, sqlite_url: str) -> None:
    lot = _ore(world, 850_000)  # capacity 1 kg: 85%
    year = utc_year(block_time(world.url))
    near = RedFlag(
        "MINE_NEAR_CAPACITY",
        f"Mine 1 declared 850.000 g of fine gold in {year}, 85.0% of its yearly capacity of 1,000.000 g: "
        "above the 80.0% mark.",
    )
    with _synced(world, sqlite_url) as index:
        assert index.mine(MINE) == world.client().mine(MINE)
        assert mine_flags(index.mine(MINE)) == [near]
        assert lot_flags(index, lot) == [near]

        world.client(world.roles.registrar).set_mine_capacity(MINE, 500_000)
        index.sync()

        over = RedFlag(
            "MINE_OVER_CAPACITY",
            f"Mine 1 declared 850.000 g of fine gold in {year}, 170.0% of its yearly capacity of 500.000 g: "
            "more than it may produce.",
        )
        assert index.mine(MINE) == world.client().mine(MINE)
        assert index.mine(MINE).declared_this_year_mg == 850_000
        assert mine_flags(index.mine(MINE)) == [over]
        assert lot_flags(index, lot) == [over]


def test_the_capacity_mark_is_exclusive_and_configurable(world: World, sqlite_url: str) -> None:
    lot = _ore(world, 800_000)  # exactly 80%: not above the mark
    with _synced(world, sqlite_url) as index:
        assert mine_flags(index.mine(MINE)) == []
        assert lot_flags(index, lot) == []
        year = index.mine(MINE).year
        assert mine_flags(index.mine(MINE), FlagRules(capacity_warning=0.5)) == [
            RedFlag(
                "MINE_NEAR_CAPACITY",
                f"Mine 1 declared 800.000 g of fine gold in {year}, 80.0% of its yearly capacity of "
                "1,000.000 g: above the 50.0% mark.",
            )
        ]
        _ore(world, 1)
        index.sync()
        assert [flag.code for flag in mine_flags(index.mine(MINE))] == ["MINE_NEAR_CAPACITY"]


def test_exactly_the_whole_capacity_is_near_not_over(world: World, sqlite_url: str) -> None:
    """100% declared is all a mine may produce, not more: over capacity starts just above it."""
    lot = _ore(world, 1_000_000)  # the whole kilogram
    year = utc_year(block_time(world.url))
    with _synced(world, sqlite_url) as index:
        assert mine_flags(index.mine(MINE)) == [
            RedFlag(
                "MINE_NEAR_CAPACITY",
                f"Mine 1 declared 1,000.000 g of fine gold in {year}, 100.0% of its yearly capacity of "
                "1,000.000 g: above the 80.0% mark.",
            )
        ]
        assert [flag.code for flag in lot_flags(index, lot)] == ["MINE_NEAR_CAPACITY"]

        world.client(world.roles.registrar).set_mine_capacity(MINE, 999_999)  # one milligram short
        index.sync()
        assert [flag.code for flag in mine_flags(index.mine(MINE))] == ["MINE_OVER_CAPACITY"]


def test_a_new_year_starts_from_nothing(world: World, sqlite_url: str) -> None:
    """The index counts a mine's declarations per UTC calendar year, as the contract does."""
    _ore(world, 900_000)  # 90%: near capacity this year
    this_year = utc_year(block_time(world.url))
    with _synced(world, sqlite_url) as index:
        assert [flag.code for flag in mine_flags(index.mine(MINE))] == ["MINE_NEAR_CAPACITY"]
        assert index.declared_in_year(MINE, this_year) == 900_000

        new_year = int(datetime.datetime(this_year + 1, 1, 1, tzinfo=datetime.UTC).timestamp())
        rpc(world.url, "evm_setNextBlockTimestamp", new_year)
        rpc(world.url, "evm_mine")
        index.sync()

        mine = index.mine(MINE)
        assert mine == world.client().mine(MINE)
        assert (mine.year, mine.declared_this_year_mg) == (this_year + 1, 0)
        assert mine_flags(mine) == []
        assert index.declared_in_year(MINE, this_year) == 900_000
        assert index.declared_in_year(MINE, this_year + 1) == 0

        lot = _ore(world, 100_000)  # the new year's capacity is whole again
        index.sync()
        assert index.declared_in_year(MINE, this_year + 1) == 100_000
        assert index.mine(MINE) == world.client().mine(MINE)
        assert lot_flags(index, lot) == []


# ----------------------------------------------------------------------------- origin


def test_gold_from_a_suspended_then_revoked_mine(world: World, sqlite_url: str) -> None:
    ore = _ore(world, 40_000, miner=2)
    _to_plant(world, [ore], miner=2)
    (dore,) = _merge(world, [ore], [39_000])
    registrar = world.client(world.roles.registrar)
    with world.index(sqlite_url) as index:
        index.sync()
        assert lot_flags(index, dore) == []
        assert mine_flags(index.mine(filon.MineId(2))) == []

        registrar.set_mine_status(filon.MineId(2), filon.MineStatus.SUSPENDED)
        index.sync()
        assert lot_flags(index, dore) == [
            RedFlag("ORIGIN_SUSPENDED", "Gold in this lot comes from mine 2, which is now suspended.")
        ]
        assert mine_flags(index.mine(filon.MineId(2))) == [
            RedFlag("MINE_SUSPENDED", "Mine 2 is suspended: it can declare no more gold.")
        ]

        registrar.set_mine_status(filon.MineId(2), filon.MineStatus.REVOKED)
        index.sync()
        assert lot_flags(index, dore) == [
            RedFlag("ORIGIN_REVOKED", "Gold in this lot comes from mine 2, whose permit is now revoked.")
        ]
        assert mine_flags(index.mine(filon.MineId(2))) == [
            RedFlag("MINE_REVOKED", "Mine 2 is revoked: it can declare no more gold.")
        ]
        assert lot_flags(index, ore) == lot_flags(index, dore)


def test_a_reactivated_mine_raises_no_flag(world: World, sqlite_url: str) -> None:
    ore = _ore(world, 40_000, miner=2)
    registrar = world.client(world.roles.registrar)
    registrar.set_mine_status(filon.MineId(2), filon.MineStatus.SUSPENDED)
    registrar.set_mine_status(filon.MineId(2), filon.MineStatus.ACTIVE)
    with _synced(world, sqlite_url) as index:
        assert lot_flags(index, ore) == []


# ----------------------------------------------------------------------------- losses


def test_a_transformation_losing_more_than_ten_percent(world: World, sqlite_url: str) -> None:
    a, b = _ore(world, 50_000), _ore(world, 50_001)
    _to_plant(world, [a, b])
    (dore,) = _merge(world, [a, b], [85_000])  # 15,001 mg of 100,001 lost: 15.0%
    plausible = _merge(world, [dore], [76_500, 1_000])  # 7,500 of 85,000: 8.8%, within the band
    with _synced(world, sqlite_url) as index:
        flag = RedFlag(
            "LOSS_OUT_OF_BAND",
            f"The transformation of lots {a}, {b} into {dore} lost 15.0% of its fine gold (15.001 g), "
            "outside the plausible 0.0% to 10.0%.",
        )
        assert lot_flags(index, dore) == [flag]
        assert lot_flags(index, plausible[0]) == [flag]  # over the whole provenance
        assert lot_flags(index, plausible[1]) == [flag]
        assert lot_flags(index, plausible[0], rules=FlagRules(loss_band=(0.0, 0.2))) == []


def test_exactly_ten_percent_is_plausible(world: World, sqlite_url: str) -> None:
    a = _ore(world, 100_000)
    _to_plant(world, [a])
    (dore,) = _merge(world, [a], [90_000])
    with _synced(world, sqlite_url) as index:
        assert lot_flags(index, dore) == []


def test_a_loss_below_the_band_minimum(world: World, sqlite_url: str) -> None:
    a = _ore(world, 100_000)
    _to_plant(world, [a])
    first, second = _merge(world, [a], [60_000, 39_000])  # 1% lost, split in two
    rules = FlagRules(loss_band=(0.02, 0.10))
    with _synced(world, sqlite_url) as index:
        assert lot_flags(index, first) == []
        expected = RedFlag(
            "LOSS_OUT_OF_BAND",
            f"The transformation of lots {a} into {first}, {second} lost 1.0% of its fine gold (1.000 g), "
            "outside the plausible 2.0% to 10.0%.",
        )
        assert lot_flags(index, first, rules=rules) == [expected]
        assert lot_flags(index, second, rules=rules) == [expected]


# ----------------------------------------------------------------------------- idle lots


def test_a_lot_idle_for_over_thirty_days(world: World, sqlite_url: str) -> None:
    idle = _ore(world, 10_000)
    moved = _ore(world, 10_001)
    consumed = _ore(world, 10_002)
    declared_at = block_time(world.url)
    _to_plant(world, [consumed])
    (dore,) = _merge(world, [consumed], [10_000])
    rpc(world.url, "evm_increaseTime", 31 * DAY)
    rpc(world.url, "evm_mine")
    world.client(world.roles.miner).transfer(moved, world.roles.plant.address)
    with _synced(world, sqlite_url) as index:
        assert index.head_time() == block_time(world.url)
        assert lot_flags(index, idle) == [
            RedFlag(
                "LOT_IDLE",
                f"Lot {idle} has not moved for 31 days (since {utc_date(declared_at)}), "
                "over the 30-day mark.",
            )
        ]
        assert lot_flags(index, moved) == []
        assert lot_flags(index, consumed) == []
        assert [flag.code for flag in lot_flags(index, dore)] == ["LOT_IDLE"]
        # 31 days and the few seconds the other transactions took: not over a 32-day mark.
        assert lot_flags(index, idle, rules=FlagRules(idle_days=32)) == []


@pytest.mark.parametrize(
    ("after", "flagged"), [(30 * DAY - 1, False), (30 * DAY, False), (30 * DAY + 1, True)]
)
def test_idle_starts_just_after_thirty_days(world: World, sqlite_url: str, after: int, flagged: bool) -> None:
    lot = _ore(world, 10_000)
    declared_at = block_time(world.url)
    rpc(world.url, "evm_setNextBlockTimestamp", declared_at + after)
    rpc(world.url, "evm_mine")
    with _synced(world, sqlite_url) as index:
        assert index.head_time() - declared_at == after
        expected = RedFlag(
            "LOT_IDLE",
            f"Lot {lot} has not moved for 30 days (since {utc_date(declared_at)}), over the 30-day mark.",
        )
        assert lot_flags(index, lot) == ([expected] if flagged else [])


def test_a_new_passport_version_counts_as_activity(world: World, sqlite_url: str) -> None:
    lot = _ore(world, 10_000)
    rpc(world.url, "evm_increaseTime", 40 * DAY)
    world.client(world.roles.miner).record_passport(lot, root("re-assayed"), "")
    with _synced(world, sqlite_url) as index:
        assert lot_flags(index, lot) == []


# ----------------------------------------------------------------------------- documents


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _passport(fine: int, documents: tuple[tuple[bytes, str | None], ...]) -> filon.Passport:
    kinds = [DocumentType.MINING_PERMIT, DocumentType.CRAFT_ASSESSMENT]
    return filon.Passport(
        lot=filon.LotReference(batch_id="B-1"),
        producer=Party(name="Cooperativa Santa Rosa"),
        facility=Facility(mine_id=1, name="Santa Rosa", country="PE", region="Arequipa"),
        production_date=datetime.date(2026, 11, 2),
        quantity=Quantity(gross_mass_mg=fine * 2, fineness_ppt=500, fine_gold_mg=fine),
        conformity=[
            Document(
                type=kinds[i], issuer="MINEM", date=datetime.date(2026, 1, 5), sha256=_sha(doc), name=name
            )
            for i, (doc, name) in enumerate(documents)
        ],
    )


def test_a_passport_citing_a_document_missing_from_the_store(
    world: World, sqlite_url: str, tmp_path: Path
) -> None:
    store = filon.DocumentStore(tmp_path / "store")
    miner = world.client(world.roles.miner, store=store)
    lot = miner.declare_lot_with_passport(
        MINE, _passport(10_000, ((PERMIT_PDF, None),)), documents={"permit.pdf": PERMIT_PDF}
    )
    second = miner.publish_passport(
        lot,
        _passport(10_000, ((PERMIT_PDF, None), (CRAFT_PDF, "CRAFT self-assessment 2026"))),
        {"permit.pdf": PERMIT_PDF, "craft.pdf": CRAFT_PDF},
    )
    with _synced(world, sqlite_url) as index:
        assert lot_flags(index, lot, store) == []

        (store.path / filon.cid_for_sha256(_sha(CRAFT_PDF))).unlink()
        (store.path / filon.cid_for_sha256(_sha(PERMIT_PDF))).unlink()

        assert lot_flags(index, lot, store) == [
            RedFlag(
                "DOCUMENT_MISSING",
                f"Passport version 1 of lot {lot} cites mining_permit (SHA-256 {_sha(PERMIT_PDF)[:12]}...), "
                "which is not in the document store.",
            ),
            RedFlag(
                "DOCUMENT_MISSING",
                f"Passport version 2 of lot {lot} cites mining_permit (SHA-256 {_sha(PERMIT_PDF)[:12]}...), "
                "which is not in the document store.",
            ),
            RedFlag(
                "DOCUMENT_MISSING",
                f"Passport version 2 of lot {lot} cites CRAFT self-assessment 2026 (SHA-256 "
                f"{_sha(CRAFT_PDF)[:12]}...), which is not in the document store.",
            ),
        ]
        assert lot_flags(index, lot) == []  # no store: no document check

        package = second.uri.removeprefix("ipfs://")
        (store.path / package).unlink()
        assert [flag.message for flag in lot_flags(index, lot, store)][1:] == [
            f"Passport version 2 of lot {lot} ({package}) is not in the document store."
        ]


def test_a_passport_uri_that_is_no_cid_is_a_missing_document(
    world: World, sqlite_url: str, tmp_path: Path
) -> None:
    store = filon.DocumentStore(tmp_path / "store")
    lot = _ore(world, 10_000)
    world.client(world.roles.miner).record_passport(lot, root("elsewhere"), "ipfs://not-a-cid")
    with _synced(world, sqlite_url) as index:
        assert lot_flags(index, lot, store) == [
            RedFlag(
                "DOCUMENT_MISSING",
                f"Passport version 2 of lot {lot} (not-a-cid) is not in the document store.",
            )
        ]


# ----------------------------------------------------------------------------- permits


def test_the_contract_refuses_a_declaration_after_the_permit_expired(world: World) -> None:
    """Why DECLARED_AFTER_PERMIT_EXPIRY is tested on rows written by hand below: no chain can produce it."""
    registrar = world.client(world.roles.registrar)
    expiry = block_time(world.url) + DAY
    registrar.update_permit(MINE, PERMIT_HASH, expiry)
    rpc(world.url, "evm_increaseTime", 2 * DAY)
    rpc(world.url, "evm_mine")
    with pytest.raises(filon.PermitExpired):
        _ore(world, 10_000)


@pytest.mark.parametrize("before", [1, 0], ids=["a second before", "at the expiry second"])
def test_a_declaration_up_to_the_expiry_second_raises_no_flag(
    world: World, sqlite_url: str, before: int
) -> None:
    """The contract accepts a declaration up to and including the second its permit expires."""
    registrar = world.client(world.roles.registrar)
    expiry = block_time(world.url) + DAY
    registrar.update_permit(MINE, PERMIT_HASH, expiry)
    rpc(world.url, "evm_setNextBlockTimestamp", expiry - before)
    lot = _ore(world, 10_000)
    assert block_time(world.url) == expiry - before
    with _synced(world, sqlite_url) as index:
        assert lot_flags(index, lot) == []


@pytest.mark.parametrize(("late", "day"), [(1, "2026-03-01"), (DAY, "2026-03-02")], ids=["a second", "a day"])
def test_a_lot_declared_after_its_mine_permit_expired(
    world: World, sqlite_url: str, late: int, day: str
) -> None:
    """The flag guards against what the contract refuses (a declaration after the permit's expiry): a
    misconfigured contract, or an index filled from elsewhere. Its rows are written here by hand into a
    real SQLite index, as a sync would write them, with the declaration a second or a day late."""
    expiry = int(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC).timestamp())
    declared = expiry + late
    miner = world.roles.miner.address
    with open_index(world.deployment, database_url=sqlite_url) as index, Session(index.engine) as session:
        at = world.deployment.deployment_block
        session.add_all(
            [
                IndexedBlock(number=at, hash=b"\x01" * 32, timestamp=expiry - 10 * DAY),
                IndexedBlock(number=at + 1, hash=b"\x02" * 32, timestamp=declared),
                registered_mine_row(at, miner, expiry),
                TransferRow(
                    block_number=at + 1,
                    log_index=0,
                    transaction_hash=b"\x03" * 32,
                    lot_id=1,
                    from_address="0x0000000000000000000000000000000000000000",
                    to_address=miner,
                ),
                LotRow(
                    id=1,
                    block_number=at + 1,
                    log_index=1,
                    transaction_hash=b"\x03" * 32,
                    form=int(filon.Form.ORE),
                    fine_gold_mg=1_000,
                    gross_mass_mg=2_000,
                    mine_id=1,
                    issuer=miner,
                    external_ref="",
                ),
                PassportRow(
                    lot_id=1,
                    version=1,
                    block_number=at + 1,
                    log_index=1,
                    transaction_hash=b"\x03" * 32,
                    root=root("late"),
                    uri="",
                ),
            ]
        )
        session.commit()

        assert lot_flags(index, filon.LotId(1)) == [
            RedFlag(
                "DECLARED_AFTER_PERMIT_EXPIRY",
                f"Ore lot 1 was declared on {day}, after mine 1's permit expired on 2026-03-01.",
            )
        ]


# ----------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"capacity_warning": 0}, "capacity_warning is a share between 0 and 1, not 0"),
        ({"capacity_warning": 1.5}, "capacity_warning is a share between 0 and 1, not 1.5"),
        (
            {"loss_band": (0.2, 0.1)},
            "loss_band is (lowest, highest) with 0 <= lowest <= highest <= 1, not (0.2, 0.1)",
        ),
        (
            {"loss_band": (-0.1, 0.1)},
            "loss_band is (lowest, highest) with 0 <= lowest <= highest <= 1, not (-0.1, 0.1)",
        ),
        (
            {"loss_band": (0.0, 1.5)},
            "loss_band is (lowest, highest) with 0 <= lowest <= highest <= 1, not (0.0, 1.5)",
        ),
        ({"idle_days": 0}, "idle_days is 1 or more, not 0"),
    ],
)
def test_flag_rules_are_checked(rules: dict[str, object], message: str) -> None:
    with pytest.raises(filon.InvalidInput) as raised:
        FlagRules(**rules)  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_the_default_rules() -> None:
    assert FlagRules() == FlagRules(capacity_warning=0.8, loss_band=(0.0, 0.10), idle_days=30)


# ----------------------------------------------------------------------------- attestations


def test_revoked_and_expired_attestations_are_flagged(world: World, sqlite_url: str, tmp_path: Path) -> None:
    store = filon.DocumentStore(tmp_path / "store")
    world.client(world.roles.registrar).register_participant(
        world.roles.outsider.address, filon.Role.LABORATORY
    )
    lab = world.client(world.roles.outsider, store=store)
    ore = _ore(world, 1_000)
    _to_plant(world, [ore])
    (dore,) = _merge(world, [ore], [990])
    soon = datetime.datetime.fromtimestamp(block_time(world.url) + 2 * DAY, datetime.UTC)
    review = lab.issue_attestation(
        filon.SubjectKind.MINE, MINE, filon.Assessment.OECD_ANNEX_II, conformance=True,
        status_url="https://x.example", valid_until=soon,
    )  # fmt: skip
    ore_assay = lab.issue_attestation(
        filon.SubjectKind.LOT, ore, filon.Assessment.ASSAY, conformance=True, status_url="https://x.example"
    )
    dore_assay = lab.issue_attestation(
        filon.SubjectKind.LOT, dore, filon.Assessment.ASSAY, conformance=False, status_url="https://x.example"
    )
    lab.revoke_attestation(dore_assay.credential_hash)
    lab_address = world.roles.outsider.address
    revoked = RedFlag(
        "ATTESTATION_REVOKED",
        f"Assay 0x{dore_assay.credential_hash.hex()[:12]}… about lot {dore}, by {lab_address}, "
        "was revoked by its attester.",
    )

    with _synced(world, sqlite_url) as index:
        before = lot_flags(index, dore, store)
        listed = index.attestations(lot_ids=[ore, dore], mine_ids=[MINE])
        revoked_indices = index.revoked_indices(lab_address)
        rpc(world.url, "evm_increaseTime", 3 * DAY)
        rpc(world.url, "evm_mine")
        index.sync()
        after = lot_flags(index, dore, store)
        without_store = lot_flags(index, dore)

    assert [(a.credential_hash, a.status_index, a.revoked_block is not None) for a in listed] == [
        (review.credential_hash, 0, False),
        (ore_assay.credential_hash, 1, False),
        (dore_assay.credential_hash, 2, True),
    ]
    assert revoked_indices == [2]
    assert before == [revoked]
    assert after == [
        RedFlag(
            "ATTESTATION_EXPIRED",
            f"OECD Annex II risk review 0x{review.credential_hash.hex()[:12]}… about mine 1, "
            f"by {lab_address}, expired on {soon:%Y-%m-%d}.",
        ),
        revoked,
    ]
    # without the store the credential is not read: what it assessed, and its expiry, are unknown
    assert without_store == [RedFlag("ATTESTATION_REVOKED", revoked.message.replace("Assay", "Credential"))]


def test_a_credential_the_chain_does_not_back_is_not_verified(
    world: World, sqlite_url: str, tmp_path: Path
) -> None:
    store = filon.DocumentStore(tmp_path / "store")
    world.client(world.roles.registrar).register_participant(
        world.roles.outsider.address, filon.Role.LABORATORY
    )
    lab = world.client(world.roles.outsider, store=store)
    ore = _ore(world, 1_000)
    chain, contract = world.deployment.chain_id, world.deployment.address
    about_ore = AttestationRequest(
        filon.SubjectKind.LOT, ore, filon.Assessment.ASSAY, conformance=True, status_url="https://x.example"
    )
    # signed about the ore lot (index 0) but anchored about the mine
    elsewhere = lab._attestations.sign(about_ore)
    lab.anchor_attestation(elsewhere.credential_hash, filon.SubjectKind.MINE, MINE)
    # signed at index 1, but another credential is anchored first: it is anchoring 2
    stale = lab._attestations.sign(about_ore)
    valid = lab.issue_attestation(
        filon.SubjectKind.LOT, ore, filon.Assessment.ASSAY, conformance=True, status_url="https://x.example"
    )
    lab.anchor_attestation(stale.credential_hash, filon.SubjectKind.LOT, ore)

    with _synced(world, sqlite_url) as index:
        found = credentials_about(index, [ore], [MINE], store, block_time(world.url))

    assert [(c.anchored.credential_hash, c.anchored.status_index, c.status, c.note) for c in found] == [
        (
            elsewhere.credential_hash,
            0,
            None,
            f"the stored credential is about urn:filon:eip155:{chain}:{contract}:lot:{ore}, "
            f"not urn:filon:eip155:{chain}:{contract}:mine:{MINE} it was anchored about",
        ),
        (valid.credential_hash, 1, filon.CredentialStatus.VALID, None),
        (
            stale.credential_hash,
            2,
            None,
            "the stored credential's status index is '1', not its place 2 among its attester's anchorings: "
            "its status list bit is another credential's",
        ),
    ]
