"""Second anchoring: each batch root anchored again on an external chain — a second Anvil node
with a chain id of its own — against real databases; the external chain down, restarted and
reset."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from cli.launcher import AnvilProcess
from registry.core.database import migrate
from registry.core.metadata import WorkMetadata
from registry.core.models import Batch, ExternalAnchoring
from registry.core.states import ExternalAnchoringState
from registry.core.views import RegistrationView
from registry.platform.runtime import Runtime, build_runtime
from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.proofs.external_anchoring import (
    ExternalCycle,
    ExternalPolicy,
    enqueue_anchored_batches,
    run_external_cycle,
)
from registry.registration.registrar import Registrar
from tests.conftest import free_port, make_settings

EXTERNAL_CHAIN_ID = 31338
NAME = "tianping"
POLICY = AnchoringPolicy(max_size=100)
EXTERNAL_POLICY = ExternalPolicy(
    retry_base=timedelta(seconds=30), retry_max=timedelta(minutes=10), receipt_wait=5.0
)


class Clock:
    """The runtime's clock, moved forward by hand (to get past a retry's backoff)."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


class ExternalNode:
    """The external chain: an Anvil node that can be stopped, restarted with its state, or
    replaced by an empty one on the same port (a reset chain)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.node = self._new()

    def _new(self) -> AnvilProcess:
        return AnvilProcess(
            port=self.port,
            workdir=self.workdir,
            state_file=self.workdir / "state.json",
            extra_args=("--chain-id", str(EXTERNAL_CHAIN_ID)),
        )

    @property
    def rpc_url(self) -> str:
        return self.node.rpc_url

    def stop(self) -> None:
        self.node.stop()  # writes its state file

    def restart(self) -> None:
        self.node = self._new()
        self.node.start()

    def reset(self) -> None:
        self.node.stop()
        (self.workdir / "state.json").unlink(missing_ok=True)
        self.node = self._new()
        self.node.start()


@pytest.fixture
def external(tmp_path: Path) -> Iterator[ExternalNode]:
    node = ExternalNode(tmp_path / "external-anvil")
    node.node.start()
    yield node
    node.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.fromisoformat("2026-12-05T08:00:00+00:00"))


@pytest.fixture
def runtime2(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, external: ExternalNode, clock: Clock
) -> Iterator[Runtime]:
    """A migrated runtime on the shared main Anvil with one external chain configured."""
    settings = make_settings(
        tmp_path / "data",
        database_url,
        anvil.rpc_url,
        external_chains=[{"name": NAME, "rpc_url": external.rpc_url, "chain_id": 31338}],
    )
    built = build_runtime(settings)
    built.now = clock
    migrate(built.engine)
    yield built
    built.close()


def register(runtime: Runtime, *texts: str) -> list[RegistrationView]:
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
    return [
        registrar.register(io.BytesIO(text.encode()), WorkMetadata(title=text)) for text in texts
    ]


def anchor_main(runtime: Runtime) -> None:
    cycle = run_anchoring_cycle(
        runtime.sessions, runtime.anchor_client(), policy=POLICY, now=runtime.now
    )
    assert cycle.error is None


def external_cycle(runtime: Runtime) -> ExternalCycle:
    return run_external_cycle(
        runtime.sessions,
        NAME,
        runtime.external_chains[0].resolve,
        policy=EXTERNAL_POLICY,
        now=runtime.now,
    )


def rows(runtime: Runtime) -> list[tuple[ExternalAnchoring, str]]:
    with runtime.sessions() as session:
        return [
            (row, root)
            for row, root in session.execute(
                select(ExternalAnchoring, Batch.root)
                .join(Batch, Batch.id == ExternalAnchoring.batch_id)
                .order_by(ExternalAnchoring.batch_id)
            )
        ]


def external_client(runtime: Runtime) -> RegistryAnchorClient:
    return runtime.external_chains[0].resolve().client


def anchored_events(client: RegistryAnchorClient, root: str) -> int:
    logs = client.contract.events.Anchored().get_logs(
        from_block=0, argument_filters={"root": bytes.fromhex(root)}
    )
    return len(logs)


def assert_confirmed_on_chain(runtime: Runtime, row: ExternalAnchoring, root: str) -> None:
    client = external_client(runtime)
    assert row.state == ExternalAnchoringState.CONFIRMED
    assert (row.chain_id, row.contract_address) == (EXTERNAL_CHAIN_ID, client.address)
    info = client.root_info(bytes.fromhex(root))
    assert info is not None
    assert info.block_number == row.block_number
    assert row.block_number is not None
    assert client.block_hash(row.block_number) == row.block_hash
    assert anchored_events(client, root) == 1


def test_a_root_is_anchored_on_both_chains(runtime2: Runtime) -> None:
    register(runtime2, "江南好", "风景旧曾谙")
    # Before the main anchoring there is nothing to anchor elsewhere.
    assert external_cycle(runtime2) == ExternalCycle(chain=NAME)
    anchor_main(runtime2)

    cycle = external_cycle(runtime2)
    assert (cycle.queued, cycle.sent, cycle.confirmed, cycle.error) == (1, 1, 1, None)
    [(row, root)] = rows(runtime2)
    assert_confirmed_on_chain(runtime2, row, root)
    assert row.tx_hash is not None
    assert row.attempts == 1
    main_client = runtime2.anchor_client()
    assert main_client.chain_id() != EXTERNAL_CHAIN_ID
    assert main_client.root_info(bytes.fromhex(root)) is not None

    # Idempotent: another cycle sends nothing.
    again = external_cycle(runtime2)
    assert (again.sent, again.confirmed, again.lost) == (0, 0, 0)
    assert anchored_events(external_client(runtime2), root) == 1


def test_a_crash_after_sending_never_anchors_twice(runtime2: Runtime) -> None:
    register(runtime2, "日出江花红胜火")
    anchor_main(runtime2)
    # The row is queued, then the worker sends and dies before recording what it sent.
    assert enqueue_anchored_batches(runtime2.sessions, NAME, now=runtime2.now) == 1
    with runtime2.sessions() as session:
        root = session.scalars(select(Batch.root)).one()
    client = external_client(runtime2)
    client.anchor(bytes.fromhex(root), 1)
    [(row, _)] = rows(runtime2)
    assert row.state == ExternalAnchoringState.PENDING

    cycle = external_cycle(runtime2)
    assert (cycle.sent, cycle.confirmed) == (0, 1)
    [(row, _)] = rows(runtime2)
    assert_confirmed_on_chain(runtime2, row, root)


def test_the_external_chain_down_delays_nothing_and_catches_up(
    runtime2: Runtime, external: ExternalNode, clock: Clock
) -> None:
    register(runtime2, "春来江水绿如蓝")
    anchor_main(runtime2)
    assert external_cycle(runtime2).confirmed == 1

    external.stop()
    views = register(runtime2, "能不忆江南", "其二")
    anchor_main(runtime2)  # the main chain anchors as before
    assert {runtime2.proofs.registration(v.number).status for v in views} == {"anchored"}
    down = external_cycle(runtime2)
    assert (down.queued, down.failed) == (1, 1)
    assert down.error is not None
    first, second = rows(runtime2)
    assert first[0].state == ExternalAnchoringState.CONFIRMED
    failed = second[0]
    assert failed.state == ExternalAnchoringState.FAILED
    assert (failed.attempts, failed.tx_hash) == (1, None)
    assert failed.last_error
    assert "unreachable" in failed.last_error
    assert failed.next_attempt_at is not None
    # Retried only after the backoff, which doubles with each failure.
    assert external_cycle(runtime2).failed == 0
    clock.advance(timedelta(seconds=31))
    assert external_cycle(runtime2).failed == 1
    assert rows(runtime2)[1][0].attempts == 2
    # Registrations go on being accepted and anchored meanwhile.
    register(runtime2, "还在登记")
    anchor_main(runtime2)

    external.restart()  # the same chain, its state kept
    clock.advance(timedelta(minutes=2))
    back = external_cycle(runtime2)
    assert (back.queued, back.confirmed, back.lost, back.error) == (1, 2, 0, None)
    for row, root in rows(runtime2):
        assert_confirmed_on_chain(runtime2, row, root)
        assert row.last_error is None


def test_a_reset_external_chain_gets_every_root_again(
    runtime2: Runtime, external: ExternalNode
) -> None:
    register(runtime2, "千里莺啼绿映红")
    anchor_main(runtime2)
    register(runtime2, "水村山郭酒旗风")
    anchor_main(runtime2)
    assert external_cycle(runtime2).confirmed == 2
    before = {root: row.block_hash for row, root in rows(runtime2)}

    external.reset()  # an empty chain: the contract and both roots gone
    cycle = external_cycle(runtime2)
    assert (cycle.lost, cycle.sent, cycle.confirmed, cycle.error) == (2, 2, 2, None)
    for row, root in rows(runtime2):
        assert_confirmed_on_chain(runtime2, row, root)
        assert row.block_hash != before[root]


def test_a_changed_block_hash_is_noticed_and_the_root_anchored_again(
    runtime2: Runtime, external: ExternalNode
) -> None:
    register(runtime2, "南朝四百八十寺")
    anchor_main(runtime2)
    assert external_cycle(runtime2).confirmed == 1
    [(row, root)] = rows(runtime2)
    # The chain still has the root, but not the block recorded (a reorganisation).
    with runtime2.sessions() as session:
        session.query(ExternalAnchoring).update({"block_hash": "0x" + "ab" * 32})
        session.commit()

    cycle = external_cycle(runtime2)
    assert (cycle.lost, cycle.sent, cycle.confirmed) == (1, 0, 1)
    [(row, root)] = rows(runtime2)
    assert_confirmed_on_chain(runtime2, row, root)


def test_a_node_of_another_chain_is_refused(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, clock: Clock
) -> None:
    settings = make_settings(
        tmp_path / "data",
        database_url,
        anvil.rpc_url,
        external_chains=[{"name": NAME, "rpc_url": anvil.rpc_url, "chain_id": 31338}],
    )
    runtime = build_runtime(settings)
    runtime.now = clock
    migrate(runtime.engine)
    try:
        register(runtime, "泊秦淮")
        anchor_main(runtime)
        cycle = external_cycle(runtime)
        assert cycle.failed == 1
        assert cycle.error is not None
        assert "not 31338" in cycle.error
        [(row, _)] = rows(runtime)
        assert row.state == ExternalAnchoringState.FAILED
    finally:
        runtime.close()


def test_the_worker_threads_anchor_on_both_chains(runtime2: Runtime) -> None:
    register(runtime2, "烟笼寒水月笼沙")
    batcher = runtime2.new_batcher()
    [anchorer] = runtime2.new_external_anchorers()
    assert batcher.run_once().anchored == 1
    assert anchorer.run_once().confirmed == 1
    [(row, root)] = rows(runtime2)
    assert_confirmed_on_chain(runtime2, row, root)


def test_the_proof_bundle_carries_the_external_anchoring(runtime2: Runtime) -> None:
    [view] = register(runtime2, "夜泊秦淮近酒家")
    anchor_main(runtime2)
    external_cycle(runtime2)
    [(row, _)] = rows(runtime2)

    bundle = runtime2.proofs.bundle(view.number)
    anchors = bundle["external_anchors"]
    assert isinstance(anchors, list)
    [entry] = anchors
    assert entry == {
        "chain": NAME,
        "chain_id": EXTERNAL_CHAIN_ID,
        "contract": row.contract_address,
        "tx_hash": row.tx_hash,
        "block_number": row.block_number,
        "block_hash": row.block_hash,
        "anchored_at": entry["anchored_at"],
    }
    assert row.block_number is not None
    w3 = connect(runtime2.external_chains[0].config.rpc_url)
    block_time = int(w3.eth.get_block(row.block_number)["timestamp"])
    assert datetime.fromisoformat(entry["anchored_at"]).timestamp() == block_time


def test_an_external_node_that_never_answers_holds_up_nothing(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, clock: Clock
) -> None:
    """A node that accepts connections and never answers: its anchorer thread waits out its
    timeouts while registrations are accepted and the main chain anchors them."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        chains = [{"name": NAME, "rpc_url": url, "chain_id": 31338, "timeout_seconds": 6}]
        runtime = build_runtime(
            make_settings(tmp_path / "data", database_url, anvil.rpc_url, external_chains=chains)
        )
        runtime.now = clock
        migrate(runtime.engine)
        try:
            register(runtime, "第一首")
            anchor_main(runtime)
            [anchorer] = runtime.new_external_anchorers()
            anchorer.start()
            time.sleep(0.5)  # the anchorer is now waiting on the silent node
            started = time.monotonic()
            views = register(runtime, "第二首", "第三首")
            assert runtime.new_batcher().run_once().anchored == 1
            assert time.monotonic() - started < 3.0  # far less than the node's 6 s timeout
            statuses = {runtime.proofs.registration(v.number).status for v in views}
            assert statuses == {"anchored"}
            anchorer.stop()
            assert anchorer.last_cycle is not None
            assert anchorer.last_cycle.error is not None
            row = rows(runtime)[0][0]
            assert row.state == ExternalAnchoringState.FAILED
            assert row.last_error is not None
        finally:
            anchorer.stop()
            runtime.close()
