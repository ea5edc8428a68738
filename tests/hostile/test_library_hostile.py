"""Hostile input through the library: each refusal is a typed `filon.FilonError` with an exact message, and
nothing is sent, stored or kept (no transaction, no document, no salt)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import filon
from filon.passport import Passport

from .helpers import HUGE, PDF, TOO_BIG, World, chain_state, files, passport_json

ROOT = b"\xab" * 32
TOO_BIG_IS = f"must be below 2^256 (what the contract can hold), got {TOO_BIG}"
HUGE_IS = f"must be below 2^256 (what the contract can hold), got {str(HUGE)[:20]}... (91 digits)"

Call = Callable[[filon.Client, World], Any]

CASES: list[tuple[str, Call, type[filon.FilonError], str]] = [
    ("lot", lambda c, w: c.lot(TOO_BIG), filon.InvalidInput, f"lot_id {TOO_BIG_IS}"),
    ("history", lambda c, w: c.history(HUGE), filon.InvalidInput, f"lot_id {HUGE_IS}"),
    ("provenance", lambda c, w: c.provenance(TOO_BIG), filon.InvalidInput, f"lot_id {TOO_BIG_IS}"),
    ("negative lot", lambda c, w: c.lot(-1), filon.InvalidInput, "lot_id must be a non-negative int, got -1"),
    ("bool lot", lambda c, w: c.lot(True), filon.InvalidInput, "lot_id must be a non-negative int, got True"),
    ("mine", lambda c, w: c.mine(TOO_BIG), filon.InvalidInput, f"mine_id {TOO_BIG_IS}"),
    ("passport", lambda c, w: c.passport(TOO_BIG), filon.InvalidInput, f"lot_id {TOO_BIG_IS}"),
    ("carbon", lambda c, w: c.carbon(TOO_BIG), filon.InvalidInput, f"lot_id {TOO_BIG_IS}"),
    (
        "verify_passport_leaf",
        lambda c, w: c.verify_passport_leaf(TOO_BIG, ROOT, []),
        filon.InvalidInput,
        f"lot_id {TOO_BIG_IS}",
    ),
    (
        "transfer",
        lambda c, w: c.transfer(TOO_BIG, w.plant.address),
        filon.InvalidInput,
        f"lot_id {TOO_BIG_IS}",
    ),
    (
        "record_passport",
        lambda c, w: c.record_passport(TOO_BIG, ROOT),
        filon.InvalidInput,
        f"lot_id {TOO_BIG_IS}",
    ),
    (
        "cancel_declaration",
        lambda c, w: c.cancel_declaration(TOO_BIG),
        filon.InvalidInput,
        f"key_nonce {TOO_BIG_IS}",
    ),
    (
        "declare fine 2^256",
        lambda c, w: c.declare_lot(filon.MineId(1), TOO_BIG, TOO_BIG, ROOT),
        filon.InvalidInput,
        f"fine_gold_mg {TOO_BIG_IS}",
    ),
    (
        "declare fine 2^40",
        lambda c, w: c.declare_lot(filon.MineId(1), 2**40, 2**41, ROOT),
        filon.InvalidMass,
        f"Invalid lot mass: {2**40} mg of fine gold in {2**41} mg gross (fine gold must be positive, at most "
        "the gross mass, and below 2^40 mg).",
    ),
    (
        "declare negative",
        lambda c, w: c.declare_lot(filon.MineId(1), -1, 2, ROOT),
        filon.InvalidInput,
        "fine_gold_mg must be a non-negative int, got -1",
    ),
    (
        "declare surrogate ref",
        lambda c, w: c.declare_lot(filon.MineId(1), 1, 2, ROOT, external_ref="\udcff"),
        filon.InvalidInput,
        "Invalid arguments for declareLot: 'utf-8' codec can't encode character '\\udcff' in position 0: "
        "surrogates not allowed",
    ),
    (
        "declare_lots fine 2^256",
        lambda c, w: c.declare_lots([filon.LotDeclaration(filon.MineId(1), TOO_BIG, TOO_BIG, ROOT)]),
        filon.InvalidInput,
        f"fine_gold_mg {TOO_BIG_IS}",
    ),
    (
        "transform input 2^256",
        lambda c, w: c.transform([TOO_BIG], [filon.LotOutput(filon.Form.DORE, 1, 2)], ROOT),
        filon.InvalidInput,
        f"inputs {TOO_BIG_IS}",
    ),
    (
        "unknown mine",
        lambda c, w: c.declare_lot(filon.MineId(99), 1, 2, ROOT),
        filon.UnknownMine,
        "No mine has id 99.",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_absurd_values_are_typed_errors_and_send_nothing(
    world: World, call: Call, error: type[filon.FilonError], message: str
) -> None:
    client = world.client(world.miner)
    before = chain_state(world)

    with pytest.raises(error) as info:
        call(client, world)

    assert str(info.value) == message
    assert chain_state(world) == before


@pytest.fixture
def passport() -> Passport:
    return Passport.model_validate_json(passport_json())


def test_a_refused_passport_write_stores_and_keeps_nothing(
    world: World, tmp_path: Path, passport: Passport
) -> None:
    """Each write with a passport checks the contract's rules before storing its documents and package and
    keeping its salts: a refusal leaves the store and the salt folder as they were."""
    store = tmp_path / "store"
    miner, plant = world.client(world.miner, store=store), world.client(world.plant, store=store)
    documents = {"permit.pdf": PDF}
    held_by = f"(held by {world.miner.address}) nor approved for it."
    cases: list[tuple[Callable[[], Any], type[filon.FilonError], str]] = [
        (
            lambda: miner.declare_lot_with_passport(filon.MineId(99), passport, documents=documents),
            filon.UnknownMine,
            "No mine has id 99.",
        ),
        (
            lambda: plant.declare_lot_with_passport(filon.MineId(1), passport, documents=documents),
            filon.NotMineOperator,
            f"{world.plant.address} is not the operator of mine 1.",
        ),
        (
            lambda: miner.declare_lot_with_passport(
                filon.MineId(1), passport, documents=documents, external_ref="H-0"
            ),
            filon.DuplicateExternalRef,
            f"{world.miner.address} already declared lot {world.lot} with external reference 'H-0'.",
        ),
        (
            lambda: plant.publish_passport(world.lot, passport, documents),
            filon.NotHolder,
            f"{world.plant.address} is not the holder of lot {world.lot} {held_by}",
        ),
        (
            lambda: miner.publish_passport(filon.LotId(999), passport, documents),
            filon.UnknownLot,
            "No lot has id 999.",
        ),
        (
            lambda: plant.transform_with_passport(
                [world.lot], [filon.LotOutput(filon.Form.DORE, 1_000, 2_000)], passport, documents=documents
            ),
            filon.NotHolder,
            f"{world.plant.address} is not the holder of lot {world.lot} {held_by}",
        ),
        (
            lambda: miner.transform_with_passport(
                [world.lot], [filon.LotOutput(filon.Form.DORE, 1_001, 2_000)], passport, documents=documents
            ),
            filon.MassNotConserved,
            "Fine gold is not conserved: the outputs hold 1001 mg, more than the 1000 mg of the inputs.",
        ),
    ]
    before = chain_state(world)

    for call, error, message in cases:
        with pytest.raises(error) as info:
            call()
        assert str(info.value) == message
        assert chain_state(world) == before
        assert files(store, tmp_path / "salts") == {}

    # The same passport, where the rules allow it, is stored and kept.
    lot_id = miner.declare_lot_with_passport(filon.MineId(1), passport, documents=documents)
    assert miner.passport(lot_id) == passport
    assert set(miner.passport_salts(lot_id, 1)) >= {"lot", "quantity"}
