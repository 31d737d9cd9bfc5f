"""End to end through the web UI's API: start the Dagster webserver on this code location,
find the assets, checks and partitions over GraphQL, launch one persona as the UI does, wait
for the run, and find its rows in PostgreSQL."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from synth_assets.defs.partitions import persona_partitions
from synth_assets.load import schema
from synth_assets_tests.support.database import stored_rows
from synth_assets_tests.support.runs import AS_OF

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    port = _free_port()
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


def test_launch_one_persona_as_the_ui_does(webserver, database_url, frames):
    port, home = webserver
    persona = "retiree"
    params = {
        "selector": {
            "repositoryLocationName": LOCATION,
            "repositoryName": "__repository__",
            "jobName": "refresh_all_personas",
        },
        "runConfigData": {},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": persona}]},
    }
    launched = graphql(port, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline = time.monotonic() + 300
    status = None
    while time.monotonic() < deadline:
        status = graphql(port, RUN_STATUS, {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status == "SUCCESS"
    for table in schema.TABLE_NAMES:
        assert stored_rows(database_url, table, persona) == len(frames[persona][table]), table
    manifests = list((home / "exports" / persona).glob("*/manifest.json"))
    assert len(manifests) == 1
    assert json.loads(manifests[0].read_text())["rows"]["users"] == len(frames[persona]["users"])
