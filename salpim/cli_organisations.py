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
    fhir = cmds.add_parser("export-referrals-fhir", help="referrals as a FHIR Bundle (ServiceRequest + Task) as the "
                                                         "account sees them; audited (docs/fhir.md)")
    fhir.add_argument("--member", type=int, required=True, help="the staff account the export is made as")
    fhir.add_argument("--dong", help="one 읍면동 code (default: every one in the account's scope)")
    fhir.add_argument("--output", type=Path, help="write to this file (default: standard output)")
    fhir.set_defaults(handler=_export_fhir)


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


def _export_fhir(args: argparse.Namespace) -> int:
    """Through the core like the API's export: the account's scope, and an audit entry."""
    import json

    from core import referral_export
    from core.actor import Channel, member_actor
    from core.refusals import Refused
    from core.work import Work
    from integrations import fhir
    from salpim.cli_admin import CommandRefused, _run
    from state import members
    from state.directory_store import read_directory
    from state.timeutil import utcnow

    async def work(db, conn, cipher):
        info = await members.member_by_id(conn, args.member)
        if info is None:
            raise CommandRefused(f"no active account {args.member}")
        now = utcnow()
        unit = Work(db, conn, cipher, await read_directory(conn), now)
        actor = member_actor(info, unit.directory, Channel.SYSTEM)
        try:
            return fhir.bundle(await referral_export.export_referrals(unit, actor, dong=args.dong), now)
        except Refused as refused:
            raise CommandRefused(f"refused: {refused.key}") from None
    try:
        bundle = _run(work)
    except CommandRefused as exc:
        print(exc, file=sys.stderr)
        return 1
    text = json.dumps(bundle, ensure_ascii=False, indent=1)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"{len(bundle['entry']) // 2} referrals written to {args.output}")
    else:
        print(text)
    return 0
