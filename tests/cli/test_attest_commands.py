"""`filon attest issue|revoke|verify` on a real Anvil: a laboratory the registrar admits issues an assay
credential about a lot, anyone verifies it as valid, then as revoked; a non-attester is refused."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

import filon
from standards import untp_dcc_errors, verify_vc_jwt_independently

from .helpers import Filon, World, keystore, ok_json, one_error, usage_error

EXPLORER = "https://trace.example.org"


@pytest.fixture
def laboratory(world: World, keys: dict[str, Path], filon_cli: Filon, tmp_path: Path) -> Path:
    """A new funded account the registrar admits as a laboratory through the CLI; its keystore."""
    account: LocalAccount = Account.create()
    Web3(HTTPProvider(world.anvil.url)).provider.make_request(
        "anvil_setBalance",  # type: ignore[arg-type]
        [account.address, hex(10**20)],
    )
    admitted = ok_json(
        filon_cli(
            "participant", "add", account.address, "--role", "laboratory",
            "--account", str(keys["registrar"]), "--json",
        )
    )  # fmt: skip
    assert admitted["role"] == "laboratory"
    return keystore(tmp_path / "keys", account, "laboratory")


def _lot(world: World) -> str:
    """An ore lot the miner declares (through the library: the command under test is `attest`)."""
    miner = world.client(world.miner)
    return str(
        miner.declare_lot(filon.MineId(1), fine_gold_mg=10, gross_mass_mg=12, passport_root=b"\5" * 32)
    )


def test_issue_verify_and_revoke_an_assay_credential(
    world: World, keys: dict[str, Path], laboratory: Path, filon_cli: Filon, tmp_path: Path
) -> None:
    lot_id = _lot(world)
    report = tmp_path / "assay-report.pdf"
    report.write_bytes(b"%PDF-1.7 fire assay: 999.9 fine")
    out = tmp_path / "assay.json"

    issued = ok_json(
        filon_cli(
            "attest", "issue", "lot", lot_id, "--assessment", "assay", "--conforms",
            "--result", "Fire assay: 999.9 fine", "--measure", "fineness=999.9:NX",
            "--evidence", str(report), "--valid-until", "2099-01-01", "--issuer-name", "Laboratorio Andino",
            "--status-url", EXPLORER, "--out", str(out), "--account", str(laboratory), "--json",
        )
    )  # fmt: skip
    credential = json.loads(out.read_text())
    valid = ok_json(filon_cli("attest", "verify", str(out), "--json"))
    revoked = ok_json(filon_cli("attest", "revoke", str(out), "--account", str(laboratory), "--json"))
    code, stdout, err = filon_cli("attest", "verify", str(out))

    unsigned = {key: value for key, value in credential.items() if key != "proof"}
    assert untp_dcc_errors(unsigned) == []
    assert verify_vc_jwt_independently(credential["proof"]["jwt"])[1]["vc"] == unsigned
    assert credential["validUntil"] == "2099-01-01T00:00:00Z"
    assessment = credential["credentialSubject"]["assessment"][0]
    assert assessment["declaredValue"] == [
        {"metricName": "fineness", "metricValue": {"value": 999.9, "unit": "NX"}}
    ]
    assert credential["credentialSubject"]["auditableEvidence"]["linkName"] == "assay-report.pdf"
    assert issued["subject"] == f"lot {lot_id}" and issued["file"] == str(out)
    assert hashlib.sha256(credential["proof"]["jwt"].encode()).hexdigest() == issued["credential_hash"][2:]
    assert valid == {
        "file": str(out),
        "status": "valid",
        "issuer": credential["issuer"]["id"].rsplit(":", 1)[1],
        "id": credential["id"],
        "checked_in": f"chain {world.deployment.chain_id}",
        "anchoring_checked": True,
    }
    assert revoked["credential_hash"] == issued["credential_hash"]
    assert (code, err) == (1, "")
    assert (
        stdout == f"{out}: revoked (credential {credential['id']}, revocation checked in the chain 31337)\n"
    )


def test_a_jwt_credential_about_a_mine(
    keys: dict[str, Path], laboratory: Path, filon_cli: Filon, tmp_path: Path
) -> None:
    code, token, err = filon_cli(
        "attest", "issue", "mine", "1", "--assessment", "oecd_annex_ii", "--does-not-conform",
        "--jwt", "--status-url", EXPLORER, "--account", str(laboratory),
    )  # fmt: skip
    (tmp_path / "review.jwt").write_text(token)

    verified = ok_json(filon_cli("attest", "verify", str(tmp_path / "review.jwt"), "--json"))

    assert (code, err) == (0, "")
    claims = verify_vc_jwt_independently(token.strip())[1]
    assert claims["vc"]["credentialSubject"]["assessment"][0]["conformance"] is False
    assert verified["status"] == "valid"


def test_a_non_attester_is_refused(world: World, keys: dict[str, Path], filon_cli: Filon) -> None:
    lot_id = _lot(world)

    error = one_error(
        filon_cli(
            "attest", "issue", "lot", lot_id, "--assessment", "assay", "--conforms", "--status-url", EXPLORER,
            "--account", str(keys["plant"]),
        )
    )  # fmt: skip

    assert error.endswith("is not admitted as an attester (auditor or laboratory).")


def test_usage_errors(keys: dict[str, Path], filon_cli: Filon, tmp_path: Path) -> None:
    bad_measure = usage_error(
        filon_cli(
            "attest", "issue", "lot", "1", "--assessment", "assay", "--conforms", "--measure", "fineness"
        )
    )
    bad_kind = usage_error(filon_cli("attest", "issue", "plant", "1", "--assessment", "assay", "--conforms"))
    (tmp_path / "junk.json").write_text("[1]")
    no_status = one_error(
        filon_cli(
            "attest",
            "issue",
            "lot",
            "1",
            "--assessment",
            "assay",
            "--conforms",
            "--account",
            str(keys["plant"]),
        )
    )

    assert (
        bad_measure
        == "Invalid value for '--measure': 'fineness' is not NAME=VALUE:UNIT, e.g. fineness=999.9:NX"
    )
    assert bad_kind == "Invalid value for '{lot|mine}': 'plant' is not one of 'lot', 'mine'."
    assert no_status == "Give --status-url (or FILON_STATUS_URL): the explorer that serves your status list"
    assert one_error(filon_cli("attest", "verify", str(tmp_path / "junk.json"))) == "not a compact JWT: '[1]'"


def test_an_unreachable_status_list_is_one_line(
    world: World, keys: dict[str, Path], laboratory: Path, filon_cli: Filon, tmp_path: Path
) -> None:
    out = tmp_path / "assay.jwt"
    ok_json(
        filon_cli(
            "attest", "issue", "lot", _lot(world), "--assessment", "assay", "--conforms", "--jwt",
            "--status-url", "http://127.0.0.1:9", "--out", str(out), "--account", str(laboratory), "--json",
        )
    )  # fmt: skip

    error = one_error(filon_cli("attest", "verify", str(out), "--status-list"))

    assert error.startswith("cannot fetch the status list http://127.0.0.1:9/status/0x")


def _anchorings(world: World) -> int:
    """How many credentials were ever anchored on the deployment (raw logs)."""
    return len(
        Web3(HTTPProvider(world.anvil.url)).eth.get_logs(
            {
                "address": world.deployment.address,
                "fromBlock": world.deployment.deployment_block,
                "topics": [Web3.keccak(text="AttestationAnchored(bytes32,address,uint8,uint256)")],
            }
        )
    )


def test_an_existing_out_file_is_refused_before_anything_is_anchored(
    world: World, laboratory: Path, filon_cli: Filon, tmp_path: Path
) -> None:
    lot_id = _lot(world)
    out = tmp_path / "assay.json"
    out.write_text("kept\n")
    before = _anchorings(world)

    error = one_error(
        filon_cli(
            "attest", "issue", "lot", lot_id, "--assessment", "assay", "--conforms", "--status-url", EXPLORER,
            "--out", str(out), "--account", str(laboratory),
        )
    )  # fmt: skip

    assert error == f"{out} already exists: choose another --out"
    assert out.read_text() == "kept\n"
    assert _anchorings(world) == before


@pytest.fixture
def status_server() -> Iterator[tuple[str, dict[str, bytes], list[str]]]:
    """A plain HTTP server on localhost: its base URL, the bodies it serves by path, the paths asked for."""
    served: dict[str, bytes] = {}
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            body = served.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", served, requested
    finally:
        server.shutdown()
        server.server_close()


def test_a_status_list_answer_says_what_it_did_not_check_and_a_forgery_fetches_nothing(
    world: World,
    laboratory: Path,
    filon_cli: Filon,
    tmp_path: Path,
    status_server: tuple[str, dict[str, bytes], list[str]],
) -> None:
    base, served, requested = status_server
    out = tmp_path / "assay.json"
    ok_json(
        filon_cli(
            "attest", "issue", "lot", _lot(world), "--assessment", "assay", "--conforms",
            "--status-url", base, "--out", str(out), "--account", str(laboratory), "--json",
        )
    )  # fmt: skip
    credential = json.loads(out.read_text())
    attester = credential["issuer"]["id"].rsplit(":", 1)[1]
    listed = filon.connect(world.anvil.url, deployment=world.deployment).status_list(attester, base)
    served[f"/status/{attester}"] = json.dumps(listed).encode()
    # the JSON beside the proof now names another list: the JWT no longer signs it
    forged = tmp_path / "forged.json"
    entry = {**credential["credentialStatus"], "statusListCredential": f"{base}/status/forged"}
    forged.write_text(json.dumps({**credential, "credentialStatus": entry}))

    code, stdout, err = filon_cli("attest", "verify", str(out), "--status-list")
    as_json = ok_json(filon_cli("attest", "verify", str(out), "--status-list", "--json"))
    error = one_error(filon_cli("attest", "verify", str(forged), "--status-list"))

    assert (code, err) == (0, "")
    assert stdout == (
        f"{out}: valid (credential {credential['id']}): not revoked per the status list at "
        f"{base}/status/{attester}; anchoring on chain not checked (give --rpc and --deployment instead of "
        "--status-list to check it)\n"
    )
    assert (as_json["status"], as_json["anchoring_checked"]) == ("valid", False)
    assert error.startswith("the credential differs from the one its JWT signs")
    assert requested == [f"/status/{attester}", f"/status/{attester}"]
