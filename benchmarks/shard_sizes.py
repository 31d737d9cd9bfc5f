"""Shard size: `dagster asset materialize --select '*'` of one persona (~500k transactions)
at 250, 1,000 and 2,500 users per shard: wall time, shard steps, and the tables' checksums,
which must be identical (the data does not depend on how blocks are grouped).

    .venv/bin/python benchmarks/shard_sizes.py [--rows 500000]
"""

from __future__ import annotations

import argparse

from common import bench_database, dagster_home, materialize_cli, scale_for
from psycopg import sql

from synth_assets.load import schema, target


def checksum(url: str) -> str:
    """One digest of every table's rows (each table's rows in their text's order)."""
    parts = [
        sql.SQL("(SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {} t)").format(
            sql.Identifier(table)
        )
        for table in schema.TABLE_NAMES
    ]
    with target.connect(url) as conn:
        return "".join(conn.execute(sql.SQL("SELECT ") + sql.SQL(" || ").join(parts)).fetchone())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    args = parser.parse_args()
    scale = scale_for(args.rows)
    print(f"family at scale {scale:.1f} (~{args.rows:,} transactions)")
    print("| users per shard | seconds | tables' checksum |")
    print("|---:|---:|---|")
    sums = set()
    with bench_database() as url:
        for shard_users in (250, 1000, 2500):
            with dagster_home() as home:
                seconds = materialize_cli(
                    "family",
                    "*",
                    home,
                    SYNTH_SCALE=str(scale),
                    SYNTH_SHARD_USERS=str(shard_users),
                    SYNTH_DATABASE_URL=url,
                    SYNTH_EXPORT_DIR=str(home / "exports"),
                ).seconds
            digest = checksum(url)
            sums.add(digest)
            print(f"| {shard_users:,} | {seconds:.1f} | {digest[:12]}… |", flush=True)
    print("identical tables at every shard size: " + ("yes" if len(sums) == 1 else "NO"))


if __name__ == "__main__":
    main()
