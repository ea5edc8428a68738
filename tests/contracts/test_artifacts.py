"""The ABI and bytecode shipped in the `filon` package equal a fresh compile of `contracts/`.

When this fails, a contract changed without `make artifacts`: partner systems would deploy or call stale code.
"""

import json
from pathlib import Path

import ape
import pytest
from ape.contracts import ContractContainer
from ethpm_types import ContractType

ARTIFACT = Path(__file__).resolve().parents[2] / "src" / "filon" / "artifacts" / "FilonLots.json"


def normalized(code):
    """Bytecode as lower-case 0x-prefixed hex, whatever form it comes in."""
    text = code.hex() if isinstance(code, bytes) else str(code)
    return "0x" + text.lower().removeprefix("0x")


@ape.fixture(scope="module", chain_isolation=False)
def shipped():
    return json.loads(ARTIFACT.read_text())


@ape.fixture(scope="module", chain_isolation=False)
def fresh(project):
    """FilonLots compiled now from the sources, bypassing Ape's build cache."""
    return project.load_contracts(use_cache=False)["FilonLots"].contract_type


def test_artifact_has_the_shipped_keys(shipped):
    assert {"abi", "bytecode", "deployedBytecode", "compiler"} <= shipped.keys()
    assert shipped["contractName"] == "FilonLots"


def test_shipped_abi_equals_the_project_abi(shipped, project):
    assert ContractType.model_validate({"abi": shipped["abi"]}).abi == project.FilonLots.contract_type.abi


def test_shipped_abi_equals_a_fresh_compile(shipped, fresh):
    assert ContractType.model_validate({"abi": shipped["abi"]}).abi == fresh.abi
    assert {"declareLot", "transform", "recordPassport", "registerMine"} <= {
        m.name for m in fresh.mutable_methods
    }


def test_shipped_bytecode_equals_a_fresh_compile(shipped, fresh):
    assert len(normalized(shipped["bytecode"])) > 2
    assert normalized(shipped["bytecode"]) == normalized(fresh.deployment_bytecode.bytecode)


def test_shipped_deployed_bytecode_equals_a_fresh_compile(shipped, fresh):
    assert len(normalized(shipped["deployedBytecode"])) > 2
    assert normalized(shipped["deployedBytecode"]) == normalized(fresh.runtime_bytecode.bytecode)


def test_shipped_compiler_settings_are_the_project_settings(shipped, project):
    compiler = next(c for c in project.manifest.compilers if "FilonLots" in (c.contractTypes or []))
    settings = {k: v for k, v in compiler.settings.items() if k != "outputSelection"}

    assert shipped["compiler"] == {"name": compiler.name, "version": compiler.version, "settings": settings}


@pytest.fixture
def shipped_container(shipped):
    return ContractContainer(
        ContractType.model_validate(
            {
                "contractName": "FilonLots",
                "abi": shipped["abi"],
                "deploymentBytecode": {"bytecode": shipped["bytecode"]},
                "runtimeBytecode": {"bytecode": shipped["deployedBytecode"]},
            }
        )
    )


def test_shipped_bytecode_deploys_a_working_token(shipped_container, registrar, outsider):
    deployed = registrar.deploy(shipped_container, registrar)

    assert deployed.name() == "Filón gold lot"
    assert deployed.hasRole(deployed.REGISTRAR_ROLE(), registrar)
    deployed.registerParticipant(outsider, 2, sender=registrar)
    assert deployed.roleOf(outsider) == 2


def test_no_contract_logs_to_a_console():
    """tests/conftest.py skips Ape's trace for `console.log` lines after each transaction: no contract may
    import a console (Hardhat's console.sol, forge-std's console), or its lines would go unseen."""
    sources = sorted((Path(__file__).resolve().parents[2] / "contracts").rglob("*.sol"))
    assert sources
    assert [path.name for path in sources if "console" in path.read_text().lower()] == []
