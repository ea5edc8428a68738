"""Participant and mine records: published by the registrar, stored as canonical JSON, checked on read."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

import filon

from .helpers import Roles, World, nonce

ORFEBRERIA = filon.ParticipantRecord(
    name="Orfebrería Miraflores S.A.C.", country="PE", national_id="20512345678", website="https://om.pe"
)
HUANCA = filon.MineRecord(name="Huanca", region="Ayacucho", district="Sancos", register_code="REINFO-0042")


@pytest.fixture
def store(tmp_path: Path) -> filon.DocumentStore:
    return filon.DocumentStore(tmp_path / "store")


def _client(world: World, account: object, store: filon.DocumentStore) -> filon.Client:
    return filon.connect(world.url, deployment=world.deployment, account=account, store=store)  # type: ignore[arg-type]


def test_a_record_is_its_canonical_json_and_its_sha256() -> None:
    data = b'{"country":"PE","name":"Orfebrer\xc3\xada Miraflores S.A.C.","national_id":"20512345678",' + (
        b'"website":"https://om.pe"}'
    )

    assert filon.record_hash(ORFEBRERIA) == hashlib.sha256(data).digest()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "X", "country": "XX"}, "'XX' is not an assigned ISO 3166-1 alpha-2 country code"),
        ({"name": "", "country": "PE"}, "String should have at least 1 character"),
        ({"name": "X", "country": "PE", "tax": "1"}, "Extra inputs are not permitted"),
        ({"name": "X", "country": "PE", "website": "om.pe"}, "String should match pattern"),
    ],
)
def test_participant_record_rules(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        filon.ParticipantRecord.model_validate(fields)


def test_mine_record_coordinates_are_in_range() -> None:
    with pytest.raises(ValidationError, match="Input should be less than or equal to 90"):
        filon.MineRecord(name="Huanca", region="Ayacucho", latitude=91.0)


def test_publish_and_read_a_participant_record(
    world: World, roles: Roles, store: filon.DocumentStore
) -> None:
    registrar, reader = _client(world, roles.registrar, store), _client(world, None, store)
    assert reader.participant(roles.plant.address) == filon.Participant(
        roles.plant.address, filon.Role.PROCESSOR, None, None, filon.RecordState.NONE
    )

    first = filon.ParticipantRecord(name="v1", country="PE")
    registrar.publish_participant_record(roles.plant.address, first)
    registrar.publish_participant_record(roles.plant.address.lower(), ORFEBRERIA)

    found = reader.participant(roles.plant.address.lower())
    assert found == filon.Participant(
        roles.plant.address,
        filon.Role.PROCESSOR,
        ORFEBRERIA,
        filon.record_hash(ORFEBRERIA),
        filon.RecordState.VERIFIED,
    )
    assert (found.verified, found.name) == (True, "Orfebrería Miraflores S.A.C.")


def test_an_altered_record_is_not_verified(world: World, roles: Roles, store: filon.DocumentStore) -> None:
    registrar = _client(world, roles.registrar, store)
    registrar.publish_participant_record(roles.plant.address, ORFEBRERIA)
    stored = store.path / filon.cid_for_sha256(filon.record_hash(ORFEBRERIA).hex())
    altered = json.loads(stored.read_bytes()) | {"name": "Someone Else S.A."}
    stored.write_bytes(json.dumps(altered).encode())

    found = registrar.participant(roles.plant.address)

    assert (found.record, found.record_state, found.verified) == (None, filon.RecordState.MISMATCH, False)
    assert found.record_hash == filon.record_hash(ORFEBRERIA)


def test_a_record_missing_from_the_store(
    world: World, roles: Roles, store: filon.DocumentStore, tmp_path: Path
) -> None:
    _client(world, roles.registrar, store).publish_mine_record(world.mine, HUANCA)

    elsewhere = _client(world, None, filon.DocumentStore(tmp_path / "empty"))

    mine = elsewhere.mine(world.mine)
    assert (mine.record, mine.record_state, mine.verified) == (None, filon.RecordState.MISSING, False)


def test_publish_and_read_a_mine_record(world: World, roles: Roles, store: filon.DocumentStore) -> None:
    registrar = _client(world, roles.registrar, store)
    assert registrar.mine(world.mine).record_state is filon.RecordState.NONE

    registrar.publish_mine_record(world.mine, HUANCA)

    mine = _client(world, None, store).mine(world.mine)
    assert (mine.record, mine.verified, mine.passport_hash) == (HUANCA, True, filon.record_hash(HUANCA))
    assert store.get(filon.cid_for_sha256(mine.passport_hash.hex())) == (
        b'{"district":"Sancos","name":"Huanca","region":"Ayacucho","register_code":"REINFO-0042"}'
    )


def test_a_mine_hash_that_is_not_a_record(world: World, roles: Roles, store: filon.DocumentStore) -> None:
    registrar = _client(world, roles.registrar, store)
    store.put(b'{"name":"Huanca"}')
    registrar.set_mine_passport(world.mine, hashlib.sha256(b'{"name":"Huanca"}').digest())

    assert registrar.mine(world.mine).record_state is filon.RecordState.MISMATCH


def test_only_the_registrar_publishes_records(world: World, roles: Roles, store: filon.DocumentStore) -> None:
    plant = _client(world, roles.plant, store)
    before = nonce(world.url, roles.plant)

    with pytest.raises(filon.Unauthorized) as participant:
        plant.publish_participant_record(roles.plant.address, ORFEBRERIA)
    with pytest.raises(filon.Unauthorized) as mine:
        plant.publish_mine_record(world.mine, HUANCA)

    for info in (participant, mine):
        assert (info.value.account, info.value.role_name) == (roles.plant.address, "REGISTRAR_ROLE")
    assert nonce(world.url, roles.plant) == before


def test_records_of_whom_the_chain_does_not_know(
    world: World, roles: Roles, store: filon.DocumentStore
) -> None:
    registrar = _client(world, roles.registrar, store)

    with pytest.raises(filon.NotParticipant):
        registrar.publish_participant_record(roles.outsider.address, ORFEBRERIA)
    with pytest.raises(filon.UnknownMine) as info:
        registrar.publish_mine_record(filon.MineId(99), HUANCA)

    assert info.value.mine_id == 99
