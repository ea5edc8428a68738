"""`filon passport ...`: publish a new version, verify the latest (and a document), disclose fields, export
credentials and EPCIS events, verify a credential offline."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import click

from filon._cli._common import (
    MAX_DOCUMENT_BYTES,
    MAX_PASSPORT_BYTES,
    connected,
    documents_option,
    emit,
    fail,
    json_option,
    load_passport,
    open_client,
    print_json,
    public_option,
    read_documents,
    read_file,
    signed,
    store_option,
    write_new,
)
from filon._cli._types import LOT_ID, WholeNumber
from filon._errors import PassportWithheld
from filon._passports import fields_of
from filon._types import LotId
from filon.passport import Passport, disclose, field_names, verify_credential


@click.group()
def passport() -> None:
    """Publish, verify and selectively disclose lot passports."""


@passport.command()
@click.argument("lot_id", type=LOT_ID)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@documents_option
@public_option
@signed
@store_option
@json_option
def publish(
    lot_id: int,
    file: Path,
    documents: tuple[Path, ...],
    public_fields: tuple[str, ...],
    rpc: str | None,
    deployment: Path,
    account: str,
    store: str | None,
    as_json: bool,
) -> None:
    """Publish FILE as the next passport version of LOT_ID (you hold it); the salts stay with you."""
    new = load_passport(file)
    docs = read_documents(documents)
    client = open_client(rpc, deployment, account, store=store)
    recorded = client.publish_passport(LotId(lot_id), new, docs, public_fields=list(public_fields) or None)
    published = list(public_fields) or list(field_names(new.schema_version))
    emit(
        {
            "lot_id": lot_id,
            "version": recorded.version,
            "root": "0x" + recorded.root.hex(),
            "uri": recorded.uri,
            "public": published,
        },
        as_json=as_json,
        lines=[f"Lot {lot_id} passport version {recorded.version} recorded ({recorded.uri})"],
    )


@passport.command()
@click.argument("lot_id", type=LOT_ID)
@click.option(
    "--document",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A document to look for among the ones the passport cites.",
)
@connected
@store_option
@json_option
def verify(
    lot_id: int, document: Path | None, rpc: str | None, deployment: Path, store: str | None, as_json: bool
) -> None:
    """Fetch LOT_ID's latest passport and check it against the chain (and whether it cites --document)."""
    client = open_client(rpc, deployment, store=store)
    package = client.published_passport(LotId(lot_id))
    client.verify_disclosure(package)
    names = fields_of(package)
    published = [name for name in names if name in package.fields]
    withheld = [name for name in names if name not in package.fields]
    result: dict[str, Any] = {
        "lot_id": lot_id,
        "version": package.version,
        "root": package.root,
        "published": published,
        "withheld": withheld,
    }
    lines = [
        f"Lot {lot_id} passport version {package.version} checks out against the chain (root {package.root})",
        f"Published: {', '.join(published)}",
    ]
    if withheld:
        lines.append(f"Withheld: {', '.join(withheld)}")
    if document is not None:
        data = read_file(document, "document", limit=MAX_DOCUMENT_BYTES)
        digest = hashlib.sha256(data).hexdigest()
        match = client.verify_document(LotId(lot_id), data)
        if match is None:
            fail(
                f"{document} (SHA-256 {digest}) matches no document cited by lot {lot_id}'s passport: "
                "it is altered or belongs to something else"
            )
        cited = match.document
        result["document"] = {
            "path": str(document),
            "sha256": digest,
            "version": match.version,
            "field": match.field,
            "index": match.index,
            "type": cited.type.value,
            "issuer": cited.issuer,
            "date": cited.date.isoformat(),
        }
        lines.append(
            f"{document} is cited by passport version {match.version}, {match.field}[{match.index}]: "
            f"{cited.type.value} issued by {cited.issuer} on {cited.date.isoformat()}"
        )
    emit(result, as_json=as_json, lines=lines)


