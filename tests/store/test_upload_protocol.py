"""The upload protocol on its own: what an uploader signs, how the server reads and checks it, and who may
upload (asked of a real chain, cached for a while)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

import filon
from filon._deployment import open_chain
from filon._uploaders import Uploaders
from filon.passport import UploadNotAuthenticated, UploadSignature, sign_upload

from .conftest import Chain

DOMAIN = filon.DeclarationDomain(
    chain_id=31337, verifying_contract="0x5FbDB2315678afecb367f032d93F642f64180aa3"
)
CID = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"  # b"hello"
NOW = 1_780_000_000


def test_the_signature_is_eip712_over_cid_size_and_time_in_the_deployment_domain() -> None:
    account = Account.create()
    signed = sign_upload(account, DOMAIN, CID, 5, timestamp=NOW)

    message = encode_typed_data(
        domain_data={
            "name": "Filon",
            "version": "1",
            "chainId": 31337,
            "verifyingContract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        },
        message_types={
            "Upload": [
                {"name": "cid", "type": "string"},
                {"name": "size", "type": "uint256"},
                {"name": "timestamp", "type": "uint256"},
            ]
        },
        message_data={"cid": CID, "size": 5, "timestamp": NOW},
    )
    assert Account.recover_message(message, signature=signed.signature) == account.address
    assert signed.headers() == {
        "X-Filon-Uploader": account.address,
        "X-Filon-Timestamp": str(NOW),
        "X-Filon-Signature": "0x" + signed.signature.hex(),
    }
    read = UploadSignature.from_headers(signed.headers())
    assert read == signed
    read.check(DOMAIN, CID, 5, now=NOW + 300, window=300)


@pytest.mark.parametrize(
    ("cid", "size", "now", "domain", "reason"),
    [
        (
            CID,
            5,
            NOW + 301,
            DOMAIN,
            "The upload was signed at 1780000000, more than 300 s from the server's "
            "time 1780000301: sign it again with the current time.",
        ),
        (CID, 6, NOW, DOMAIN, None),
        ("bafkreiabc", 5, NOW, DOMAIN, None),
        (CID, 5, NOW, filon.DeclarationDomain(31338, DOMAIN.verifying_contract), None),
    ],
)
def test_a_signature_that_does_not_match_the_upload_is_refused(
    cid: str, size: int, now: int, domain: filon.DeclarationDomain, reason: str | None
) -> None:
    account = Account.create()
    signed = sign_upload(account, DOMAIN, CID, 5, timestamp=NOW)

    with pytest.raises(UploadNotAuthenticated) as refused:
        signed.check(domain, cid, size, now=now, window=300)

    mismatch = (
        f"The signature is not {account.address}'s for this upload: the CID, size, timestamp or deployment "
        f"(chain {domain.chain_id}, contract {domain.verifying_contract}) differ from what was signed."
    )
    assert str(refused.value) == (reason if reason is not None else mismatch)


def test_another_accounts_signature_is_refused() -> None:
    claimed, signer = Account.create(), Account.create()
    forged = UploadSignature(
        claimed.address, NOW, sign_upload(signer, DOMAIN, CID, 5, timestamp=NOW).signature
    )
    with pytest.raises(UploadNotAuthenticated, match=f"^The signature is not {claimed.address}'s"):
        forged.check(DOMAIN, CID, 5, now=NOW, window=300)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (
            {},
            "An upload is signed: send the X-Filon-Uploader, X-Filon-Timestamp and X-Filon-Signature headers "
            "(see docs/store.md).",
        ),
        ({"X-Filon-Uploader": "0x12"}, "X-Filon-Uploader is not an address (0x and 40 hex digits)."),
        ({"X-Filon-Timestamp": "-5"}, "X-Filon-Timestamp is not a time in Unix seconds."),
        ({"X-Filon-Timestamp": "\uff11\uff12"}, "X-Filon-Timestamp is not a time in Unix seconds."),
        ({"X-Filon-Signature": "0x" + "ab" * 64}, "X-Filon-Signature is not a 65-byte signature in hex."),
        ({"X-Filon-Signature": "zz" * 65}, "X-Filon-Signature is not a 65-byte signature in hex."),
    ],
)
def test_malformed_headers_are_refused_in_one_sentence(headers: dict[str, str], reason: str) -> None:
    good = sign_upload(Account.create(), DOMAIN, CID, 5, timestamp=NOW).headers()
    sent = {} if not headers else {**good, **headers}
    with pytest.raises(UploadNotAuthenticated) as refused:
        UploadSignature.from_headers(sent)
    assert str(refused.value) == reason


def test_who_may_upload_is_asked_of_the_chain_and_kept_for_its_ttl(chain: Chain, tmp_path: Path) -> None:
    now = [0.0]
    node, deployment = open_chain(chain.anvil.url, chain.deployment)
    uploaders = Uploaders(node, deployment, ttl=30.0, clock=lambda: now[0])

    assert uploaders.may_upload(chain.registrar.address)  # REGISTRAR_ROLE
    assert uploaders.may_upload(chain.miner.address) and uploaders.may_upload(chain.plant.address)
    assert not uploaders.may_upload(chain.outsider.address)
    assert not uploaders.may_upload(chain.newcomer.address)

    admin = filon.connect(
        chain.anvil.url, deployment=chain.deployment, account=chain.registrar, store=tmp_path
    )
    admin.register_participant(chain.newcomer.address, filon.Role.TRADER)
    try:
        now[0] = 29.9
        assert not uploaders.may_upload(chain.newcomer.address)  # the answer of 29.9 s ago still stands
        now[0] = 30.0
        assert uploaders.may_upload(chain.newcomer.address)
    finally:
        admin.remove_participant(chain.newcomer.address)
