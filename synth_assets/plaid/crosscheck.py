"""Cross-check our Plaid views and validator against Plaid's official OpenAPI schemas.

A development tool, not part of the test suite: it reads Plaid's reference files at run time,
turns the official component schemas into strict JSON Schemas (nullable made explicit, no extra
keys allowed), and validates both Plaid's own example responses and every persona's generated
objects with them and with our validator, so the two can be compared side by side.

    python -m synth_assets.plaid.crosscheck [PLAID_DIR]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import jsonschema_rs

from synth_assets.plaid import views
from synth_assets.plaid.validate import validate

Schema = dict[str, Any]
PlaidObjects = Sequence[Mapping[str, Any]]

DEFAULT_PLAID_DIR = Path(__file__).resolve().parents[3] / "shared" / "plaid"
OPENAPI_FILE = "openapi-schemas-subset.json"
REF_PREFIX = "#/components/schemas/"
# Our validator's kinds and the official component schema of each.
OFFICIAL = {
    "transaction": "Transaction",
    "account": "AccountBase",
    "credit": "CreditCardLiability",
    "student": "StudentLoan",
    "mortgage": "MortgageLiability",
}
LIABILITY_KINDS = ("credit", "student", "mortgage")
# OpenAPI-only keywords, and annotations jsonschema does not need.
DROPPED = {
    "nullable",
    "deprecated",
    "example",
    "examples",
    "discriminator",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "xml",
    "title",
    "description",
}
CHECKED_FORMATS = {"date", "date-time"}  # others (double, int32, ...) are OpenAPI hints
SHOWN_ERRORS = 3
MESSAGE_WIDTH = 110


@dataclass(frozen=True)
class Row:
    source: str
    kind: str
    checked: int
    official: list[tuple[int, str, str]]  # (index, JSON path, message)
    ours: list[tuple[int, str, str]]

    @property
    def passed(self) -> bool:
        return not self.official and not self.ours


# --- OpenAPI component -> strict JSON Schema -------------------------------------------------


def _resolve(
    node: Schema, schemas: Mapping[str, Schema], stack: tuple[str, ...]
) -> tuple[Schema, tuple[str, ...]]:
    """Follow ``$ref`` and merge ``allOf`` at the top of ``node``; also return the refs followed
    (the expansion stack), so a schema that contains itself is caught instead of looping."""
    while "$ref" in node:
        name = node["$ref"].removeprefix(REF_PREFIX)
        if name in stack:
            raise ValueError(f"cyclic $ref: {' -> '.join((*stack, name))}")
        stack, node = (*stack, name), schemas[name]
    if "allOf" not in node:
        return node, stack
    parts = [_resolve(branch, schemas, stack) for branch in node["allOf"]]
    rest = {key: value for key, value in node.items() if key != "allOf"}
    followed = tuple(dict.fromkeys(name for _, names in parts for name in names))
    return _merge([*(part for part, _ in parts), rest]), followed


def _merge(parts: Sequence[Schema]) -> Schema:
    """One schema from ``allOf`` branches: properties and required united, other keys from the
    last branch that sets them (closing each branch separately would reject every object)."""
    merged: Schema = {}
    for part in parts:
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            else:
                merged[key] = value
    return merged


def _nullable(schema: Schema) -> Schema:
    """OpenAPI ``nullable: true`` as JSON Schema: null added to the type and to the enum."""
    if isinstance(schema.get("type"), str):
        schema["type"] = [schema["type"], "null"]
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def strict_schema(
    node: Schema, schemas: Mapping[str, Schema], stack: tuple[str, ...] = ()
) -> Schema:
    """The strict JSON Schema of an OpenAPI schema node, every ``$ref`` inlined: nullability
    explicit, only date formats checked, and objects closed (``additionalProperties: false``)."""
    node, stack = _resolve(node, schemas, stack)
    schema: Schema = {}
    for key, value in node.items():
        if (
            key in DROPPED
            or key.startswith("x-")
            or (key == "format" and value not in CHECKED_FORMATS)
        ):
            continue
        if key == "properties":
            schema[key] = {name: strict_schema(sub, schemas, stack) for name, sub in value.items()}
        elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
            schema[key] = strict_schema(value, schemas, stack)
        elif key in ("anyOf", "oneOf"):
            schema[key] = [strict_schema(branch, schemas, stack) for branch in value]
        else:
            schema[key] = value
    if schema.get("type") == "object" or "properties" in schema:
        schema.setdefault("properties", {})
        if not isinstance(schema.get("additionalProperties"), dict):
            schema["additionalProperties"] = False
    return _nullable(schema) if node.get("nullable") else schema


def official_validators(plaid_dir: Path) -> dict[str, jsonschema_rs.Draft7Validator]:
    """Per kind, a validator of a list of objects under the strict official schema."""
    schemas = json.loads((plaid_dir / OPENAPI_FILE).read_text())["components"]["schemas"]
    return {
        kind: jsonschema_rs.Draft7Validator(
            {"type": "array", "items": strict_schema(schemas[name], schemas)}, validate_formats=True
        )
        for kind, name in OFFICIAL.items()
    }


# --- Objects to check --------------------------------------------------------------------------


Batch = tuple[str, str, PlaidObjects, dict[str, str]]  # source, kind, objects, account types


def _account_types(accounts: PlaidObjects) -> dict[str, str]:
    return {account["account_id"]: account["type"] for account in accounts}


def _batches(
    source: str,
    transactions: PlaidObjects | None,
    accounts: PlaidObjects,
    liabilities: Mapping[str, PlaidObjects] | None,
) -> Iterator[Batch]:
    """One response's (or persona's) object lists, by kind; ``None`` when it has none."""
    types = _account_types(accounts)
    if transactions is not None:
        yield source, "transaction", transactions, types
    yield source, "account", accounts, types
    if liabilities is not None:
        for kind in LIABILITY_KINDS:
            yield source, kind, liabilities.get(kind) or [], types


def plaid_examples(plaid_dir: Path) -> Iterator[Batch]:
    """Plaid's own example objects from its example responses."""
    for name in ("accounts_get", "liabilities_get", "transactions_sync"):
        response = json.loads((plaid_dir / f"{name}.json").read_text())
        transactions = [*response["added"], *response["modified"]] if "added" in response else None
        yield from _batches(
            f"plaid {name}", transactions, response["accounts"], response.get("liabilities")
        )