@passport.command("disclose")
@click.argument("lot_id", type=LOT_ID)
@click.argument(
    "fields", nargs=-1, required=True, type=click.Choice(list(Passport.model_fields)), metavar="FIELDS..."
)
@click.option("--version", type=WholeNumber(minimum=1), help="The passport version (default: the latest).")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write it."
)
@click.option(
    "--passport",
    "passport_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The full passport, when its published package withholds fields.",
)
@connected
@store_option
@json_option
def disclose_fields(
    lot_id: int,
    fields: tuple[str, ...],
    version: int | None,
    out: Path,
    passport_file: Path | None,
    rpc: str | None,
    deployment: Path,
    store: str | None,
    as_json: bool,
) -> None:
    """Prove FIELDS of LOT_ID's passport to someone, revealing nothing else, with the salts you kept."""
    if out.exists():
        fail(f"{out} already exists: choose another --out")
    full = load_passport(passport_file) if passport_file is not None else None
    client = open_client(rpc, deployment, store=store)
    chosen = version if version is not None else client.lot(LotId(lot_id)).passport_version
    salts = client.passport_salts(LotId(lot_id), chosen)
    if full is None:
        try:
            full = client.passport(LotId(lot_id), chosen)
        except PassportWithheld as exc:
            fail(f"{exc}: give --passport FILE, the full passport, to disclose from it")
    disclosure = disclose(full, salts, list(fields), lot_id=lot_id, version=chosen)
    client.verify_disclosure(disclosure)
    write_new(out, disclosure.model_dump_json(indent=2) + "\n")
    emit(
        {"lot_id": lot_id, "version": chosen, "fields": list(fields), "out": str(out)},
        as_json=as_json,
        lines=[f"Disclosed {', '.join(fields)} of lot {lot_id} passport version {chosen} in {out}"],
    )


@passport.command()
@click.argument("lot_id", type=LOT_ID)
@click.option("--version", type=WholeNumber(minimum=1), help="The passport version (default: the latest).")
@click.option("--issuer-name", help="Your name as the credential's issuer (default: your address).")
@click.option(
    "--jwt", "as_jwt", is_flag=True, help="Print the compact VC-JWT instead of the JSON credential."
)
@signed
@store_option
def credential(
    lot_id: int,
    version: int | None,
    issuer_name: str | None,
    as_jwt: bool,
    rpc: str | None,
    deployment: Path,
    account: str,
    store: str | None,
) -> None:
    """Issue LOT_ID's passport as a UNTP Digital Product Passport credential signed by your account.

    Prints the JSON credential (its proof is its VC-JWT), or with --jwt the VC-JWT alone; anyone checks
    either with `filon passport verify-credential`, or any JWT-VC verifier, without the chain.
    """
    client = open_client(rpc, deployment, account, store=store)
    if as_jwt:
        click.echo(client.passport_credential_jwt(LotId(lot_id), version, issuer_name=issuer_name))
    else:
        print_json(client.passport_credential(LotId(lot_id), version, issuer_name=issuer_name))


@passport.command()
@click.argument("lot_id", type=LOT_ID)
@connected
def epcis(lot_id: int, rpc: str | None, deployment: Path) -> None:
    """Print the GS1 EPCIS 2.0 events of LOT_ID and all its ancestors, back to the mines."""
    print_json(open_client(rpc, deployment).epcis(LotId(lot_id)))


@passport.command("verify-credential")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def verify_credential_file(file: Path, as_json: bool) -> None:
    """Check a credential FILE (the JSON credential or its compact JWT) offline: who signed it, and that
    nothing changed since; no chain is read."""
    data = read_file(file, "credential", limit=MAX_PASSPORT_BYTES)
    try:
        text = data.decode("utf-8").strip()
        given: dict[str, Any] | str = json.loads(text) if text.startswith("{") else text
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        fail(f"{file} is neither a JSON credential nor a JWT: {exc}")
    issuer = verify_credential(given)
    signed_credential = given if isinstance(given, dict) else _jwt_credential(given)
    subject = signed_credential.get("credentialSubject", {})
    result = {
        "file": str(file),
        "issuer": issuer,
        "id": signed_credential.get("id"),
        "subject": subject.get("id") if isinstance(subject, dict) else None,
        "valid_from": signed_credential.get("validFrom"),
    }
    emit(
        result,
        as_json=as_json,
        lines=[f"{file}: credential {result['id']} about {result['subject']}, signed by its issuer {issuer}"],
    )


def _jwt_credential(token: str) -> dict[str, Any]:
    """The credential (`vc` claim) of a JWT `verify_credential` accepted."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return dict(claims["vc"])
