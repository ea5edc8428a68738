"""declare_lots_with_passports: many lots with their passports, prepared together, sent together, each
standing alone (a refused lot does not stop the others), and the salts of every confirmed lot saved."""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

import pytest

import filon
from filon.passport import Document, DocumentType, Facility, Party, Quantity

from .helpers import Roles, World, nonce

PERMIT_PDF = b"%PDF-1.7 mining permit REINFO-2024-1187 ..."
CRAFT_PDF = b"%PDF-1.7 CRAFT assessment, Cooperativa Santa Rosa ..."


def _lot(
    mine: int, fine: int, ref: str, *, documents: dict[str, bytes] | None = None
) -> filon.PassportDeclaration:
    cited = [
        Document(
            type=DocumentType.MINING_PERMIT,
            issuer="MINEM",
            date=datetime.date(2026, 1, 5),
            sha256=hashlib.sha256(PERMIT_PDF).hexdigest(),
        )
    ]
    passport = filon.Passport(
        lot=filon.LotReference(batch_id=ref, external_ref=ref),
        producer=Party(name="Cooperativa Santa Rosa"),
        facility=Facility(mine_id=mine, name="Santa Rosa", country="PE"),
        production_date=datetime.date(2026, 11, 2),
        quantity=Quantity(gross_mass_mg=2 * fine, fineness_ppt=500.0, fine_gold_mg=fine),
        conformity=cited,
    )
    given = {"permit.pdf": PERMIT_PDF} if documents is None else documents
    return filon.PassportDeclaration(filon.MineId(mine), passport, given, ref)


def _salt_file(tmp_path: Path, world: World, lot_id: int) -> Path:
    folder = tmp_path / "salts" / f"{world.deployment.chain_id}-{world.deployment.address}"
    return folder / f"lot-{lot_id}-v1.json"


def test_every_lot_is_declared_with_its_passport_and_salts(
    world: World, roles: Roles, tmp_path: Path
) -> None:
    sent_before = nonce(world.url, roles.miner)  # the session node is shared: count from here
    miner = filon.connect(
        world.url, deployment=world.deployment, account=roles.miner, store=tmp_path / "store"
    )
    lots = [_lot(world.mine, 1_000 + i, f"PB-{i}") for i in range(5)]

    outcomes = miner.declare_lots_with_passports(lots)

    assert outcomes == [1, 2, 3, 4, 5]
    for lot_id, lot in zip(outcomes, lots, strict=True):
        assert isinstance(lot_id, int)
        assert miner.passport(lot_id) == lot.passport
        assert miner.lot(lot_id).external_ref == lot.external_ref
        assert set(json.loads(_salt_file(tmp_path, world, lot_id).read_text())) == set(
            filon.passport.field_names("1.0")
        )
        assert miner.verify_document(lot_id, PERMIT_PDF) is not None
    assert nonce(world.url, roles.miner) - sent_before == 5


def test_each_lot_stands_alone(world: World, roles: Roles, registrar: filon.Client, tmp_path: Path) -> None:
    """A lot of another operator's mine and one citing no document it brings are refused before anything of
    theirs is stored; one over the mine's capacity once the others are mined is refused on chain; one
    already declared is a `DuplicateExternalRef` naming its lot. The others are declared."""
    sent_before = nonce(world.url, roles.miner)  # the session node is shared: count from here
    registrar.set_mine_capacity(world.mine, 9_000)
    miner = filon.connect(
        world.url, deployment=world.deployment, account=roles.miner, store=tmp_path / "store"
    )
    (existing,) = miner.declare_lots_with_passports([_lot(world.mine, 1_000, "PB-OLD")])
    lots = [
        _lot(world.mine, 3_000, "PB-0"),
        _lot(world.mine2, 3_000, "PB-1"),
        _lot(world.mine, 1_000, "PB-OLD"),
        _lot(world.mine, 3_000, "PB-3", documents={"craft.pdf": CRAFT_PDF}),
        _lot(world.mine, 3_000, "PB-4"),
        _lot(world.mine, 3_000, "PB-5"),  # 1,000 + 3,000 + 3,000 + 3,000 > 9,000
    ]

    outcomes = miner.declare_lots_with_passports(lots)

    assert outcomes[0] == 2 and outcomes[4] == 3
    refused_elsewhere, duplicate, uncited, over = outcomes[1], outcomes[2], outcomes[3], outcomes[5]
    assert isinstance(refused_elsewhere, filon.NotMineOperator)
    assert (refused_elsewhere.mine_id, refused_elsewhere.transaction_hash) == (world.mine2, None)
    assert isinstance(duplicate, filon.DuplicateExternalRef)
    assert (duplicate.lot_id, duplicate.external_ref) == (existing, "PB-OLD")
    assert isinstance(uncited, filon.InvalidInput)
    assert "'craft.pdf'" in str(uncited) and "is not cited" in str(uncited)
    assert isinstance(over, filon.CapacityExceeded)
    assert (over.mine_id, over.requested_mg, over.remaining_mg) == (world.mine, 3_000, 2_000)
    assert over.transaction_hash is not None
    assert not miner.store.has(filon.cid_for_sha256(hashlib.sha256(CRAFT_PDF).hexdigest()))
    assert [_salt_file(tmp_path, world, n).exists() for n in (1, 2, 3, 4)] == [True, True, True, False]
    assert miner.lot_count() == 3
    # Sent: the first declaration, PB-0, PB-4 and the reverted PB-5.
    assert nonce(world.url, roles.miner) - sent_before == 4


def test_a_reference_twice_is_refused_before_anything_is_stored_or_sent(
    world: World, roles: Roles, tmp_path: Path
) -> None:
    sent_before = nonce(world.url, roles.miner)  # the session node is shared: count from here
    miner = filon.connect(
        world.url, deployment=world.deployment, account=roles.miner, store=tmp_path / "store"
    )

    with pytest.raises(
        filon.InvalidInput, match=r"^Declarations 0 and 2 of the batch share the external reference 'PB-0'$"
    ):
        miner.declare_lots_with_passports(
            [_lot(world.mine, 1, "PB-0"), _lot(world.mine, 2, "PB-1"), _lot(world.mine, 3, "PB-0")]
        )

    assert nonce(world.url, roles.miner) - sent_before == 0
    assert not (tmp_path / "store").exists()
    assert miner.declare_lots_with_passports([]) == []
