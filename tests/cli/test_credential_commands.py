"""`filon passport credential|epcis|verify-credential` on a real Anvil: exports anyone checks offline."""

from __future__ import annotations

import json
from pathlib import Path

from standards import epcis_errors, untp_dpp_errors, verify_vc_jwt_independently

from .helpers import PERMIT_PDF, Filon, World, ok_json, one_error, write_passport


def _declare(keys: dict[str, Path], tmp_path: Path, filon_cli: Filon, ref: str) -> str:
    """An ore lot the miner declares with a passport citing its permit; its id as an argument."""
    (tmp_path / "permit.pdf").write_bytes(PERMIT_PDF)
    passport = write_passport(tmp_path / f"{ref}.json", mine_id=1, fine_mg=850_000, gross_mg=40_000_000)
    declared = ok_json(
        filon_cli(
            "lot", "declare", "--mine", "1", "--passport", str(passport),
            "--document", str(tmp_path / "permit.pdf"), "--external-ref", ref,
            "--account", str(keys["miner"]), "--json",
        )
    )  # fmt: skip
    return str(declared["lot_id"])


def test_a_passport_credential_and_events_exported_and_checked_offline(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    lot_id = _declare(keys, tmp_path, filon_cli, "PLANT-0101")
    miner = ("--account", str(keys["miner"]))

    code, out, err = filon_cli(
        "passport", "credential", lot_id, "--issuer-name", "Cooperativa Santa Rosa", *miner
    )
    jwt_code, jwt_out, jwt_err = filon_cli("passport", "credential", lot_id, "--jwt", *miner)
    events = ok_json(filon_cli("passport", "epcis", lot_id))
    (tmp_path / "credential.json").write_text(out)
    (tmp_path / "credential.jwt").write_text(jwt_out)
    checked = ok_json(filon_cli("passport", "verify-credential", str(tmp_path / "credential.json"), "--json"))
    checked_jwt = ok_json(
        filon_cli("passport", "verify-credential", str(tmp_path / "credential.jwt"), "--json")
    )

    assert (code, err, jwt_code, jwt_err) == (0, "", 0, "")
    credential = json.loads(out)
    assert untp_dpp_errors(credential) == []
    assert credential["issuer"]["name"] == "Cooperativa Santa Rosa"
    assert credential["proof"]["type"] == "JwtProof2020"
    address, claims = verify_vc_jwt_independently(jwt_out.strip())
    assert address == world.miner.address
    assert epcis_errors(events) == []
    assert [e["bizStep"] for e in events["epcisBody"]["eventList"]] == ["commissioning"]
    lot = credential["credentialSubject"]["id"]
    assert checked == {
        "file": str(tmp_path / "credential.json"),
        "issuer": world.miner.address,
        "id": f"{lot}:passport:1",
        "subject": lot,
        "valid_from": credential["validFrom"],
    }
    assert checked_jwt == {
        **checked,
        "file": str(tmp_path / "credential.jwt"),
        "valid_from": claims["vc"]["validFrom"],  # issued a moment later
    }
    code, out, err = filon_cli("passport", "verify-credential", str(tmp_path / "credential.jwt"))
    assert (code, err) == (0, "")
    assert out == (
        f"{tmp_path / 'credential.jwt'}: credential {lot}:passport:1 about {lot}, "
        f"signed by its issuer {world.miner.address}\n"
    )


def test_an_altered_or_unreadable_credential_is_refused(
    keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    lot_id = _declare(keys, tmp_path, filon_cli, "PLANT-0102")
    _, out, _ = filon_cli("passport", "credential", lot_id, "--account", str(keys["miner"]))
    altered = json.loads(out)
    altered["credentialSubject"]["product"]["countryOfProduction"] = "CH"
    (tmp_path / "altered.json").write_text(json.dumps(altered))
    (tmp_path / "binary.jwt").write_bytes(b"\xff\xfe")
    (tmp_path / "broken.json").write_text("{not json")

    assert one_error(filon_cli("passport", "verify-credential", str(tmp_path / "altered.json"))) == (
        "the credential differs from the one its JWT signs"
    )
    assert one_error(filon_cli("passport", "verify-credential", str(tmp_path / "binary.jwt"))).startswith(
        f"{tmp_path / 'binary.jwt'} is neither a JSON credential nor a JWT: 'utf-8' codec can't decode"
    )
    assert one_error(filon_cli("passport", "verify-credential", str(tmp_path / "broken.json"))).startswith(
        f"{tmp_path / 'broken.json'} is neither a JSON credential nor a JWT: Expecting property name"
    )
    assert one_error(filon_cli("passport", "verify-credential", str(tmp_path / "missing.json"))) == (
        f"Cannot read credential {tmp_path / 'missing.json'}: No such file or directory"
    )
