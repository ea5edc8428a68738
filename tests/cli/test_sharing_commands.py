"""`filon participant publish-key` and `filon passport grant|show|revoke`: confidential layers from the
command line (the runner checks that no key is ever printed)."""

from __future__ import annotations

from pathlib import Path

import filon
from filon.passport import field_names
from filon.passport._layers import encryption_public_key

from .helpers import Filon, World, ok_json, one_error, write_passport


def test_publish_a_key_grant_show_and_revoke(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    passport = write_passport(tmp_path / "ore.json", mine_id=1, fine_mg=850_000, gross_mg=40_000_000)
    lot = ok_json(
        filon_cli(
            "lot", "declare", "--mine", "1", "--passport", str(passport), "--external-ref", "CONF-0001",
            "--public", "lot", "--public", "facility", "--public", "quantity",
            "--account", str(keys["miner"]), "--json",
        )
    )["lot_id"]  # fmt: skip

    published = ok_json(filon_cli("participant", "publish-key", "--account", str(keys["refiner"]), "--json"))
    granted = ok_json(
        filon_cli(
            "passport", "grant", str(lot), world.refiner.address, "--account", str(keys["miner"]), "--json"
        )
    )
    shown = ok_json(filon_cli("passport", "show", str(lot), "--account", str(keys["refiner"]), "--json"))
    hidden = ok_json(filon_cli("passport", "show", str(lot), "--account", str(keys["plant"]), "--json"))
    refused = one_error(
        filon_cli("passport", "grant", str(lot), world.plant.address, "--account", str(keys["miner"]))
    )
    revoked = ok_json(
        filon_cli(
            "passport", "revoke", str(lot), world.refiner.address, "--account", str(keys["miner"]), "--json"
        )
    )

    reader = world.client()
    assert reader.encryption_key(world.refiner.address) == encryption_public_key(bytes(world.refiner.key))
    assert published == {"address": world.refiner.address, "transaction": published["transaction"]}
    assert granted == {
        "lot_id": lot,
        "reader": world.refiner.address,
        "with_provenance": False,
        "transaction": granted["transaction"],
    }
    statuses = {name: field["status"] for name, field in shown["fields"].items()}
    assert statuses == {
        name: "published" if name in ("lot", "facility", "quantity") else "decrypted"
        for name in field_names("1.0")
    }
    assert shown["fields"]["producer"]["value"] == {"address": None, "name": "Cooperativa Santa Rosa"}
    assert {name: field["status"] for name, field in hidden["fields"].items()} == {
        name: "published" if name in ("lot", "facility", "quantity") else "withheld"
        for name in field_names("1.0")
    }
    assert all(field["value"] is None for field in hidden["fields"].values() if field["status"] == "withheld")
    assert refused == (
        f"{world.plant.address} has published no encryption key (it must run `filon participant publish-key` "
        "first), so no content key can be wrapped for it"
    )
    assert revoked["reader"] == world.refiner.address
    assert reader.access_grants(filon.LotId(lot)) == []
