"""The committed Besu QBFT configuration: valid files that agree with each other and the docs."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import rlp  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
BESU = ROOT / "deploy" / "besu"
DOCS = ROOT / "docs" / "besu-qbft.md"
ABI_DIR = ROOT / "chain_client" / "abi"

QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
DEFAULT_CONTRACT_SIZE_LIMIT = 24576  # EIP-170, Besu's default
LARGEST_DEPLOYMENT_GAS = 2_700_000  # Pledges, docs/gas.md, rounded up
ENODE = re.compile(r"^enode://(?P<key>[0-9a-f]{128}|<[^>]+>)@(?P<host>[^:]+):(?P<port>\d+)$")
ADDRESS = re.compile(r"^(0x[0-9a-fA-F]{40}|<[^>]+>)$")

# Besu's documentation (QBFT, "Generate extra data"): these validators, in this order, encode to
# this extraData with `besu rlp encode --type=QBFT_EXTRA_DATA`.
BESU_DOCS_VALIDATORS = [
    "0x4592c8e45706cc08b8f44b11e43cba0cfc5892cb",
    "0x06e23768a0f59cf365e18c2e0c89e151bcdedc70",
    "0xc5327f96ee02d7bcbc1bf1236b8c15148971e1de",
    "0xab5e7f4061c605820d3744227eed91ff8e2c8908",
]
BESU_DOCS_EXTRA_DATA = (
    "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f854944592c8e45706cc"
    "08b8f44b11e43cba0cfc5892cb9406e23768a0f59cf365e18c2e0c89e151bcdedc7094c5327f96ee02d7bcbc1bf1"
    "236b8c15148971e1de94ab5e7f4061c605820d3744227eed91ff8e2c8908c080c0"
)


def load_json(name: str) -> Any:
    return json.loads((BESU / name).read_text(encoding="utf-8"))


def load_toml(name: str) -> dict[str, Any]:
    with (BESU / name).open("rb") as file:
        return tomllib.load(file)


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), BESU / name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def decode_qbft_extra_data(extra_data: str) -> tuple[bytes, list[bytes], list[Any], int, list[Any]]:
    """Vanity, validators, vote, round and seals; fails unless it has QBFT's shape."""
    decoded = rlp.decode(bytes.fromhex(extra_data.removeprefix("0x")))
    assert isinstance(decoded, list)
    assert len(decoded) == 5, "QBFT extraData is [vanity, validators, vote, round, seals]"
    vanity, validators, vote, round_number, seals = decoded
    assert isinstance(vanity, bytes)
    assert len(vanity) == 32
    assert isinstance(validators, list)
    assert all(isinstance(v, bytes) and len(v) == 20 for v in validators)
    assert isinstance(vote, list)
    assert isinstance(round_number, bytes)
    assert isinstance(seals, list)
    return vanity, validators, vote, int.from_bytes(round_number, "big"), seals


@pytest.fixture(scope="module")
def genesis() -> dict[str, Any]:
    value = load_json("genesis.template.json")
    assert isinstance(value, dict)
    return value


@pytest.fixture(scope="module")
def node_config() -> dict[str, Any]:
    return load_toml("besu-node.toml")


@pytest.fixture(scope="module")
def docs() -> str:
    return DOCS.read_text(encoding="utf-8")


def test_generate_blockchain_config_input_is_the_template_with_four_generated_keys(
    genesis: dict[str, Any],
) -> None:
    qbft_config = load_json("qbftConfigFile.json")
    assert set(qbft_config) == {"genesis", "blockchain"}
    assert qbft_config["blockchain"] == {"nodes": {"generate": True, "count": 4}}
    # Besu writes extraData itself from the keys it generates.
    assert "extraData" not in qbft_config["genesis"]
    assert qbft_config["genesis"] == {k: v for k, v in genesis.items() if k != "extraData"}


def test_chain_id_is_the_one_the_docs_give(genesis: dict[str, Any], docs: str) -> None:
    match = re.search(r"^\| chain id \| `(\d+)` \|", docs, re.MULTILINE)
    assert match, "docs/besu-qbft.md has a 'chain id' row in its parameter table"
    assert genesis["config"]["chainId"] == int(match.group(1))


def test_qbft_options(genesis: dict[str, Any], docs: str) -> None:
    config = genesis["config"]
    qbft = config["qbft"]
    assert set(qbft) == {"blockperiodseconds", "epochlength", "requesttimeoutseconds"}
    assert all(isinstance(v, int) and v > 0 for v in qbft.values())
    # Besu's tuning advice: the round timeout about twice the block period, never below it.
    assert qbft["requesttimeoutseconds"] >= 2 * qbft["blockperiodseconds"]
    for option, value in qbft.items():
        assert re.search(rf"^\| `{option}` \| `{value}` \|", docs, re.MULTILINE), option
    for other_consensus in ("ibft2", "clique", "ethash"):
        assert other_consensus not in config
    assert genesis["difficulty"] == "0x1"
    assert genesis["mixHash"] == QBFT_MIX_HASH


def test_every_block_runs_the_cancun_evm(genesis: dict[str, Any]) -> None:
    config = genesis["config"]
    assert config["cancunTime"] == 0
    assert config["shanghaiTime"] == 0
    assert config["londonBlock"] == 0  # zeroBaseFee is a London (EIP-1559) option
    later_forks = {"pragueTime", "osakaTime"} & set(config)
    assert not later_forks, f"the contracts are built for cancun, not {later_forks}"
    hardhat_config = (ROOT / "hardhat.config.js").read_text(encoding="utf-8")
    assert re.search(r"evmVersion:\s*\"cancun\"", hardhat_config)


