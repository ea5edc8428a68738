"""Offline declarations through the library: signed with no RPC at all, carried as JSON or a QR code,
submitted by the plant on a real Anvil."""

from __future__ import annotations

import json
import socket
import struct
import zlib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

import filon

from .helpers import Roles, World, root


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any socket connection fails: signing must need nothing but the key and the manifest."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("signing a declaration tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield


def _sign(world: World, roles: Roles, **fields: Any) -> filon.SignedDeclaration:
    values: dict[str, Any] = {
        "mine_id": world.mine,
        "fine_gold_mg": 70,
        "gross_mass_mg": 90,
        "passport_root": root("offline"),
        "recipient": roles.plant.address,
        "nonce": 0,
        "deadline": world.permit_expiry,
        "external_ref": "PIT-77",
        "passport_uri": "ipfs://offline",
    }
    values.update(fields)
    return filon.sign_declaration(roles.miner, world.deployment, **values)


def test_signing_needs_no_network(roles: Roles, tmp_path: Any, no_network: None) -> None:
    deployment = filon.Deployment(
        chain_id=11155111,
        address="0x" + "ab" * 20,
        deployment_block=7,
        transaction_hash="0x" + "cd" * 32,
        deployer=roles.registrar.address,
        compiler_version="0.8.30+commit.73712a01",
    )
    manifest = deployment.save(tmp_path / "deployment.json")

    signed = filon.sign_declaration(
        roles.miner,
        filon.Deployment.load(manifest),
        mine_id=1,
        fine_gold_mg=70,
        gross_mass_mg=90,
        passport_root=root("offline"),
        recipient=roles.plant.address,
        nonce=0,
        deadline=2_000_000_000,
    )

    assert signed.operator == roles.miner.address
    assert signed.domain == filon.DeclarationDomain(11155111, "0x" + "ab" * 20)
    assert len(signed.signature) == 65


def test_plant_submits_and_receives_the_lot(world: World, plant: filon.Client, roles: Roles) -> None:
    assert plant.declaration_nonce(roles.miner.address) == 0

    lot_id = plant.submit_declaration(_sign(world, roles))

    lot = plant.lot(lot_id)
    assert (lot.holder, lot.mine_id, lot.fine_gold_mg, lot.gross_mass_mg) == (
        roles.plant.address,
        world.mine,
        70,
        90,
    )
    assert (lot.passport_root, lot.passport_uri, lot.external_ref) == (
        root("offline"),
        "ipfs://offline",
        "PIT-77",
    )
    assert plant.declaration_nonce(roles.miner.address) == 1
    assert plant.lot_by_external_ref(roles.miner.address, "PIT-77") == lot_id


def test_replay_forgery_and_expiry_are_specific_errors(
    world: World, plant: filon.Client, roles: Roles
) -> None:
    signed = _sign(world, roles)
    plant.submit_declaration(signed)

    with pytest.raises(filon.InvalidAccountNonce) as replayed:
        plant.submit_declaration(signed)
    assert replayed.value.arguments == {"account": roles.miner.address, "current_nonce": 1}

    forged = filon.sign_declaration(
        roles.plant,
        world.deployment,
        mine_id=world.mine,
        fine_gold_mg=70,
        gross_mass_mg=90,
        passport_root=root("offline"),
        recipient=roles.plant.address,
        nonce=1,
        deadline=world.permit_expiry,
    )
    with pytest.raises(filon.InvalidDeclarationSignature) as info:
        plant.submit_declaration(forged)
    assert info.value.arguments == {"mine_id": world.mine, "operator": roles.miner.address}

    with pytest.raises(filon.InvalidDeclarationSignature):
        plant.submit_declaration(replace(_sign(world, roles, nonce=1), fine_gold_mg=71))

    with pytest.raises(filon.DeclarationExpired) as expired:
        plant.submit_declaration(_sign(world, roles, nonce=1, deadline=1))
    assert expired.value.arguments["deadline"] == 1


def test_declaration_for_another_deployment_is_refused_before_sending(
    world: World, plant: filon.Client, roles: Roles
) -> None:
    elsewhere = filon.DeclarationDomain(world.deployment.chain_id, "0x" + "42" * 20)
    signed = filon.sign_declaration(
        roles.miner,
        elsewhere,
        mine_id=world.mine,
        fine_gold_mg=70,
        gross_mass_mg=90,
        passport_root=root("offline"),
        recipient=roles.plant.address,
        nonce=0,
        deadline=world.permit_expiry,
    )

    with pytest.raises(filon.InvalidInput, match="signed for contract 0x4242"):
        plant.submit_declaration(signed)
    assert plant.declaration_nonce(roles.miner.address) == 0


def test_json_round_trip_is_compact_and_exact(world: World, roles: Roles) -> None:
    signed = _sign(world, roles)

    text = signed.to_json()

    assert " " not in text and "\n" not in text
    assert json.loads(text)["filon_declaration"] == 1
    assert filon.SignedDeclaration.from_json(text) == signed


@pytest.mark.parametrize(
    "text, reason",
    [
        ("not json", "invalid JSON"),
        ('{"mine_id": 1}', "no 'filon_declaration': 1 marker"),
        ('{"filon_declaration": 1, "mine_id": 1}', "missing field"),
    ],
)
def test_malformed_declaration_files_are_clear_errors(text: str, reason: str) -> None:
    with pytest.raises(filon.InvalidInput, match=reason):
        filon.SignedDeclaration.from_json(text)


def test_tampered_json_field_is_refused(world: World, roles: Roles) -> None:
    data = json.loads(_sign(world, roles).to_json())
    data["passport_root"] = "0x1234"

    with pytest.raises(filon.InvalidInput, match="passport_root must be 32 bytes"):
        filon.SignedDeclaration.from_json(json.dumps(data))


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", png[16:24])
    assert zlib.crc32(png[12:29]) == struct.unpack(">I", png[29:33])[0]
    return width, height


def test_qr_code_as_svg_and_png(world: World, roles: Roles) -> None:
    signed = _sign(world, roles)

    svg = signed.to_qr_svg()
    png = signed.to_qr_png()

    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    width, height = _png_size(png)
    assert width == height and width > 100


def test_fresh_keys_submit_in_any_order_and_cancel(world: World, plant: filon.Client, roles: Roles) -> None:
    miner = filon.connect(world.url, deployment=world.deployment, account=roles.miner)
    first = _sign(world, roles, nonce=filon.declaration_nonce(), external_ref="K-1")
    second = _sign(world, roles, nonce=filon.declaration_nonce(), external_ref="K-2")
    cancelled = _sign(world, roles, nonce=filon.declaration_nonce(), external_ref="K-3")

    later = plant.submit_declaration(second)
    earlier = plant.submit_declaration(first)
    miner.cancel_declaration(cancelled.nonce)

    assert (plant.lot(later).external_ref, plant.lot(earlier).external_ref) == ("K-2", "K-1")
    key = cancelled.nonce >> 64
    assert plant.declaration_nonce(roles.miner.address, key) == filon.declaration_nonce(key, 1)
    with pytest.raises(filon.InvalidAccountNonce) as info:
        plant.submit_declaration(cancelled)
    assert info.value.arguments == {
        "account": roles.miner.address,
        "current_nonce": filon.declaration_nonce(key, 1),
    }
    with pytest.raises(filon.InvalidInput, match="nonce key"):
        plant.declaration_nonce(roles.miner.address, 2**192)
