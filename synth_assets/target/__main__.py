"""``python -m synth_assets.target check FILE``: judge a mapping against the app's schema,
writing nothing; exit 1 with every problem named, or print what each table gets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from synth_assets import table_model as tm
from synth_assets.target import check, mapping, schema_input


def _check(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        read = mapping.read(path)
    except mapping.MappingError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        schema = schema_input.read(read.target)
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
    mapped = tm.Schema.of(schema[n] for n in read.tables)
    breakable = [
        (n, k)
        for n, t in mapped.tables.items()
        for k in t.foreign_keys
        if k.deferrable or k.nullable_in(t)
    ]
    print("load order: " + ", ".join(tm.load_order(mapped, breakable)))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m synth_assets.target", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check", help="judge a mapping file against the app's schema")
    checking.add_argument("file", metavar="FILE")
    checking.set_defaults(run=_check)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
