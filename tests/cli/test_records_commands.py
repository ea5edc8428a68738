"""`filon participant show|publish-record`, `filon mine publish-record` and `filon registry import`."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
from pathlib import Path

import pytest
from eth_account import Account

import filon

from .helpers import FAR_FUTURE, Filon, World, ok_json, one_error

HEADER = "register_code,holder_name,national_id,status,region,district,permit_number,expiry\n"


def _new_mine(world: World) -> int:
    operator = Account.create()
    admin = world.client(world.registrar)
    admin.register_participant(operator.address, filon.Role.MINE_OPERATOR)
    return int(admin.register_mine(operator.address, b"\1" * 32, FAR_FUTURE, "PE", b"\2" * 32, 10**6))


def test_publish_and_show_a_participant_record(world: World, keys: dict[str, Path], filon_cli: Filon) -> None:
    registrar = ("--account", str(keys["registrar"]))
    published = ok_json(
        filon_cli(
            "participant", "publish-record", world.refiner.address, "--name", "Orfebrería Miraflores S.A.C.",
            "--country", "PE", "--national-id", "20512345678", *registrar, "--json",
        )
    )  # fmt: skip

    shown = ok_json(filon_cli("participant", "show", world.refiner.address, "--json"))
    code, out, err = filon_cli("participant", "show", world.refiner.address)

    record = {"name": "Orfebrería Miraflores S.A.C.", "country": "PE", "national_id": "20512345678"}
    assert published["record"] == record
    assert shown == {
        "address": world.refiner.address,
        "role": "refiner",
        "record": record,
        "record_hash": "0x" + filon.record_hash(filon.ParticipantRecord(**record)).hex(),  # type: ignore[arg-type]
        "record_state": "verified",
        "verified": True,
    }
    assert (code, err) == (0, "")
    assert "Orfebrería Miraflores S.A.C." in out and "verified: the registrar published these bytes" in out


def test_a_record_from_a_file_and_a_bad_one(world: World, keys: dict[str, Path], filon_cli: Filon) -> None:
    mine_id = _new_mine(world)
    record = Path("huanca.json")
    record.write_text(json.dumps({"name": "Huanca", "region": "Ayacucho", "register_code": "R-77"}))
    registrar = ("--account", str(keys["registrar"]))

    ok_json(filon_cli("mine", "publish-record", str(mine_id), "--file", str(record), *registrar, "--json"))
    shown = ok_json(filon_cli("mine", "show", str(mine_id), "--json"))
    code, out, err = filon_cli("mine", "show", str(mine_id))

    assert (shown["record"], shown["record_state"], shown["verified"]) == (
        {"name": "Huanca", "region": "Ayacucho", "register_code": "R-77"},
        "verified",
        True,
    )
    assert (code, err) == (0, "")
    assert "Huanca" in out and "Ayacucho" in out and "verified: the registrar published these bytes" in out
    assert one_error(
        filon_cli("mine", "publish-record", str(mine_id), "--name", "Huanca", "--latitude", "95", *registrar)
    ) == ("Invalid MineRecord: region: Field required; latitude: Input should be less than or equal to 90")
    assert one_error(
        filon_cli("participant", "publish-record", world.plant.address, "--name", "X", "--country", "PE",
                  "--account", str(keys["plant"]))
    ).startswith(f"{world.plant.address} lacks the REGISTRAR_ROLE")  # fmt: skip


def test_a_register_import_applies_once(world: World, keys: dict[str, Path], filon_cli: Filon) -> None:
    mine_id = _new_mine(world)
    registrar = ("--account", str(keys["registrar"]))
    ok_json(
        filon_cli("mine", "publish-record", str(mine_id), "--name", "Ananea", "--region", "Puno",
                  "--register-code", "R-88", *registrar, "--json")
    )  # fmt: skip
    register = Path("reinfo.csv")
    register.write_text(
        HEADER + "R-88,Ananea,,SUSPENDIDO,Puno,,,2090-01-01\nR-99,,,VIGENTE,,,,2090-01-01\nR-88\n"
    )

    code, out, err = filon_cli(
        "registry", "import", str(register), "--date", "2026-11-01", "--yes", *registrar
    )
    again = ok_json(
        filon_cli("registry", "import", str(register), "--date", "2026-11-01", *registrar, "--json")
    )

    snapshot = hashlib.sha256(register.read_bytes()).digest()
    assert (code, err.count("Reading the register")) == (0, 1)
    assert out.splitlines()[:6] == [
        f"Register snapshot 0x{snapshot.hex()}: 3 rows",
        f"  row 2: mine {mine_id} (R-88): permit until 2090-01-01",
        f"  row 2: mine {mine_id} (R-88): suspend",
        "  row 3: unknown register code R-99",
        "  row 4: error: status is empty",
        "Changes: 1 permit, 1 suspend",
    ]
    assert out.splitlines()[6].startswith("Applied in one transaction (0x")
    mine = world.client().mine(filon.MineId(mine_id))
    assert mine.status is filon.MineStatus.SUSPENDED
    (recorded,) = [s for s in world.client().register_snapshots() if s.snapshot_hash == snapshot]
    day = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    assert recorded.snapshot_date == int(day.timestamp())
    assert (again["changes"], again["transaction"], again["errors"]) == (
        [],
        None,
        [{"row": 4, "message": "status is empty"}],
    )
    unusable = Path("unusable.csv")
    unusable.write_text(HEADER + "R-88,,,VIGENTE,,,,2090/01/01\n,,,VIGENTE,,,,2090-01-01\n")
    code, out, err = filon_cli("registry", "import", str(unusable), "--yes", *registrar)
    assert code == 1 and "  row 2: error: expiry '2090/01/01' is not a date YYYY-MM-DD" in out
    assert err.endswith("Error: None of the register's 2 rows could be used: nothing to apply\n")


def test_a_register_import_asks_first(
    world: World, keys: dict[str, Path], filon_cli: Filon, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine_id = _new_mine(world)
    registrar = ("--account", str(keys["registrar"]))
    ok_json(
        filon_cli("mine", "publish-record", str(mine_id), "--name", "Pampa", "--region", "Madre de Dios",
                  "--register-code", "R-66", *registrar, "--json")
    )  # fmt: skip
    register = Path("reinfo.csv")
    register.write_text(HEADER + "R-66,,,EXCLUIDO,,,,2090-01-01\n")
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))

    code, out, err = filon_cli("registry", "import", str(register), *registrar)

    assert code == 1 and "Apply 2 changes in one transaction? [y/N]:" in err and err.endswith("Aborted.\n")
    assert f"  row 2: mine {mine_id} (R-66): suspend" in out
    assert world.client().mine(filon.MineId(mine_id)).status is filon.MineStatus.ACTIVE
