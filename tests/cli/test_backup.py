"""`filon backup create` / `restore`: the salts and the document store survive the loss of the disk they were
on, and a backup that does not open (wrong passphrase, altered bytes) or would replace a differing file
restores nothing."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import shutil
import stat
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import filon
from filon import _backup
from filon._backup import read_backup
from filon._cli import cli
from filon.passport import CarbonEmissions, Document, DocumentType, Facility, LotReference, Party, Quantity

from .helpers import PERMIT_PDF, Filon, World, ok_json, one_error

PASSPHRASE = "vetas de oro en la sierra"


def _passport(kg_co2e: float) -> filon.Passport:
    return filon.Passport(
        lot=LotReference(batch_id="B-7"),
        producer=Party(name="Cooperativa Santa Rosa"),
        facility=Facility(mine_id=1, name="Santa Rosa", country="PE"),
        production_date=datetime.date(2026, 11, 2),
        quantity=Quantity(gross_mass_mg=40_000_000, fineness_ppt=21.25, fine_gold_mg=850_000),
        conformity=[
            Document(
                type=DocumentType.MINING_PERMIT,
                issuer="MINEM",
                date=datetime.date(2026, 1, 5),
                sha256=hashlib.sha256(PERMIT_PDF).hexdigest(),
            )
        ],
        carbon=CarbonEmissions(
            kg_co2e=kg_co2e, scope=[1, 2], method="GHG Protocol", boundary="cradle-to-gate"
        ),
    )


@pytest.fixture
def lot_with_two_versions(world: World, keys: dict[str, Path], tmp_path: Path) -> filon.LotId:
    """A lot the miner declared with a passport (version 1: 12.5 kg CO2e) and updated (version 2: 9 kg), its
    store in `tmp_path / "store"` (FILON_STORE) and its salts in `tmp_path / "salts"`."""
    miner = world.client(world.miner, store=tmp_path / "store")
    lot_id = miner.declare_lot_with_passport(
        filon.MineId(1),
        _passport(12.5),
        documents={"permit.pdf": PERMIT_PDF},
        external_ref=f"BK-{tmp_path.name}",
    )
    miner.publish_passport(lot_id, _passport(9.0))
    return lot_id


def _disclose_v1(filon_cli: Filon, lot_id: int, out: Path) -> tuple[int, str, str]:
    return filon_cli(
        "passport", "disclose", str(lot_id), "carbon", "--version", "1", "--out", str(out), "--json"
    )


def test_a_lost_disk_is_restored_and_an_old_version_disclosed(
    world: World,
    keys: dict[str, Path],
    tmp_path: Path,
    lot_with_two_versions: filon.LotId,
    filon_cli: Filon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lot_id = lot_with_two_versions
    monkeypatch.setenv("FILON_BACKUP_PASSPHRASE", PASSPHRASE)
    backup = tmp_path / "elsewhere" / "filon.backup"
    store, salts = tmp_path / "store", tmp_path / "salts"
    secret_files = sorted(p.relative_to(salts).as_posix() for p in salts.rglob("*") if p.is_file())
    documents = sorted(p.name for p in store.iterdir())

    created = ok_json(filon_cli("backup", "create", str(backup), "--account", str(keys["miner"]), "--json"))
    shutil.rmtree(store)
    shutil.rmtree(salts)
    lost = _disclose_v1(filon_cli, lot_id, tmp_path / "lost.json")
    restored = ok_json(filon_cli("backup", "restore", str(backup), "--json"))
    disclosed = ok_json(_disclose_v1(filon_cli, lot_id, tmp_path / "carbon-v1.json"))

    assert created == {
        "file": str(backup),
        "secrets_folder": str(salts),
        "store": str(store),
        "secrets": len(secret_files),
        "documents": len(documents),
    }
    assert len(secret_files) == 4  # versions 1 and 2, by lot and by root
    assert one_error(lost) == f"No salts are kept for lot {lot_id} version 1 in {salts}"
    assert restored["written"] == len(secret_files) + len(documents) and restored["unchanged"] == 0
    deployment = {
        "chain_id": world.deployment.chain_id,
        "contract": world.deployment.address,
    }  # FILON_DEPLOYMENT
    assert (restored["deployment"], restored["account"]) == (deployment, world.miner.address)
    assert sorted(p.relative_to(salts).as_posix() for p in salts.rglob("*") if p.is_file()) == secret_files
    assert sorted(p.name for p in store.iterdir()) == documents
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in salts.rglob("*") if p.is_file())
    assert disclosed == {
        "lot_id": lot_id,
        "version": 1,
        "fields": ["carbon"],
        "out": str(tmp_path / "carbon-v1.json"),
    }
    proof = filon.Disclosure.model_validate_json((tmp_path / "carbon-v1.json").read_text())
    assert proof.fields["carbon"].value["kg_co2e"] == 12.5
    world.client().verify_disclosure(proof)
    assert PASSPHRASE not in json.dumps([created, restored])
    assert not backup.read_bytes().count(PERMIT_PDF)  # encrypted: not even the public document shows


def test_restoring_again_writes_nothing_and_the_manifest_says_what_it_holds(
    world: World,
    keys: dict[str, Path],
    tmp_path: Path,
    lot_with_two_versions: filon.LotId,
    filon_cli: Filon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FILON_BACKUP_PASSPHRASE", PASSPHRASE)
    backup = tmp_path / "filon.backup"
    ok_json(filon_cli("backup", "create", str(backup), "--deployment", str(keys["deployment"]), "--json"))

    again = ok_json(filon_cli("backup", "restore", str(backup), "--json"))
    contents, files = read_backup(backup, PASSPHRASE)

    assert again["written"] == 0 and again["unchanged"] == len(files)
    assert contents.deployment == {
        "chain_id": world.deployment.chain_id,
        "contract": world.deployment.address,
    }
    assert contents.account is None
    salts = tmp_path / "salts"
    assert {("secrets", p.relative_to(salts).as_posix()) for p in salts.rglob("*") if p.is_file()} == {
        key for key in files if key[0] == "secrets"
    }
    assert files[("store", filon.cid_for_sha256(hashlib.sha256(PERMIT_PDF).hexdigest()))] == PERMIT_PDF


def test_a_wrong_passphrase_or_an_altered_file_restores_nothing(
    keys: dict[str, Path],
    tmp_path: Path,
    lot_with_two_versions: filon.LotId,
    filon_cli: Filon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FILON_BACKUP_PASSPHRASE", PASSPHRASE)
    backup = tmp_path / "filon.backup"
    ok_json(filon_cli("backup", "create", str(backup), "--json"))
    shutil.rmtree(tmp_path / "salts")
    altered = tmp_path / "altered.backup"
    data = bytearray(backup.read_bytes())
    data[-40] ^= 1
    altered.write_bytes(bytes(data))

    monkeypatch.setenv("FILON_BACKUP_PASSPHRASE", PASSPHRASE + "!")
    wrong = filon_cli("backup", "restore", str(backup))
    monkeypatch.setenv("FILON_BACKUP_PASSPHRASE", PASSPHRASE)
    tampered = filon_cli("backup", "restore", str(altered))
    not_a_backup = filon_cli("backup", "restore", str(keys["miner"]))

    refused = "does not open: wrong passphrase, or the file was altered or damaged"
    assert one_error(wrong) == f"{backup} {refused}"
    assert one_error(tampered) == f"{altered} {refused}"
    assert one_error(not_a_backup) == f"{keys['miner']} is not a Filón backup file"
    assert not (tmp_path / "salts").exists()


def test_a_backup_is_never_overwritten_and_a_differing_file_never_replaced(
    tmp_path: Path, keys: dict[str, Path], lot_with_two_versions: filon.LotId, filon_cli: Filon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("FILON_BACKUP_PASSPHRASE", PASSPHRASE)
    backup = tmp_path / "filon.backup"
    ok_json(filon_cli("backup", "create", str(backup), "--json"))
    sealed = backup.read_bytes()
    salts = tmp_path / "salts"
    changed = next(p for p in sorted(salts.rglob("lot-*-v1.json")))
    changed.write_text("{}")
    missing = next(p for p in sorted(salts.rglob("lot-*-v2.json")))
    missing.unlink()

    again = filon_cli("backup", "create", str(backup))
    conflict = filon_cli("backup", "restore", str(backup))

    assert one_error(again) == f"{backup} already exists: a backup is never overwritten, choose another file"
    assert backup.read_bytes() == sealed
    assert one_error(conflict) == (
        f"Not restored: 1 file(s) already there differ from the backup's ({changed}); move them away and "
        "restore again"
    )
    assert changed.read_text() == "{}" and not missing.exists()


def test_the_passphrase_is_asked_twice_never_shown_and_must_be_long_enough(
    tmp_path: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FILON_BACKUP_PASSPHRASE", raising=False)
    runner = CliRunner()

    short = runner.invoke(
        cli, ["backup", "create", str(tmp_path / "a.backup")], input="too short\ntoo short\n"
    )
    made = runner.invoke(
        cli,
        ["backup", "create", str(tmp_path / "b.backup")],
        input=f"{PASSPHRASE}\nother\n{PASSPHRASE}\n{PASSPHRASE}\n",
    )

    assert isinstance(short.exception, filon.InvalidInput)
    assert str(short.exception).startswith("A backup passphrase has at least 10 characters")
    assert not (tmp_path / "a.backup").exists()
    assert made.exit_code == 0, made.output
    assert "Error: The two entered values do not match." in made.output
    assert PASSPHRASE not in made.output
    assert read_backup(tmp_path / "b.backup", PASSPHRASE)[0].secrets == ()


def test_an_entry_leading_out_of_its_folder_restores_nothing(tmp_path: Path) -> None:
    """Even a file sealed with the right passphrase (so it opens) is read entry by entry: only plain files
    under `secrets/` and `store/` are accepted, never a name climbing out of them."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for name in ("manifest.json", "secrets/ok.json", "secrets/../../escaped.json"):
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"{}"))
    sealed = tmp_path / "crafted.backup"
    sealed.write_bytes(_backup._seal(archive.getvalue(), PASSPHRASE))

    with pytest.raises(filon.BackupRefused) as refused:
        _backup.restore_backup(
            sealed,
            PASSPHRASE,
            secrets_folder=tmp_path / "in" / "salts",
            store_folder=tmp_path / "in" / "store",
        )

    assert str(refused.value) == (
        f"{sealed} opens but is not a Filón backup this version reads "
        "(unexpected entry 'secrets/../../escaped.json')"
    )
    assert not (tmp_path / "in").exists() and not (tmp_path / "escaped.json").exists()
