"""Persona partitions: one partition key per file in the personas folder, read at load time,
so adding a YAML file adds a partition with no code change."""

from pathlib import Path

from dagster import StaticPartitionsDefinition

from synth_assets.personas import load_personas


def persona_partitions_from(directory: Path | None = None) -> StaticPartitionsDefinition:
    return StaticPartitionsDefinition(sorted(load_personas(directory)))


persona_partitions = persona_partitions_from()
