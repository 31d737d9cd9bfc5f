"""The app's schema, from where a mapping says: its SQLAlchemy models (``module:attribute``
naming a declarative Base or a MetaData) or its live database (the URL read from an
environment variable), into the one table model."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from synth_assets import table_model as tm
from synth_assets.target.mapping import MappingError, Target


def models(spec: str, near: Path | None = None) -> tm.Schema:
    """The tables of the SQLAlchemy metadata ``module:attribute`` names, imported as the
    app's code would be: from the working folder, the mapping's folder (``near``) or the
    installed packages."""
    import sqlalchemy as sa

    from synth_assets.load import model_sql

    module_name, _, attribute = spec.partition(":")
    folders = [str(Path.cwd()), *([str(near)] if near else [])]
    added = [folder for folder in folders if folder not in sys.path]
    sys.path[:0] = added
    try:
        found: object = importlib.import_module(module_name)
    except ImportError as error:
        raise MappingError(f"target.models: cannot import {module_name!r}: {error}") from None
    except Exception as error:  # the app's module failed as it was imported
        raise MappingError(
            f"target.models: importing {module_name!r} failed: {type(error).__name__}: {error}"
        ) from None
    finally:
        for folder in added:
            sys.path.remove(folder)
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


def read(target: Target, near: Path | None = None) -> tm.Schema:
    """The schema ``target`` names (``near``: the mapping file's folder)."""
    if target.models:
        return models(target.models, near)
    from synth_assets.load import model_sql
    from synth_assets.load import target as database

    variable = target.database_env or ""
    url = os.environ.get(variable)
    if not url:
        raise MappingError(f"target.database_env: {variable} is not set")
    try:
        database.parameters(url, source=variable)  # refused by name, never shown
        return model_sql.reflect(url, target.schema_name)
    except database.TargetError as error:
        raise MappingError(f"target.database_env: {error}") from None
    except Exception as error:  # the driver's words may quote the URL: only its kind is shown
        raise MappingError(
            f"target.database_env: cannot read the schema {target.schema_name!r} of "
            f"{database.masked(url)} ({type(error).__name__})"
        ) from None