def test_gas_is_free_in_the_genesis_and_on_every_node(
    genesis: dict[str, Any], node_config: dict[str, Any]
) -> None:
    assert genesis["config"]["zeroBaseFee"] is True
    assert "baseFeePerGas" not in genesis or int(genesis["baseFeePerGas"], 16) == 0
    assert "fixedBaseFee" not in genesis["config"]
    # Any node with a higher minimum silently drops zero-priced transactions.
    assert node_config["min-gas-price"] == 0
    assert node_config["tx-pool-min-gas-price"] == 0
    # eth_gasPrice answers 0, so TransactionSender sends legacy transactions at gasPrice 0.
    assert node_config["api-gas-price-max"] == 0
    assert genesis["alloc"] == {}, "nobody needs ether on a free gas network"


def test_blocks_and_contracts_fit(genesis: dict[str, Any]) -> None:
    size_limit = genesis["config"].get("contractSizeLimit", DEFAULT_CONTRACT_SIZE_LIMIT)
    abis = sorted(ABI_DIR.glob("*.json"))
    assert len(abis) >= 6
    for path in abis:
        runtime = json.loads(path.read_text(encoding="utf-8"))["deployedBytecode"]
        assert len(bytes.fromhex(runtime.removeprefix("0x"))) <= size_limit, path.name
    assert int(genesis["gasLimit"], 16) >= 10 * LARGEST_DEPLOYMENT_GAS


def test_node_configuration(node_config: dict[str, Any]) -> None:
    assert node_config["genesis-file"] == "/etc/besu/genesis.json"
    apis = node_config["rpc-http-api"]
    assert node_config["rpc-http-enabled"] is True
    assert {"ETH", "NET"} <= set(apis)
    assert not {"ADMIN", "DEBUG", "MINER", "PERM", "TXPOOL"} & set(apis)
    assert "*" not in node_config["host-allowlist"]
    assert node_config["sync-mode"] == "FULL"
    assert node_config["data-storage-format"] == "FOREST"
    assert node_config["permissions-nodes-config-file-enabled"] is True
    assert node_config["permissions-accounts-config-file-enabled"] is True
    data_path = Path(node_config["data-path"])
    for option in ("permissions-nodes-config-file", "permissions-accounts-config-file"):
        assert Path(node_config[option]) == data_path / "permissions_config.toml"


def test_permissions_allow_exactly_the_four_validators(node_config: dict[str, Any]) -> None:
    permissions = load_toml("permissions_config.toml")
    assert set(permissions) == {"nodes-allowlist", "accounts-allowlist"}
    nodes = permissions["nodes-allowlist"]
    assert len(nodes) == len(set(nodes)) == 4
    parsed = [ENODE.match(node) for node in nodes]
    assert all(parsed), nodes
    assert {int(m.group("port")) for m in parsed if m} == {node_config["p2p-port"]}
    assert len({m.group("host") for m in parsed if m}) == 4
    # Static nodes must be allowed, or Besu refuses to start with node permissioning on.
    static_nodes = load_json("static-nodes.json")
    assert static_nodes == nodes
    accounts = permissions["accounts-allowlist"]
    assert accounts
    assert all(ADDRESS.match(account) for account in accounts), accounts


def committed_files() -> list[Path]:
    return sorted(p for p in BESU.iterdir() if p.is_file() and p.suffix != ".pyc")


def test_no_private_key_is_committed() -> None:
    for path in committed_files():
        # The one 32-byte value a QBFT genesis must hold is the fixed mixHash.
        text = path.read_text(encoding="utf-8").replace(QBFT_MIX_HASH, "")
        assert "privateKey" not in text, path.name
        assert not re.search(r"(?<![0-9a-fA-Fx])(0x)?[0-9a-fA-F]{64}(?![0-9a-fA-F])", text), (
            f"{path.name} holds something shaped like a private key"
        )
        assert path.name not in {"key", "key.priv"}


def test_extra_data_matches_besus_documented_encoding() -> None:
    encode = load_script("qbft_extra_data.py").encode_extra_data
    assert encode(BESU_DOCS_VALIDATORS) == BESU_DOCS_EXTRA_DATA
    vanity, validators, vote, round_number, seals = decode_qbft_extra_data(BESU_DOCS_EXTRA_DATA)
    assert vanity == bytes(32)
    assert ["0x" + v.hex() for v in validators] == BESU_DOCS_VALIDATORS
    assert (vote, round_number, seals) == ([], 0, [])
    with pytest.raises(ValueError, match="20-byte"):
        encode(["0x1234"])


def test_genesis_rendered_for_four_validators_decodes_as_qbft(
    genesis: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    script = load_script("qbft_extra_data.py")
    template = BESU / "genesis.template.json"
    assert script.main(["--genesis", str(template), *BESU_DOCS_VALIDATORS]) == 0
    rendered = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in rendered.items() if k != "extraData"} == genesis
    _, validators, vote, round_number, seals = decode_qbft_extra_data(rendered["extraData"])
    assert ["0x" + v.hex() for v in validators] == sorted(BESU_DOCS_VALIDATORS)
    assert (vote, round_number, seals) == ([], 0, [])


def test_template_extra_data_if_any_is_qbft(genesis: dict[str, Any]) -> None:
    if "extraData" not in genesis:
        return  # written by generate-blockchain-config or qbft_extra_data.py
    _, validators, _, round_number, seals = decode_qbft_extra_data(genesis["extraData"])
    assert len(validators) >= 4
    assert (round_number, seals) == (0, [])


def test_docs_name_every_file_they_use(docs: str) -> None:
    for path in committed_files():
        assert f"deploy/besu/{path.name}" in docs, path.name