def persona_objects() -> Iterator[Batch]:
    """Every shipped persona's generated objects, built by our Plaid views."""
    from synth_assets.generate.common import Context
    from synth_assets.generate.frames import generate_all
    from synth_assets.personas import load_personas

    for name, persona in load_personas().items():
        frames = generate_all(Context(persona))
        yield from _batches(
            name,
            views.transaction_objects(frames["transactions"]),
            views.account_objects(frames["accounts"]),
            views.liability_objects(frames["liabilities"]),
        )


# --- Checking and reporting -------------------------------------------------------------------


def _json_path(parts: Sequence[Any]) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


def official_errors(
    validator: jsonschema_rs.Draft7Validator, objects: PlaidObjects
) -> list[tuple[int, str, str]]:
    """(index, JSON path inside the object, message) of every error, in one validator call."""
    errors = []
    for error in validator.iter_errors(list(objects)):
        index, *inner = error.instance_path
        errors.append((int(index), _json_path(inner), error.message))
    return sorted(errors, key=lambda error: error[0])


def check(batch: Batch, validators: Mapping[str, jsonschema_rs.Draft7Validator]) -> Row:
    source, kind, objects, account_types = batch
    report = validate(kind, objects, account_types if kind == "transaction" else None)
    ours = [(error.index, error.path, f"[{error.kind}] {error.message}") for error in report.errors]
    return Row(source, kind, len(objects), official_errors(validators[kind], objects), ours)


def _shorten(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MESSAGE_WIDTH else message[: MESSAGE_WIDTH - 3] + "..."


def format_row(row: Row) -> list[str]:
    lines = [
        f"{row.source:<24} {row.kind:<12} {row.checked:>8} {len(row.official):>9} {len(row.ours):>7}"
    ]
    for label, errors in (("official", row.official), ("ours", row.ours)):
        lines += [
            f"    {label:<8} [{i}] {path}: {_shorten(msg)}"
            for i, path, msg in errors[:SHOWN_ERRORS]
        ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    plaid_dir = Path(args[0]) if args else DEFAULT_PLAID_DIR
    validators = official_validators(plaid_dir)
    print(
        f"official schemas: {plaid_dir / OPENAPI_FILE} (strict: nullable explicit, no extra keys)"
    )
    print(f"{'source':<24} {'kind':<12} {'checked':>8} {'official':>9} {'ours':>7}")
    passed = True
    for batch in chain(plaid_examples(plaid_dir), persona_objects()):
        row = check(batch, validators)
        passed &= row.passed
        print("\n".join(format_row(row)), flush=True)
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
