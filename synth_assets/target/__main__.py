"""``python -m synth_assets.target``: ``draft`` a mapping from the app's schema (its
SQLAlchemy models or its live database), then ``check FILE``: judge it against the schema,
writing nothing; exit 1 with every problem named, or print what each table gets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from synth_assets.target import check, draft, mapping, schema_input, transform


def _check(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        read = mapping.read(path)
    except mapping.MappingError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        schema = schema_input.read(read.target, path.parent)
    except mapping.MappingError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 2
    found = check.problems(read, schema)
    for problem in found:
        print(problem.shown(path), file=sys.stderr)
    if found:
        print(f"{len(found)} problems; nothing was run", file=sys.stderr)
        return 1
    print(f"{path}: {len(read.tables)} tables, each column with a source:")
    for name, table in read.tables.items():
        origin = f"one row per {table.source} row" if table.source else _rows(table.rows)
        if table.where:
            origin += f" where {table.where}"
        print(f"  {name}: {origin}")
        for column, source in table.columns.items():
            print(f"    {column:<24} {source.kind}: {_shown(source)}")
    print("load order: " + ", ".join(transform.load_plan(read, schema)[1]))
    return 0


def _rows(rows: mapping.Rows | None) -> str:
    if rows is None:
        return "?"
    return (
        f"{rows.count} rows (times the scale)"
        if rows.count is not None
        else f"one per {rows.ratio:g} {rows.per} rows"
    )


def _shown(source: mapping.Source) -> str:
    value = getattr(source, source.kind)
    shown = value if not hasattr(value, "model_dump") else value.model_dump(exclude_defaults=True)
    extra = f", values {source.values}" if source.values else ""
    return f"{shown}{extra}" + (f", {source.nulls:.0%} NULL" if source.nulls else "")


def _draft(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if output.exists() or output.is_symlink():
        print(
            f"{output}: already exists; nothing written (draft never overwrites)", file=sys.stderr
        )
        return 2
    target = {"models": args.models} if args.models else {"database_env": args.database_env}
    if args.schema != "public":
        target["schema"] = args.schema
    try:
        spec = mapping.Target.model_validate(target)
        schema = schema_input.read(spec)
    except (mapping.MappingError, ValueError) as error:
        print(f"{output}: {error}", file=sys.stderr)
        return 2
    drafted = draft.draft(schema, target)
    header = (
        "# Drafted by python -m synth_assets.target draft: every guess has a note saying what\n"
        "# it matched. Read them, edit, then run python -m synth_assets.target check.\n"
    )
    text = header + yaml.safe_dump(drafted, sort_keys=False, width=100)
    try:
        with output.open("x") as out:
            out.write(text)
    except OSError as error:
        print(f"{output}: cannot be written: {error.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {output}: {len(drafted['tables'])} tables")
    for name in draft.left_out(schema):
        print(f"left out {name}: no primary key and no unique NOT NULL columns to tell rows by")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m synth_assets.target", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check", help="judge a mapping file against the app's schema")
    checking.add_argument("file", metavar="FILE")
    checking.set_defaults(run=_check)
    drafting = commands.add_parser("draft", help="write a mapping drafted from the app's schema")
    where = drafting.add_mutually_exclusive_group(required=True)
    where.add_argument("--models", metavar="MODULE:ATTR", help="a declarative Base or MetaData")
    where.add_argument("--database-env", metavar="VAR", help="a variable holding the database URL")
    drafting.add_argument("--schema", default="public")
    drafting.add_argument("--output", required=True, metavar="FILE")
    drafting.set_defaults(run=_draft)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
