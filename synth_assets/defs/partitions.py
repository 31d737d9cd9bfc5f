"""Persona partitions: one partition key per persona file in the personas folder, read when
the code location loads, so adding a YAML file adds a partition with no code change. Only the
file names are read here: a malformed file is refused when a run uses it, and the others
load."""

from pathlib import Path

from dagster import StaticPartitionsDefinition

from synth_assets.personas import persona_names


def persona_partitions_from(directory: Path | None = None) -> StaticPartitionsDefinition:
    return StaticPartitionsDefinition(persona_names(directory))


persona_partitions = persona_partitions_from()
