"""Deploying FilonLots, and the deployment manifest that tells every client where it is.

A manifest is a small JSON file, one per chain::

    {
      "format": "filon-deployment/1",
      "contract": "FilonLots",
      "chain_id": 31337,
      "address": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      "deployment_block": 1,
      "transaction_hash": "0x...",
      "deployer": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      "compiler": {"name": "solidity", "version": "0.8.30+commit.73712a01", "settings": {...}}
    }

`deployment_block` is where readers start scanning the contract's event logs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from filon import _artifact
from filon._chain import Chain
from filon._errors import DeploymentMismatch, ManifestInvalid, ManifestNotFound
from filon._tx import Transactor

MANIFEST_FORMAT = "filon-deployment/1"


@dataclass(frozen=True)
class Deployment:
    """Where FilonLots is deployed, and what built it.

    Attributes:
        chain_id: The chain's id.
        address: The FilonLots contract address (checksummed).
        deployment_block: The block of the creation transaction; event scans start there.
        transaction_hash: The creation transaction.
        deployer: The account that deployed it, which holds the admin and registrar roles.
        compiler_version: The Solidity compiler version of the shipped artifact.
        compiler_settings: Its settings (optimizer, EVM version, via-IR, remappings).
        contract: The contract name, "FilonLots".
    """

    chain_id: int
    address: str
    deployment_block: int
    transaction_hash: str
    deployer: str
    compiler_version: str
    compiler_settings: Mapping[str, Any] = field(default_factory=dict)
    contract: str = _artifact.CONTRACT_NAME

    def to_json(self) -> dict[str, Any]:
        """The manifest as a JSON-ready dict (the keys documented in this module)."""
        return {
            "format": MANIFEST_FORMAT,
            "contract": self.contract,
            "chain_id": self.chain_id,
            "address": self.address,
            "deployment_block": self.deployment_block,
            "transaction_hash": self.transaction_hash,
            "deployer": self.deployer,
            "compiler": {
                "name": "solidity",
                "version": self.compiler_version,
                "settings": dict(self.compiler_settings),
            },
        }

    @classmethod
    def from_json(cls, data: Any, *, source: str = "manifest") -> Deployment:
        """A deployment from a manifest dict.

        Raises:
            ManifestInvalid: A key is missing or has the wrong type.
        """
        if not isinstance(data, dict):
            raise ManifestInvalid(f"{source} is not a JSON object")
        if data.get("format") != MANIFEST_FORMAT:
            raise ManifestInvalid(f"{source} has format {data.get('format')!r}, expected {MANIFEST_FORMAT!r}")
        try:
            compiler = data["compiler"]
            deployment = cls(
                chain_id=_typed(data["chain_id"], int, "chain_id", source),
                address=Web3.to_checksum_address(_typed(data["address"], str, "address", source)),
                deployment_block=_typed(data["deployment_block"], int, "deployment_block", source),
                transaction_hash=_typed(data["transaction_hash"], str, "transaction_hash", source),
                deployer=_typed(data["deployer"], str, "deployer", source),
                compiler_version=_typed(compiler["version"], str, "compiler.version", source),
                compiler_settings=_typed(compiler["settings"], dict, "compiler.settings", source),
                contract=_typed(data["contract"], str, "contract", source),
            )
        except KeyError as exc:
            raise ManifestInvalid(f"{source} lacks the key {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ManifestInvalid):
                raise
            raise ManifestInvalid(f"{source} has an invalid address: {exc}") from None
        if deployment.contract != _artifact.CONTRACT_NAME:
            raise ManifestInvalid(
                f"{source} describes {deployment.contract!r}, not {_artifact.CONTRACT_NAME!r}"
            )
        return deployment

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes the manifest as JSON (sorted keys), creating parent folders; replaces a file atomically.

        Returns:
            The path written.
        """
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        temporary.replace(target)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Deployment:
        """Reads a manifest written by `save`.

        Raises:
            ManifestNotFound: No file at `path`.
            ManifestInvalid: The file is not JSON or not a deployment manifest.
        """
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ManifestNotFound(f"No deployment manifest at {source}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ManifestInvalid(f"Cannot read deployment manifest {source}: {exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ManifestInvalid(f"Deployment manifest {source} is not valid JSON: {exc}") from None
        return cls.from_json(data, source=f"Deployment manifest {source}")


_KINDS = {int: "an integer", str: "a string", dict: "an object"}


def _typed(value: Any, kind: type, key: str, source: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ManifestInvalid(f"{source}: {key} should be {_KINDS[kind]}, got {value!r}")
    return value


def deploy(rpc_url: str, account: LocalAccount, *, timeout: float = 120.0) -> Deployment:
    """Deploys FilonLots from the artifact shipped in this package; `account` becomes admin and registrar.

    Args:
        rpc_url: The node's HTTP JSON-RPC URL.
        account: The deploying account (eth-account `LocalAccount`); it pays for the deployment.
        timeout: Seconds to wait for the creation transaction to be mined.

    Returns:
        The deployment; `save` it for clients to `connect` with.

    Raises:
        RpcUnavailable: The node cannot be reached.
        TransactionTimeout: The creation transaction was not mined in time.
        ContractRevert: The constructor reverted.
    """
    chain = Chain(rpc_url)
    chain_id = chain.chain_id()
    sender = Transactor(chain, account, chain_id, timeout=timeout)
    constructor_args = chain.encode(["address"], [account.address], what="the FilonLots constructor")
    receipt = sender.transact(None, _artifact.bytecode() + constructor_args)
    address = receipt["contractAddress"]
    assert address is not None, "a successful creation receipt has a contract address"
    compiler = _artifact.compiler()
    return Deployment(
        chain_id=chain_id,
        address=Web3.to_checksum_address(address),
        deployment_block=int(receipt["blockNumber"]),
        transaction_hash="0x" + bytes(receipt["transactionHash"]).hex(),
        deployer=account.address,
        compiler_version=str(compiler["version"]),
        compiler_settings=dict(compiler["settings"]),
    )


def open_chain(
    rpc_url: str,
    deployment: Deployment | str | os.PathLike[str],
    *,
    request_timeout: float = 30.0,
    max_log_range: int | None = None,
) -> tuple[Chain, Deployment]:
    """Opens the node at `rpc_url` for a deployment, checking that it serves the chain it was deployed on.

    The one way to reach a deployment: `filon.connect` and the index both open their chain here.

    Args:
        rpc_url: The node's HTTP JSON-RPC URL.
        deployment: A `Deployment`, or the path of a manifest saved by `Deployment.save`.
        request_timeout: Seconds to wait for any single RPC response.
        max_log_range: The most blocks one `eth_getLogs` may span, for nodes that cap it.

    Returns:
        The chain and the deployment (loaded, when a path was given).

    Raises:
        ManifestNotFound, ManifestInvalid: The manifest path cannot be used.
        RpcUnavailable: The node cannot be reached.
        DeploymentMismatch: The node's chain id differs from the manifest's, or there is no contract at
            the manifest's address.
    """
    if not isinstance(deployment, Deployment):
        deployment = Deployment.load(deployment)
    chain = Chain(rpc_url, request_timeout=request_timeout, max_log_range=max_log_range)
    rpc_chain_id = chain.chain_id()
    problem = None
    if rpc_chain_id != deployment.chain_id:
        problem = (
            f"The deployment is on chain {deployment.chain_id} "
            f"but {chain.shown_url} serves chain {rpc_chain_id}."
        )
    elif not chain.code(deployment.address):
        problem = (
            f"There is no contract at {deployment.address} on chain {rpc_chain_id} ({chain.shown_url}): "
            "the manifest does not describe a deployment on this chain."
        )
    if problem is not None:
        raise DeploymentMismatch(
            problem,
            address=deployment.address,
            manifest_chain_id=deployment.chain_id,
            rpc_chain_id=rpc_chain_id,
        )
    return chain, deployment
