"""`salpim admin ...`: staff accounts, invite codes, API tokens (and key rotation, audit check)."""
from __future__ import annotations

import argparse
import asyncio
import sys

from salpim.settings import get_settings


class CommandRefused(Exception):
    """What an administrator asked cannot be done: `salpim` prints the message and exits 1."""


# Short names people type (the issue's own example says `--role honorary`).
ROLE_ALIASES = {"honorary": "honorary_officer", "tongban": "tongban_jang", "mandatory": "mandatory_reporter"}


def add_parser(sub) -> None:
    admin = sub.add_parser("admin", help="staff accounts, invite codes, API tokens")
    cmds = admin.add_subparsers(title="admin commands")

    staff = cmds.add_parser("create-staff", help="create a staff account (prints its id)")
    staff.add_argument("--role", required=True,
                       choices=["caseworker", "team_leader", "sigungu_admin", "auditor", *ORG_ROLES])
    staff.add_argument("--dong", help="읍면동 code (required for caseworker, team_leader)")
    staff.add_argument("--org", help="organisation code (required for partner_worker, partner_lead, coordinator)")
    staff.add_argument("--sigungu", help="시군구 code (required for sigungu_admin)")
    staff.add_argument("--telegram-user-id", type=int, help="their Telegram user id, to use the bot as staff")
    staff.set_defaults(handler=_create_staff)

    invite = cmds.add_parser("invite", help="make an invite code: /start invite-CODE registers the Telegram user")
    invite.add_argument("--role", required=True, type=lambda r: ROLE_ALIASES.get(r, r),
                        choices=["honorary_officer", "tongban_jang", "mandatory_reporter", "partner_staff",
                                 "council_member", "caseworker", "team_leader", *ORG_ROLES],
                        help="honorary_officer (or: honorary), tongban_jang (or: tongban), mandatory_reporter "
                             "(or: mandatory), partner_staff, council_member, caseworker, team_leader; "
                             "for an organisation (with --org): partner_worker, partner_lead, coordinator")
    invite.add_argument("--dong", help="읍면동 code the person belongs to (not for organisation roles)")
    invite.add_argument("--org", help="organisation code (salpim admin organisations) for partner_worker, "
                                      "partner_lead, coordinator")
    invite.add_argument("--days", type=int, default=14, help="valid for this many days (default 14)")
    invite.add_argument("--uses", type=int, default=1, help="how many people may use it (default 1)")
    invite.set_defaults(handler=_invite)

    token = cmds.add_parser("token", help="make a back-office API token for a staff account")
    token.add_argument("--member", type=int, required=True, help="staff account id")
    token.add_argument("--label", default="", help="a note to recognise the token by")
    token.add_argument("--days", type=int, default=90, choices=range(1, 367), metavar="1..366",
                       help="valid for this many days (default 90)")
    token.set_defaults(handler=_token)

    link = cmds.add_parser("login-link", help="make a single-use sign-in link to the web office (10 minutes) "
                                              "for a staff account; afterwards /office in the bot sends one")
    link.add_argument("--member", type=int, required=True, help="staff account id")
    link.set_defaults(handler=_login_link)

    revoke = cmds.add_parser("revoke-token", help="revoke API tokens: one (--token) or all of a member's (--member)")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--token", help="the token itself (sp_...)")
    which.add_argument("--member", type=int, help="staff account id: every token of that account")
    revoke.set_defaults(handler=_revoke_token)

    deactivate = cmds.add_parser("deactivate", help="remove someone from staff: access ends at once")
    deactivate.add_argument("--member", type=int, required=True)
    deactivate.set_defaults(handler=_deactivate)

    verify = cmds.add_parser("verify-audit", help="check the audit log's keyed hash chain against its anchors "
                                                  "(and anchor it when intact)")
    verify.set_defaults(handler=_verify_audit)

    rotate = cmds.add_parser("rotate-key", help="re-encrypt stored data under SALPIM_SECRET_KEY "
                                                "(old keys in SALPIM_OLD_SECRET_KEYS)")
    rotate.set_defaults(handler=_rotate_key)

    retention = cmds.add_parser("retention", help="anonymise what is past its retention period now "
                                                  "(the service also does it every day)")
    retention.set_defaults(handler=_retention)

    dead = cmds.add_parser("dead-letters", help="Telegram updates that could not be processed (newest first; "
                                                "ids, kinds and error classes only)")
    dead.add_argument("--limit", type=int, default=50)
    dead.set_defaults(handler=_dead_letters)

    from salpim import cli_organisations, cli_resources
    cli_organisations.add_commands(cmds)
    cli_resources.add_commands(cmds)


