"""Deploying, the deployment manifest, and connecting (with the refusals)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

import filon
from filon.devchain import Anvil, dev_accounts, start_anvil

from .helpers import Roles, World

ARTIFACT = json.loads((Path(filon.__file__).parent / "artifacts" / "FilonLots.json").read_text())


@pytest.fixture(scope="module")
def deployment(anvil: Anvil, roles: Roles) -> filon.Deployment:
    return filon.deploy(anvil.url, roles.registrar)


def test_deploy_describes_the_creation_transaction(
    anvil: Anvil, roles: Roles, deployment: filon.Deployment
) -> None:
    w3 = Web3(HTTPProvider(anvil.url))
    receipt = w3.eth.get_transaction_receipt(deployment.transaction_hash)  # type: ignore[arg-type]

    assert deployment.chain_id == 31337
    assert deployment.address == receipt["contractAddress"]
    assert deployment.deployment_block == receipt["blockNumber"]
    assert receipt["status"] == 1
    assert deployment.deployer == roles.registrar.address
    assert deployment.compiler_version == ARTIFACT["compiler"]["version"]
    assert deployment.compiler_settings == ARTIFACT["compiler"]["settings"]
    code = bytes(w3.eth.get_code(deployment.address))  # type: ignore[arg-type]
    assert len(code) == len(bytes.fromhex(ARTIFACT["deployedBytecode"][2:]))  # equal but for immutables


def test_the_deployer_is_registrar(anvil: Anvil, roles: Roles, deployment: filon.Deployment) -> None:
    registrar = filon.connect(anvil.url, deployment=deployment, account=roles.registrar)

    registrar.register_participant(roles.plant.address, filon.Role.PROCESSOR)

    assert registrar.role_of(roles.plant.address) is filon.Role.PROCESSOR


def test_save_writes_the_documented_keys_and_load_reads_them_back(
    tmp_path: Path, deployment: filon.Deployment
) -> None:
    path = deployment.save(tmp_path / "nested" / "deployment.json")

    data = json.loads(path.read_text())
    assert data == {
        "format": "filon-deployment/1",
        "contract": "FilonLots",
        "chain_id": 31337,
        "address": deployment.address,
        "deployment_block": deployment.deployment_block,
        "transaction_hash": deployment.transaction_hash,
        "deployer": deployment.deployer,
        "compiler": {
            "name": "solidity",
            "version": ARTIFACT["compiler"]["version"],
            "settings": ARTIFACT["compiler"]["settings"],
        },
    }
    assert path.read_text() == json.dumps(data, indent=2, sort_keys=True) + "\n"
    assert filon.Deployment.load(path) == deployment


def test_connect_with_a_manifest_path(anvil: Anvil, tmp_path: Path, deployment: filon.Deployment) -> None:
    path = deployment.save(tmp_path / "deployment.json")

    client = filon.connect(anvil.url, deployment=str(path))

    assert client.deployment == deployment
    assert client.address is None
    assert client.lot_count() == 0


def test_load_a_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(filon.ManifestNotFound, match="No deployment manifest at") as info:
        filon.Deployment.load(tmp_path / "absent.json")

    assert isinstance(info.value, FileNotFoundError)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "is not valid JSON"),
        ("[]", "is not a JSON object"),
        ('{"format": "other/9"}', "has format 'other/9'"),
    ],
)
def test_load_a_malformed_manifest(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "deployment.json"
    path.write_text(text)

    with pytest.raises(filon.ManifestInvalid, match=reason):
        filon.Deployment.load(path)


def test_load_a_manifest_without_an_address(tmp_path: Path, deployment: filon.Deployment) -> None:
    data = deployment.to_json()
    del data["address"]
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps(data))

    with pytest.raises(filon.ManifestInvalid, match="lacks the key 'address'"):
        filon.Deployment.load(path)


def test_load_a_manifest_with_a_wrong_type(tmp_path: Path, deployment: filon.Deployment) -> None:
    data = deployment.to_json() | {"deployment_block": "12"}
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps(data))

    with pytest.raises(filon.ManifestInvalid, match="deployment_block should be an integer, got '12'"):
        filon.Deployment.load(path)


def test_connect_refuses_another_chain(deployment: filon.Deployment) -> None:
    with (
        start_anvil(chain_id=4242) as other,
        pytest.raises(filon.DeploymentMismatch, match=r"on chain 31337 but .* serves chain 4242") as info,
    ):
        filon.connect(other.url, deployment=deployment)

    assert info.value.manifest_chain_id == 31337
    assert info.value.rpc_chain_id == 4242
    assert info.value.address == deployment.address


def test_connect_refuses_an_address_without_code(anvil: Anvil, deployment: filon.Deployment) -> None:
    nowhere = filon.Deployment(
        chain_id=deployment.chain_id,
        address=dev_accounts(9)[8].address,
        deployment_block=deployment.deployment_block,
        transaction_hash=deployment.transaction_hash,
        deployer=deployment.deployer,
        compiler_version=deployment.compiler_version,
    )

    with pytest.raises(filon.DeploymentMismatch, match="There is no contract at") as info:
        filon.connect(anvil.url, deployment=nowhere)

    assert info.value.rpc_chain_id == 31337


def test_an_unreachable_rpc(deployment: filon.Deployment, roles: Roles) -> None:
    with start_anvil() as stopped:
        url = stopped.url

    with pytest.raises(
        filon.RpcUnavailable, match=r"Cannot reach the Ethereum node at .* \(connection refused\)"
    ) as info:
        filon.connect(url, deployment=deployment)
    assert info.value.url == url
    assert isinstance(info.value, ConnectionError)

    with pytest.raises(filon.RpcUnavailable):
        filon.deploy(url, roles.registrar)


def test_rpc_url_secrets_never_appear_in_errors_or_repr(world: World, tmp_path: Path) -> None:
    """Hosted RPC URLs carry API keys in their path or query: messages show scheme, host and port only."""
    secret = "k3y-4bc123"
    with pytest.raises(filon.RpcUnavailable) as info:
        filon.connect(f"http://user:{secret}@127.0.0.1:9/v3/{secret}?apikey={secret}", world.deployment)
    assert secret not in str(info.value)
    assert "http://127.0.0.1:9/…" in str(info.value)
    client = filon.connect(world.url + f"/?apikey={secret}", world.deployment)
    assert secret not in repr(client)
