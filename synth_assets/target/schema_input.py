"""The app's schema, from where a mapping says: its SQLAlchemy models (``module:attribute``
naming a declarative Base or a MetaData) or its live database (the URL read from an
environment variable), into the one table model."""

from __future__ import annotations

import importlib
import os

from synth_assets import table_model as tm
from synth_assets.target.mapping import MappingError, Target


def models(spec: str) -> tm.Schema:
    """The tables of the SQLAlchemy metadata ``module:attribute`` names."""
    import sqlalchemy as sa

    from synth_assets.load import model_sql

    module_name, _, attribute = spec.partition(":")
    try:
        found: object = importlib.import_module(module_name)
    except ImportError as error:
        raise MappingError(f"target.models: cannot import {module_name!r}: {error}") from None
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise MappingError(f"target.models: {module_name!r} has no {attribute!r}")
        found = getattr(found, part)
    metadata = getattr(found, "metadata", found)
    if not isinstance(metadata, sa.MetaData):
        raise MappingError(
            f"target.models: {spec} is neither a declarative Base nor a MetaData "
            f"(a {type(found).__name__})"
        )
    return model_sql.read_metadata(metadata)


def read(target: Target) -> tm.Schema:
    """The schema ``target`` names."""
    if target.models:
        return models(target.models)
    from synth_assets.load import model_sql

    url = os.environ.get(target.database_env or "")
    if not url:
        raise MappingError(f"target.database_env: {target.database_env} is not set")
    return model_sql.reflect(url, target.schema_name)