async def _with_store(work):
    from integrations.services import build_cipher, open_audit_chain
    from state.db import Database
    settings = get_settings()
    db = Database(settings.database_url)
    try:
        await open_audit_chain(settings, db, build_cipher(settings))
        async with db.transaction() as conn:
            return await work(db, conn, build_cipher(settings))
    finally:
        await db.dispose()


def _run(work) -> object:
    return asyncio.run(_with_store(work))


# Who sees what is decided by the account's scope (integrations/api/auth.py): a caseworker or
# team leader sees one 읍면동, a 시군구 admin the 읍면동 of one 시군구. An account made without its
# scope would see nothing, and nobody would notice until a case went unseen. (An auditor reads
# the audit log, which has no scope.)
DONG_ROLES = ("caseworker", "team_leader")
SIGUNGU_ROLES = ("sigungu_admin",)
# Members of an organisation (the 희망복지지원단's coordinator included) are scoped by it.
ORG_ROLES = ("partner_worker", "partner_lead", "coordinator")


def _create_staff(args: argparse.Namespace) -> int:
    from state import members
    from state.timeutil import utcnow

    if args.role in DONG_ROLES and not args.dong:
        print(f"a {args.role} works for one 읍면동: give its code with --dong "
              f"(e.g. --dong 1111065000; the codes are in the directory CSV)", file=sys.stderr)
        return 1
    if (args.role in ORG_ROLES) != bool(args.org):
        print(f"--org goes with {', '.join(ORG_ROLES)} only, and they need it "
              f"(e.g. --org jn-mental; see `salpim admin organisations`)", file=sys.stderr)
        return 1
    if args.role in SIGUNGU_ROLES and not args.sigungu:
        print(f"a {args.role} works for one 시군구: give its code with --sigungu (e.g. --sigungu 11110)",
              file=sys.stderr)
        return 1

    async def work(db, conn, cipher):
        from state.directory_store import read_directory
        directory = await read_directory(conn)
        sigungu = args.sigungu
        if args.org:
            from salpim.cli_organisations import organisation
            org = await organisation(conn, args.org, args.role)
            return await members.create_member(conn, cipher, role=args.role, dong_code=None,
                                               sigungu_code=org.sigungu_code, now=utcnow(),
                                               telegram_user_id=args.telegram_user_id, org_code=org.code)
        if args.dong:
            dong = directory.dong(args.dong)
            if dong is None:
                raise CommandRefused(f"unknown 읍면동 code {args.dong} "
                                     "(load the directory first: salpim load-directory)")
            if sigungu and sigungu != dong.sigungu_code:
                raise CommandRefused(f"읍면동 {args.dong} is not in 시군구 {sigungu}")
            sigungu = dong.sigungu_code
        elif sigungu and directory.sigungu(sigungu) is None:
            raise CommandRefused(f"unknown 시군구 code {sigungu} (load the directory first: salpim load-directory)")
        return await members.create_member(conn, cipher, role=args.role, dong_code=args.dong, sigungu_code=sigungu,
                                           now=utcnow(), telegram_user_id=args.telegram_user_id)
    print(f"staff account {_run(work)} created ({args.role})")
    return 0


