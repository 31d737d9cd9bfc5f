"""Re-materialise a persona when its YAML file changes (stopped by default).

The cursor maps persona -> the sha256 of its file and how many changes were seen; the first
evaluation only records the hashes. The change count is in each run key: Dagster runs a run
key once, so a key of the content alone would skip a change back to an earlier content
(A -> B -> A -> B), leaving the tables on A while the file says B.
"""

import contextlib
import hashlib
import json

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from synth_assets.defs.jobs import refresh_all_personas
from synth_assets.defs.partitions import persona_partitions
from synth_assets.personas import PERSONA_NAME, persona_files


def _entry(value: str | dict) -> dict:
    """A cursor entry; cursors written before the change count held the digest alone."""
    return {"sha256": value, "changes": 0} if isinstance(value, str) else value


def persona_file_hashes() -> dict[str, str]:
    """The sha256 of each persona's file; a name that is no regular file of its own (two
    files, a folder, a broken link) is left out here and refused when a run uses it."""
    hashes = {}
    for name, paths in persona_files().items():
        if len(paths) == 1 and PERSONA_NAME.fullmatch(name):
            with contextlib.suppress(OSError):
                hashes[name] = hashlib.sha256(paths[0].read_bytes()).hexdigest()
    return hashes


@sensor(
    job=refresh_all_personas,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.STOPPED,
    description="Requests a refresh of a persona whose YAML file changed since the last check.",
)
def persona_file_changes(context: SensorEvaluationContext):
    current = persona_file_hashes()
    if context.cursor is None:
        context.update_cursor(json.dumps(current))
        return SkipReason(
            f"recorded {len(current)} persona files; changes are refreshed from now on"
        )
    seen = {name: _entry(value) for name, value in json.loads(context.cursor).items()}
    known = set(persona_partitions.get_partition_keys())
    changed = sorted(
        name for name, digest in current.items() if seen.get(name, {}).get("sha256") != digest
    )
    counts = {name: seen.get(name, {}).get("changes", 0) + (name in changed) for name in current}
    context.update_cursor(
        json.dumps({name: {"sha256": current[name], "changes": counts[name]} for name in current})
    )
    requests = [
        RunRequest(
            run_key=f"{name}:{counts[name]}:{current[name][:16]}",
            partition_key=name,
            tags={"synth/trigger": "persona_changed"},
        )
        for name in changed
        if name in known
    ]
    new_files = [name for name in changed if name not in known]
    if new_files:
        context.log.info(
            f"new persona files {new_files}: reload the code location to add their partitions"
        )
    return requests or SkipReason("no persona file changed")
