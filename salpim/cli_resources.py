"""`salpim admin load-resources`, `export-resources` and `resources`: the resource directory as
files (TOML or CSV, docs/resources.md). Loading checks the whole file first — every error names
its line — and then upserts by key through the core (audited, stale reminders scheduled)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_commands(cmds) -> None:
    load = cmds.add_parser("load-resources", help="load or update resource-directory entries from a TOML or CSV file")
    load.add_argument("file", type=Path, help="a .toml ([[resource]] tables) or .csv file (docs/resources.md)")
    load.set_defaults(handler=_load)
    export = cmds.add_parser("export-resources", help="write every resource-directory entry as TOML or CSV")
    export.add_argument("file", type=Path, help="where to write: .toml or .csv ('-' for CSV on stdout)")
    export.set_defaults(handler=_export)
    listing = cmds.add_parser("resources", help="list the resource directory (key, organisation, last verified)")
    listing.set_defaults(handler=_list)


def _work(db, conn, cipher, directory):
    from core.work import Work
    from state.timeutil import utcnow
    return Work(db, conn, cipher, directory, utcnow())


def _load(args: argparse.Namespace) -> int:
    from core import resources as core_resources
    from salpim.cli_admin import _run
    from salpim.settings import get_settings
    from state.directory_store import read_directory
    from state.organisations import read_organisations
    from salpim.cli_csv import UnreadableCsv, read_csv_text
    from welfare.resources import ResourceError, parse_csv, parse_toml

    try:  # a CSV may come from Korean Excel (cp949); read_csv_text tells the encodings apart
        is_csv = args.file.suffix.lower() == ".csv"
        text = read_csv_text(args.file) if is_csv else args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, UnreadableCsv) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    if args.file.suffix.lower() not in (".csv", ".toml"):
        print(f"{args.file}: a .toml or .csv file", file=sys.stderr)
        return 1

    async def work(db, conn, cipher):
        directory = await read_directory(conn)
        known = {"known_orgs": {o.code for o in (await read_organisations(conn)).all},
                 "known_dongs": {d.code for d in directory.dongs}}
        found = (parse_csv if is_csv else parse_toml)(text, **known)
        return await core_resources.load_file(_work(db, conn, cipher, directory), found,
                                              max_age_days=get_settings().resource_max_age_days)
    try:
        stored = _run(work)
    except ResourceError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    except core_resources.InvalidResource as exc:
        print(f"{args.file}: {exc.detail}", file=sys.stderr)
        return 1
    print(f"{len(stored)} resources loaded")
    return 0


def _export(args: argparse.Namespace) -> int:
    from core import resources as core_resources
    from salpim.cli_admin import _run
    from state.directory_store import read_directory
    from welfare.resources import to_csv, to_toml

    async def work(db, conn, cipher):
        return await core_resources.export(_work(db, conn, cipher, await read_directory(conn)))
    found = _run(work)
    text = to_toml(found) if args.file.suffix.lower() == ".toml" else to_csv(found)
    if str(args.file) == "-":
        sys.stdout.write(text)
    else:
        args.file.write_text(text, encoding="utf-8")
        print(f"{len(found)} resources written to {args.file}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from salpim.cli_admin import _run
    from salpim.settings import get_settings
    from state import resources as store
    from state.timeutil import kst_today, utcnow

    async def work(db, conn, cipher):
        return await store.all_resources(conn, include_retired=True)
    today, age = kst_today(utcnow()), get_settings().resource_max_age_days
    for r in _run(work):
        mark = "retired" if not r.active else "확인 필요" if r.stale(today, age) else "ok"
        print(f"{r.key}\t{r.org_code}\t{r.name}\t{';'.join(r.needs)}\t{r.last_verified.isoformat()}\t{mark}")
    return 0
