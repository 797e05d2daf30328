"""`salpim admin organisations` and `load-organisations`: the partner organisation directory
(docs/organisations.md). Members join an organisation by invite (`admin invite --org CODE`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_commands(cmds) -> None:
    listing = cmds.add_parser("organisations", help="list the partner organisations (code, type, reply days, members)")
    listing.set_defaults(handler=_list)
    load = cmds.add_parser("load-organisations", help="load or update the partner organisations from a CSV file")
    load.add_argument("file", type=Path, help="CSV with code,name,type,sigungu_code,area,needs,phone,chat_id,"
                                              "reply_days (docs/organisations.md)")
    load.set_defaults(handler=_load)


async def organisation(conn, code: str, role: str):
    """The organisation an account or invite names; the coordinator belongs to a 희망복지지원단."""
    from salpim.cli_admin import CommandRefused
    from state.organisations import read_organisations
    from welfare.organisations import OrgType
    org = (await read_organisations(conn)).get(code)
    if org is None:
        raise CommandRefused(f"unknown organisation code {code} (see `salpim admin organisations`)")
    if role == "coordinator" and org.type is not OrgType.HOPE_SUPPORT:
        raise CommandRefused(f"a coordinator works for the 희망복지지원단 (type hope_support); {code} is {org.type.value}")
    return org


def _list(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from salpim.cli_admin import _run
    from state.models import Member
    from state.organisations import read_organisations

    async def work(db, conn, cipher):
        counts = dict((await conn.execute(select(Member.org_code, func.count()).where(
            Member.active.is_(True), Member.org_code.is_not(None)).group_by(Member.org_code))).all())
        return await read_organisations(conn), counts
    orgs, counts = _run(work)
    for org in orgs.all:
        area = ";".join(org.area) or "시군구 전체"
        print(f"{org.code}\t{org.type.value}\t{org.name}\treply {org.reply_within_days}d\t{area}\t"
              f"{counts.get(org.code, 0)} members\t{'chat' if org.chat_id else 'no chat'}")
    return 0


def _load(args: argparse.Namespace) -> int:
    from salpim.cli_admin import _run
    from salpim.cli_csv import UnreadableCsv, read_csv_text
    from state.directory_store import read_directory
    from state.organisations import upsert_organisations
    from welfare.organisations import OrganisationError, parse_organisations_csv

    try:
        text = read_csv_text(args.file)
    except (OSError, UnreadableCsv) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 1

    async def work(db, conn, cipher):
        dongs = {d.code for d in (await read_directory(conn)).dongs}
        return await upsert_organisations(db, conn, parse_organisations_csv(text, dongs))
    try:
        count = _run(work)
    except OrganisationError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    print(f"{count} organisations loaded")
    return 0
