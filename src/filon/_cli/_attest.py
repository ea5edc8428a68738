"""`filon attest ...`: an auditor or a laboratory issues a conformity credential about a lot or a mine (and
anchors its hash), revokes it; anyone verifies one: valid, expired or revoked."""

from __future__ import annotations

import base64
import datetime
import json
import re
from pathlib import Path
from typing import Any

import click

from filon._cli._common import (
    MAX_DOCUMENT_BYTES,
    MAX_PASSPORT_BYTES,
    account_option,
    deployment_option,
    emit,
    fail,
    json_option,
    open_client,
    read_file,
    rpc_option,
    store_option,
    write_new,
)
from filon._cli._types import UNIX_TIME, WholeNumber
from filon._deployment import Deployment
from filon._types import SubjectKind
from filon.passport import (
    Assessment,
    CredentialExpired,
    CredentialRevoked,
    Measure,
    RemoteStore,
    credential_hash,
    credential_status,
    fetch_status_list,
    verify_credential,
)

_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
_MEASURE = re.compile(r"([^=]+)=([+-]?[0-9]+(?:\.[0-9]+)?):([A-Za-z0-9]{1,3})")

STATUS_URL_ENV = "FILON_STATUS_URL"
"""The environment variable naming the explorer that serves attesters' status lists."""


class MeasureSpec(click.ParamType):
    """NAME=VALUE:UNIT, a measured value with its UN/ECE Recommendation 20 unit code (fineness=999.9:NX)."""

    name = "measure"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Measure:
        if isinstance(value, Measure):
            return value
        match = _MEASURE.fullmatch(str(value))
        if match is None:
            self.fail(f"{value!r} is not NAME=VALUE:UNIT, e.g. fineness=999.9:NX", param, ctx)
        return Measure(match[1].strip(), float(match[2]), match[3])


@click.group()
def attest() -> None:
    """Issue, revoke and verify conformity credentials (assays, audits) about lots and mines."""


@attest.command()
@click.argument("kind", type=click.Choice(["lot", "mine"]))
@click.argument("subject_id", metavar="ID", type=WholeNumber(minimum=1))
@click.option(
    "--assessment",
    required=True,
    type=click.Choice([kind.value for kind in Assessment]),
    help="What was assessed.",
)
@click.option("--conforms/--does-not-conform", required=True, help="The verdict.")
@click.option("--result", default="", help="The result in words, e.g. 'Fire assay: 999.9 fine'.")
@click.option(
    "--measure", "measures", multiple=True, type=MeasureSpec(), help="NAME=VALUE:UNIT (repeatable)."
)
@click.option(
    "--evidence",
    "evidence",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A document the assessment rests on, kept in the document store (repeatable).",
)
@click.option("--valid-until", type=UNIX_TIME, help="When the credential expires (YYYY-MM-DD or ISO 8601).")
@click.option("--issuer-name", default="", help="Your name in the credential (default: your address).")
@click.option("--party-name", default="", help="The name of the holder or operator it is issued to.")
@click.option(
    "--status-url",
    envvar=STATUS_URL_ENV,
    metavar="URL",
    help=f"The explorer that serves your status list (or {STATUS_URL_ENV}; default: the --store URL).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the credential here (a new file)."
)
@click.option("--jwt", "as_jwt", is_flag=True, help="Print (or write) the compact VC-JWT instead of JSON.")
@rpc_option
@deployment_option
@account_option
@store_option
@json_option
def issue(
    kind: str,
    subject_id: int,
    assessment: str,
    conforms: bool,
    result: str,
    measures: tuple[Measure, ...],
    evidence: tuple[Path, ...],
    valid_until: int | None,
    issuer_name: str,
    party_name: str,
    status_url: str | None,
    out: Path | None,
    as_jwt: bool,
    rpc: str | None,
    deployment: Path,
    account: str,
    store: str | None,
    as_json: bool,
) -> None:
    """Issue a conformity credential about lot or mine ID, signed by your account (an auditor or a
    laboratory), and anchor its hash on chain.

    Prints the JSON credential (its proof is its VC-JWT), or with --jwt the VC-JWT; with --out it is written
    to a new file and one line tells its hash.
    """
    if out is not None and out.exists():
        fail(f"{out} already exists: choose another --out")
    documents = [(path.name, read_file(path, "evidence", limit=MAX_DOCUMENT_BYTES)) for path in evidence]
    client = open_client(rpc, deployment, account, store=store)
    if not status_url:
        if not isinstance(client.store, RemoteStore):
            fail(f"Give --status-url (or {STATUS_URL_ENV}): the explorer that serves your status list")
        status_url = client.store.url
    issued = client.issue_attestation(
        SubjectKind.LOT if kind == "lot" else SubjectKind.MINE,
        subject_id,
        Assessment(assessment),
        conformance=conforms,
        status_url=status_url,
        result=result,
        measures=measures,
        evidence=documents,
        valid_until=None
        if valid_until is None
        else datetime.datetime.fromtimestamp(valid_until, datetime.UTC),
        issuer_name=issuer_name,
        party_name=party_name,
    )
    text = issued.jwt if as_jwt else json.dumps(issued.credential, sort_keys=True)
    if out is None:
        click.echo(text)
        return
    write_new(out, text + "\n")
    hashed = "0x" + issued.credential_hash.hex()
    emit(
        {
            "file": str(out),
            "credential_hash": hashed,
            "transaction": issued.transaction_hash,
            "status_index": issued.status_index,
            "subject": f"{kind} {subject_id}",
        },
        as_json=as_json,
        lines=[f"Credential {hashed} about {kind} {subject_id} anchored and written to {out}"],
    )


