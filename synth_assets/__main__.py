"""``python -m synth_assets``: the commands an app's repository runs besides Dagster's.

python -m synth_assets init DIR    write the app-side folder (personas, dagster.yaml, ...)
python -m synth_assets personas    the personas this folder's commands can use, each checked
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from synth_assets import scaffold
from synth_assets.generate.common import RELEASE
from synth_assets.personas import PersonaError, load_each, personas_dir


def _init(args: argparse.Namespace) -> int:
    try:
        written = scaffold.init(Path(args.directory), RELEASE)
    except scaffold.ScaffoldError as error:
        print(error, file=sys.stderr)
        return 2
    root = Path(os.path.abspath(args.directory))
    print(f"wrote {len(written)} files into {root}:")
    for path in written:
        print(f"  {path.relative_to(root)}")
    print(
        f"\nNext: cd {shlex.quote(args.directory)} and read README.md; seed with\n"
        "  dagster asset materialize -m synth_assets --select '*' --partition student"
    )
    return 0


def _personas(_: argparse.Namespace) -> int:
    try:
        folder, loaded = personas_dir(), load_each()
    except PersonaError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"personas in {folder}:")
    for name, persona in loaded.items():
        verdict = f"refused: {persona}" if isinstance(persona, PersonaError) else "ok"
        print(f"  {name!r:<26} " + verdict.replace("\n", "\n" + " " * 30))
    return 2 if any(isinstance(p, PersonaError) for p in loaded.values()) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m synth_assets", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="write the app-side folder into DIR (never overwrites)")
    init.add_argument("directory", metavar="DIR")
    init.set_defaults(run=_init)
    listing = commands.add_parser("personas", help="list the personas commands run here can use")
    listing.set_defaults(run=_personas)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
