"""The Dagster layer: thin definitions over the plain generation, check and load functions."""