@attest.command()
@click.argument("credential", metavar="HASH|FILE")
@rpc_option
@deployment_option
@account_option
@json_option
def revoke(credential: str, rpc: str | None, deployment: Path, account: str, as_json: bool) -> None:
    """Revoke a credential you anchored, for good: by its hash (0x and 64 hex digits) or its file."""
    if _HASH.fullmatch(credential):
        hashed = bytes.fromhex(credential[2:])
    else:
        hashed = credential_hash(_load_credential(Path(credential)))
    client = open_client(rpc, deployment, account)
    transaction = client.revoke_attestation(hashed)
    emit(
        {"credential_hash": "0x" + hashed.hex(), "transaction": transaction},
        as_json=as_json,
        lines=[f"Credential 0x{hashed.hex()} revoked"],
    )


@attest.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--status-list",
    "use_status_list",
    is_flag=True,
    help="Check revocation in the status list the credential names (over HTTP) instead of on chain.",
)
@rpc_option
@click.option(
    "--deployment",
    envvar="FILON_DEPLOYMENT",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The deployment manifest (or FILON_DEPLOYMENT), to check revocation on chain.",
)
@json_option
@click.pass_context
def verify(
    ctx: click.Context,
    file: Path,
    use_status_list: bool,
    rpc: str | None,
    deployment: Path | None,
    as_json: bool,
) -> None:
    """Check a conformity credential FILE (JSON or JWT): its signature, and whether it is valid, expired or
    revoked. On chain (--rpc and --deployment) this also checks that its issuer anchored it about the
    subject it names; with --status-list it checks only that the status list the credential names (fetched
    once the signature verifies) does not list it as revoked. Exits 1 unless valid."""
    given = _load_credential(file)
    # the signature first: no URL a credential names is fetched before its issuer is known to have signed it
    credential_status(given)
    signed = given if isinstance(given, dict) else _jwt_claims(given)
    entry = signed.get("credentialStatus")
    if use_status_list:
        url = entry.get("statusListCredential") if isinstance(entry, dict) else None
        if not isinstance(url, str):
            fail(f"{file} names no status list (credentialStatus.statusListCredential)")
        revocation: Any = fetch_status_list(url)
        source = f"status list {url}"
        checked = (
            f"not revoked per the status list at {url}; anchoring on chain not checked "
            "(give --rpc and --deployment instead of --status-list to check it)"
        )
    else:
        if deployment is None:
            fail("Give --deployment (and --rpc) to check revocation on chain, or --status-list")
        revocation = open_client(rpc, deployment)
        chain_id = Deployment.load(deployment).chain_id
        source = f"chain {chain_id}"
        checked = f"anchored by its issuer about its subject and not revoked on chain {chain_id}"
    issuer: str | None = None
    try:
        issuer = verify_credential(given, revocation=revocation)
        status = "valid"
    except CredentialRevoked:
        status = "revoked"
    except CredentialExpired:
        status = "expired"
    emit(
        {
            "file": str(file),
            "status": status,
            "issuer": issuer,
            "id": signed.get("id"),
            "checked_in": source,
            "anchoring_checked": not use_status_list,
        },
        as_json=as_json,
        lines=[
            f"{file}: valid (credential {signed.get('id')}): {checked}"
            if status == "valid"
            else f"{file}: {status} (credential {signed.get('id')}, revocation checked in the {source})"
        ],
    )
    if status != "valid":
        ctx.exit(1)


def _load_credential(file: Path) -> dict[str, Any] | str:
    data = read_file(file, "credential", limit=MAX_PASSPORT_BYTES)
    try:
        text = data.decode("utf-8").strip()
        given: Any = json.loads(text) if text.startswith("{") else text
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        fail(f"{file} is neither a JSON credential nor a JWT: {exc}")
    return given if isinstance(given, dict | str) else fail(f"{file} is neither a JSON credential nor a JWT")


def _jwt_claims(token: str) -> dict[str, Any]:
    """The credential (`vc` claim) of a JWT, unverified: only to name what is being checked."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        found = claims.get("vc") if isinstance(claims, dict) else None
    except (IndexError, ValueError):
        found = None
    return found if isinstance(found, dict) else {}
