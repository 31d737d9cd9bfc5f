"""End to end through the web UI's API: start the Dagster webserver on this code location,
find the assets, checks and partitions over GraphQL, launch one persona as the UI does, wait
for the run, and find its rows in PostgreSQL; terminate a run while its loader waits, and
find it CANCELED, not retried, with the previous rows in place."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.schedules import as_of_config
from synth_assets.generate.common import Context
from synth_assets.load import postgres, schema, target
from synth_assets_tests.support.database import checksums, stored_rows, waiting_loaders
from synth_assets_tests.support.processes import free_port, wait_for
from synth_assets_tests.support.runs import AS_OF

# Its module fixture is costly: the module's tests share one xdist worker.
pytestmark = pytest.mark.xdist_group(__name__)

ROOT = Path(__file__).resolve().parent.parent
WEBSERVER = str(Path(sys.executable).parent / "dagster-webserver")
LOCATION = "synth_assets"
INSTANCE_YAML = """
run_coordinator:
  module: dagster.core.run_coordinator
  class: DefaultRunCoordinator
telemetry:
  enabled: false
nux:
  enabled: false
"""
ASSETS_QUERY = """
{ assetNodes { assetKey { path } groupName description partitionKeys
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }
"""
LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
RUN_STATUS = "query Run($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
TERMINATE = """
mutation Terminate($id: String!) {
  terminateRun(runId: $id) {
    __typename
    ... on TerminateRunFailure { message }
    ... on PythonError { message }
  }
}
"""
STEP_EVENTS = """
query Events($id: ID!) {
  logsForRun(runId: $id) {
    ... on EventConnection { events { __typename ... on StepEvent { stepKey } } }
  }
}
"""


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.loads(response.read())
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


@pytest.fixture(scope="module")
def webserver(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, Path]]:
    """The webserver in its own process group (killed as a group, runs included)."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SYNTH_DATABASE_URL": database_url,
        "SYNTH_AS_OF": AS_OF.isoformat(),
        "SYNTH_EXPORT_DIR": str(home / "exports"),
    }
    log = (home / "webserver.log").open("w")
    process = subprocess.Popen(
        [WEBSERVER, "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (home / "webserver.log").read_text()[-3000:]
            try:
                if graphql(port, "{ version }")["version"]:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            assert time.monotonic() < deadline, "webserver did not answer in 120s"
            time.sleep(1)
        yield port, home
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_ui_lists_assets_checks_and_partitions(webserver):
    port, _ = webserver
    nodes = graphql(port, ASSETS_QUERY)["assetNodes"]
    by_name = {node["assetKey"]["path"][-1]: node for node in nodes}
    assert {*schema.TABLE_NAMES, "postgres_tables", "exports"} <= set(by_name)
    for name, node in by_name.items():
        assert node["description"], name
        assert node["partitionKeys"] == persona_partitions.get_partition_keys(), name
    checks = {
        check["name"]: check["blocking"]
        for check in by_name["transactions"]["assetChecksOrError"]["checks"]
    }
    assert checks["plaid_format"] is True and checks["integrity"] is True
    assert checks["persona_fidelity"] is False
    assert by_name["postgres_tables"]["groupName"] == "warehouse"


def _launch(port: int, persona: str, run_config: dict | None = None) -> str:
    """Launch refresh_all_personas for ``persona`` as the UI's launchpad does: its run id."""
    params = {
        "selector": {
            "repositoryLocationName": LOCATION,
            "repositoryName": "__repository__",
            "jobName": "refresh_all_personas",
        },
        "runConfigData": run_config or {},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": persona}]},
    }
    launched = graphql(port, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def _finished(port: int, run_id: str) -> str:
    """The run's status once it has ended."""
    return wait_for(
        lambda: next(
            (s for s in [_status(port, run_id)] if s in ("SUCCESS", "FAILURE", "CANCELED")), None
        ),
        300,
        f"run {run_id} to end",
        every=0.5,
    )


def _status(port: int, run_id: str) -> str:
    return graphql(port, RUN_STATUS, {"id": run_id})["runOrError"]["status"]


def test_launch_one_persona_as_the_ui_does(webserver, database_url, personas, frames):
    """The persona is first published as of the same day from the same state, so the run's
    changes start where the frames' do (this worker's database has seen other days)."""
    port, home = webserver
    persona = "retiree"
    postgres.ensure_schema(database_url)
    state = Context(personas[persona], as_of=AS_OF).state
    postgres.replace_partition(database_url, persona, frames[persona], as_of=AS_OF, state=state)
    assert _finished(port, _launch(port, persona)) == "SUCCESS"
    for table in schema.TABLE_NAMES:
        assert stored_rows(database_url, table, persona) == len(frames[persona][table]), table
    manifests = list((home / "exports" / persona).glob("*/manifest.json"))
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text())
    assert manifest["rows"]["users"] == len(frames[persona]["users"])
    window = personas[persona].window(AS_OF)
    assert {k: manifest[k] for k in ("as_of", "since", "seed", "scale", "window")} == {
        "as_of": AS_OF.isoformat(), "since": (AS_OF - dt.timedelta(days=1)).isoformat(),
        "seed": 42, "scale": 1.0,
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
    }  # fmt: skip
    assert manifests[0].parent.name.endswith(f"-as-of-{AS_OF}")


def test_a_run_terminated_while_its_loader_waits_is_canceled_and_publishes_nothing(
    webserver, database_url, frames
):
    """The hostile tester's case: another session holds the persona's publish lock, a run as
    of another day is launched, and terminated from the UI while its loader waits. It ends
    CANCELED, no step is retried, and the persona keeps its rows once the lock is let go."""
    port, _ = webserver
    persona = "student"
    postgres.ensure_schema(database_url)
    postgres.replace_partition(database_url, persona, frames[persona], as_of=AS_OF)
    before = checksums(database_url, persona)
    with target.connect(database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext(%s))", (postgres.lock_key(persona),))
        run_id = _launch(port, persona, as_of_config("2026-11-25"))
        wait_for(lambda: waiting_loaders(database_url, "advisory"), 120, "the loader to wait")
        terminated = graphql(port, TERMINATE, {"id": run_id})["terminateRun"]
        assert terminated["__typename"] == "TerminateRunSuccess", terminated
        wait_for(lambda: _status(port, run_id) != "STARTED", 60, "the run to stop", every=0.2)
    assert _finished(port, run_id) == "CANCELED"
    events = graphql(port, STEP_EVENTS, {"id": run_id})["logsForRun"]["events"]
    kinds = {e["__typename"] for e in events}
    assert "ExecutionStepUpForRetryEvent" not in kinds and "ExecutionStepRestartEvent" not in kinds
    assert not waiting_loaders(database_url, "advisory"), "a backend still waits for the dead run"
    assert checksums(database_url, persona) == before, "the terminated run published"
