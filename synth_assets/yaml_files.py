"""Reading the project's YAML files (personas, the app folder's marker): safe YAML with two
changes, and every way a file can be unreadable turned into one error that names it.

The changes: a key given twice is an error (not "the last one wins"), and dates stay strings,
so pydantic parses them and a bad one names its field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class YamlFileError(ValueError):
    """A file that is not readable YAML; the message names it."""


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _unique_mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # unhashable: construct_mapping reports it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found the key {key!r} twice",
                key_node.start_mark,
            )
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, at most ``max_bytes``; anything else is refused by name."""
    if not path.is_file():
        raise YamlFileError(f"{path}: not a regular file")
    try:
        if path.stat().st_size > max_bytes:
            raise YamlFileError(f"{path}: larger than {max_bytes:,} bytes")
        return path.read_bytes()
    except OSError as error:
        raise YamlFileError(f"{path}: cannot be read: {error.strerror}") from None


def parse(path: Path, content: bytes) -> Any:
    """``content`` (read from ``path``) as YAML."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlFileError(f"{path}: not UTF-8 text (byte {error.start})") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path}: not valid YAML: {exc}") from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # PyYAML's constructors raise these for explicit tags (!!int abc, !!timestamp
        # 2025-02-30), over-long integers and very deep nesting.
        raise YamlFileError(f"{path}: not valid YAML: {type(exc).__name__}: {exc}") from None
