"""What the CLI tests share: who is who, keystores, and checks of a command's output."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

import filon
from common import FAR_FUTURE as FAR_FUTURE
from filon._cli import cli
from filon._cli._common import run
from filon.devchain import Anvil, dev_accounts

PASSWORD = "correct horse battery staple"
PERMIT_PDF = b"%PDF-1.7 mining permit REINFO-2024-1187"


@dataclass(frozen=True)
class World:
    """The chain, its deployment, and who is who (each `miner*` operates the mine of the same number)."""

    anvil: Anvil
    deployment: filon.Deployment
    registrar: LocalAccount
    miner: LocalAccount
    plant: LocalAccount
    miner2: LocalAccount
    refiner: LocalAccount
    spare: tuple[LocalAccount, ...]

    def client(self, account: LocalAccount | None = None, store: Path | None = None) -> filon.Client:
        return filon.connect(self.anvil.url, deployment=self.deployment, account=account, store=store)


def keystore(folder: Path, account: LocalAccount, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(Account.encrypt(account.key, PASSWORD, kdf="pbkdf2", iterations=1000)))
    return path


def _secrets() -> list[str]:
    found = []
    for account in dev_accounts(10):
        bare = account.key.hex().removeprefix("0x").lower()
        found += [bare, "0x" + bare]
    return found


SECRETS = _secrets()

Filon = Callable[..., tuple[int, str, str]]


@pytest.fixture
def filon_cli(capsys: pytest.CaptureFixture[str]) -> Filon:
    """Runs `filon ARGS...` in process; returns (exit code, stdout, stderr), having checked no key leaked."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = run(cli, list(args))
        out, err = capsys.readouterr()
        for secret in SECRETS:
            assert secret not in out.lower() and secret not in err.lower(), "a private key was printed"
        return code, out, err

    return invoke


def one_error(result: tuple[int, str, str]) -> str:
    """The single error line of a failed command (asserting exit 1, nothing on stdout, no traceback)."""
    code, out, err = result
    assert (code, out) == (1, ""), (code, out, err)
    assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err.removeprefix("Error: ").removesuffix("\n")


def usage_error(result: tuple[int, str, str]) -> str:
    """Click's usage error: exit 2, the usage, then one `Error: ` line; no traceback."""
    code, out, err = result
    assert (code, out) == (2, ""), (code, out, err)
    assert err.startswith("Usage: filon ") and "Traceback" not in err, err
    return err.splitlines()[-1].removeprefix("Error: ")


def ok_json(result: tuple[int, str, str]) -> Any:
    """The one JSON object a successful `--json` command printed."""
    code, out, err = result
    assert (code, err) == (0, ""), (code, out, err)
    assert out.count("\n") == 1
    return json.loads(out)


def passport_data(
    *, mine_id: int | None, fine_mg: int, gross_mg: int, documents: tuple[bytes, ...] = (PERMIT_PDF,)
) -> dict[str, Any]:
    """A passport as the JSON a partner would write."""
    return {
        "lot": {"batch_id": "B-1"},
        "producer": {"name": "Cooperativa Santa Rosa"},
        "facility": {"mine_id": mine_id, "name": "Santa Rosa", "country": "PE", "region": "Arequipa"},
        "production_date": "2026-11-02",
        "quantity": {
            "gross_mass_mg": gross_mg,
            "fineness_ppt": round(1000 * fine_mg / gross_mg, 3),
            "fine_gold_mg": fine_mg,
        },
        "conformity": [
            {
                "type": "mining_permit",
                "issuer": "MINEM",
                "date": "2026-01-05",
                "sha256": hashlib.sha256(doc).hexdigest(),
            }
            for doc in documents
        ],
        "carbon": {"kg_co2e": 12.5, "scope": [1, 2], "method": "GHG Protocol", "boundary": "cradle-to-gate"},
    }


def write_passport(path: Path, **kwargs: Any) -> Path:
    path.write_text(json.dumps(passport_data(**kwargs)))
    return path


def chain_year(world: World) -> int:
    """The UTC year of the chain's latest block: the year the contract counts capacity in (not the wall
    clock's, which differs for a moment around New Year and whenever a test moved the chain's time)."""
    timestamp = world.client()._chain.w3.eth.get_block("latest")["timestamp"]
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).year