def _invite(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from state import members
    from state.timeutil import utcnow

    if (args.role in ORG_ROLES) != bool(args.org) or bool(args.org) == bool(args.dong):
        print(f"give --dong for a 읍면동's people, or --org for {', '.join(ORG_ROLES)} "
              f"(e.g. --role partner_worker --org jn-mental)", file=sys.stderr)
        return 1

    async def work(db, conn, cipher):
        from state.directory_store import read_directory
        if args.org:
            from salpim.cli_organisations import organisation
            await organisation(conn, args.org, args.role)
        elif (await read_directory(conn)).dong(args.dong) is None:
            raise CommandRefused(f"unknown 읍면동 code {args.dong}")
        return await members.create_invite(conn, cipher, role=args.role, dong_code=args.dong, now=utcnow(),
                                           valid_for=timedelta(days=args.days), max_uses=args.uses,
                                           org_code=args.org)
    code = _run(work)
    print(f"invite code: {code}\nTelegram deep link: https://t.me/<your_bot>?start=invite-{code}")
    return 0


def _token(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from state import audit, members
    from state.timeutil import utcnow

    async def work(db, conn, cipher):
        member = await members.member_by_id(conn, args.member)  # active accounts only
        if member is None or member.role not in members.STAFF_ROLES:
            return None
        now = utcnow()
        token = await members.create_api_token(conn, cipher, args.member, now, args.label,
                                               valid_for=timedelta(days=args.days))
        await audit.record(conn, actor="admin:cli", action="create_token", subject=f"member:{args.member}", now=now,
                           detail={"days": args.days})
        return token
    token = _run(work)
    if token is None:
        print(f"no active staff account {args.member} (see `salpim admin create-staff`)", file=sys.stderr)
        return 1
    print(token)
    print(f"(shown once; store it safely; valid for {args.days} days)", file=sys.stderr)
    return 0


def _login_link(args: argparse.Namespace) -> int:
    from core import office_access
    from core.actor import Channel, member_actor
    from core.refusals import Refused
    from core.work import Work
    from state import members
    from state.directory_store import read_directory
    from state.timeutil import utcnow

    async def work(db, conn, cipher):
        member = await members.member_by_id(conn, args.member)  # active accounts only
        if member is None:
            return None
        unit = Work(db, conn, cipher, await read_directory(conn), utcnow())
        try:  # the core decides who may sign in (the same rule as /office in the bot)
            return await office_access.sign_in_link(unit, member_actor(member, unit.directory, Channel.SYSTEM))
        except Refused:
            return None
    token = _run(work)
    if token is None:
        print(f"no active staff account {args.member} that may use the web office", file=sys.stderr)
        return 1
    print(f"{get_settings().office_base_url}/office/sign-in/{token}")
    print("(works once, within 10 minutes; afterwards /office in the bot's private chat sends a new one)",
          file=sys.stderr)
    return 0


def _revoke_token(args: argparse.Namespace) -> int:
    from state import audit, members
    from state.timeutil import utcnow

    async def work(db, conn, cipher):
        if args.token:
            revoked = await members.revoke_api_token(conn, cipher, args.token)
            subject = "token"
        else:
            revoked = await members.revoke_member_tokens(conn, args.member)
            subject = f"member:{args.member}"
        if revoked:
            await audit.record(conn, actor="admin:cli", action="revoke_token", subject=subject, now=utcnow(),
                               detail={"tokens": revoked})
        return revoked
    revoked = _run(work)
    print(f"{revoked} token(s) revoked" if revoked else "no such token (or already revoked)")
    return 0 if revoked else 1


def _deactivate(args: argparse.Namespace) -> int:
    from state import members

    async def work(db, conn, cipher):
        return await members.deactivate_member(conn, args.member)
    if not _run(work):
        print(f"no member {args.member}", file=sys.stderr)
        return 1
    print("deactivated")
    return 0


def _verify_audit(args: argparse.Namespace) -> int:
    from state import audit, audit_anchors
    from state.timeutil import utcnow
    anchor_file = get_settings().audit_anchor_file

    async def work(db, conn, cipher):
        check = await audit_anchors.verify_with_anchors(conn, anchor_file)
        await audit.record(conn, actor="admin:cli", action="verify_audit", subject="audit_log", now=utcnow(),
                           detail={"intact": check.intact, "entries": check.entries})
        if check.intact:  # anchor what was just checked (and the entry saying so)
            await audit_anchors.write_anchor(conn, anchor_file, utcnow())
        return check
    check = _run(work)
    if check.intact:
        print(f"audit log intact ({check.entries} entries, checked against {anchor_file.name})")
    elif check.first_broken_id is not None:
        print(f"audit log BROKEN at entry {check.first_broken_id}: {check.problem} "
              f"(after {check.entries} good entries)")
    else:
        print(f"audit log BROKEN: {check.problem} ({check.entries} entries)")
    return 0 if check.intact else 1


def _rotate_key(args: argparse.Namespace) -> int:
    from state import audit, rotation
    from state.timeutil import utcnow

    from state import audit_anchors

    async def work(db, conn, cipher):
        counts = await rotation.rotate(conn, cipher)
        # The chain too moves to the new key (verified first), so the old key can be dropped.
        await audit.rechain_under_current_key(conn)
        await audit.record(conn, actor="admin:cli", action="rotate_key", subject=f"key:{cipher.current_key_id}",
                           now=utcnow(), detail={"values": sum(counts.values())})
        await audit_anchors.write_anchor(conn, get_settings().audit_anchor_file, utcnow(), rechained=True)
        return counts
    counts = _run(work)
    for column, count in counts.items():
        print(f"{column}: {count} re-encrypted")
    return 0


def _retention(args: argparse.Namespace) -> int:
    from state import retention
    from state.timeutil import utcnow
    settings = get_settings()

    async def work(db, conn, cipher):
        return await retention.anonymise_due(conn, cipher, utcnow(), report_days=settings.retention_report_days,
                                             case_days=settings.retention_case_days)
    run = _run(work)
    print(f"anonymised: {run.reports} reports without a case, {run.cases} ended cases; {run.drafts} drafts erased")
    return 0


def _dead_letters(args: argparse.Namespace) -> int:
    from state import dead_letters

    async def work(db, conn, cipher):
        return await dead_letters.count(conn), await dead_letters.latest(conn, args.limit)
    total, rows = _run(work)
    print(f"{total} dead letters")
    for row in rows:
        print(f"{row.at:%Y-%m-%d %H:%M:%S}  {row.channel}  update {row.update_id}  {row.kind}  {row.error}")
    return 0
