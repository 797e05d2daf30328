"""The growth bench's seeding step (issue 16, "flat as the data grows"): a 시군구's years of history
put into a freshly migrated database before the server starts, so the staff views can be timed
on 1,000, 10,000 and 100,000 reports and cases.

What is seeded for a size N (deterministic: the same N gives the same rows):
- the 읍면동 directory and the partner organisations, as the server loads them at start;
- staff as the office registers them (state.members): per 읍면동 a team leader and CASEWORKERS
  caseworkers, a 시군구 coordinator (희망복지지원단) and a 시군구 admin, each with an API token;
- N cases, each opened from its own report, filed over ~3 years in the 17 읍면동, about URGENT
  of them urgent. All but OPEN_CASES are closed (초기상담 종결, no open clock); the open ones are
  recent, a third of them past their first deadline, so the open work is the same at every size;
- INBOX reports nobody took yet (status received): the teams' inbox, also the same at every size;
- referrals, REFERRALS_PER_100 per 100 cases: closed ones on closed cases, open ones (a third
  overdue) on open cases.

Rows have the app's shapes: encrypted fields through the real FieldCipher (a pool of ciphertexts
per column, reused across rows: the column is the associated data, so each decrypts where it
is), case state and facts through the real codecs (state/case_codec.py), each open case's
next_due from the domain's clocks as state/cases.py computes it. Everything is inserted with one
executemany per table in one transaction. Run in the server's environment (its database and key):
``python -m bench.growth_seed N`` prints the credentials as JSON.
"""
from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import orjson
from sqlalchemy import insert

from state.case_codec import to_json
from state.models import Case, Report, ReferralRow
from state.retention import ENDED_STEPS
from welfare.case_clocks import CaseMilestones, due_dates
from welfare.case_lifecycle import CaseFacts, CaseState, CaseStep, EarlyClosureReason, new_case
from welfare.korea_time import kst_moment, kst_today
from welfare.receipt import new_receipt_no
from welfare.referral_lifecycle import ReferralState

CASEWORKERS = 3          # per 읍면동
OPEN_CASES = 300         # open at every size (fewer only when N is smaller)
INBOX = 120              # reports waiting in the inboxes, at every size
URGENT = 0.05
REFERRALS_PER_100 = 3
HISTORY_DAYS = 3 * 365
POOL = 64                # ciphertexts per encrypted column
SEED_CHAT_BASE = 60_000_000  # the seeded staff's Telegram ids (the bench's chats use other ranges)
NEEDS = ("economy", "care", "housing", "mental_health", "safety")
ORGS = ("jn-hope", "jn-mental", "jn-dementia", "jn-welfare")  # in welfare/data/organisations_jongno.csv


@dataclass(frozen=True)
class Staff:
    """Who the views are timed as: member ids and API tokens by seat."""

    dongs: list[str]
    sigungu: str
    caseworkers: dict[str, list[int]]  # 읍면동 → member ids
    team_leaders: dict[str, int]
    coordinator: int
    admin: int


def next_due(state: CaseState) -> datetime | None:
    """The case's earliest open deadline at 18:00 KST, as state/cases.py stores it for "overdue";
    an ended case has no running clock (None)."""
    if state.step.value in ENDED_STEPS:
        return None
    due = min((d.due for d in due_dates(state.milestones) if d.is_open), default=None)
    return kst_moment(due, clock_time(18, 0)) if due else None


def _closed_state(filed: date, rng: random.Random) -> CaseState:
    counselled = filed + timedelta(days=rng.randint(1, 5))
    return CaseState(CaseStep.CLOSED_EARLY, CaseMilestones(referred_on=filed, initial_counselling_on=counselled),
                     counselled, early_closure_reason=rng.choice(list(EarlyClosureReason)))


class Pool:
    """A few ciphertexts per encrypted column, made by the real cipher, handed out in turn."""

    def __init__(self, cipher: Any) -> None:
        self.cipher = cipher
        self._made: dict[str, list[str]] = {}

    def __call__(self, context: str, text: str, k: int) -> str:
        if context not in self._made:
            self._made[context] = [self.cipher.encrypt(f"{text} #{i}", context) for i in range(POOL)]
        return self._made[context][k % POOL]


def build_rows(n: int, staff: Staff, cipher: Any, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """The reports, cases and referrals of a 시군구 with `n` cases (and the inbox's reports)."""
    rng = random.Random(n)
    enc = Pool(cipher)
    situations = ("isolation", "health", "mental_health", "care_gap", "housing", "money_basics")
    receipts: set[str] = set()
    open_count = min(OPEN_CASES, n // 3)
    reports, cases, referrals = [], [], []
    total = n + min(INBOX, n)
    for i in range(total):
        rid = i + 1
        is_case, is_open = i < n, n - open_count <= i < n
        dong = staff.dongs[rng.randrange(len(staff.dongs))]
        if not is_case:      # the inbox: filed in the last two weeks
            filed_at = now - timedelta(minutes=rng.randint(5, 14 * 24 * 60))
        elif is_open:        # open work: a third past its first deadline, the rest days old
            filed_at = now - timedelta(days=rng.randint(20, 80) if rng.random() < 1 / 3 else rng.uniform(0, 2))
        else:                # history, oldest first
            filed_at = now - timedelta(days=HISTORY_DAYS * (1 - i / n), minutes=rng.randint(0, 600))
        while (receipt := new_receipt_no(rng.randrange)) in receipts:
            pass
        receipts.add(receipt)
        urgent = rng.random() < URGENT
        reports.append({
            "id": rid, "receipt_no": receipt, "channel": "telegram",
            "reporter_chat_hash": cipher.lookup_hash(f"reporter:telegram:{SEED_CHAT_BASE + 5_000_000 + i}"),
            "reporter_member_id": None, "reporter_kind": "neighbour", "reporter_type": "resident",
            "mandatory_category": None, "situations": [situations[i % len(situations)]], "urgent": urgent,
            "same_day_visit": False, "listen_same_day": False, "reporter_locale": "ko", "household": "older_alone",
            "household_size": 1, "age_band": "very_old", "gender": ("female", "male")[i % 2], "dong_code": dong,
            "area_cell": None, "location_enc": None, "address_enc": enc("reports.address", "종로구 ○○길", i),
            "description_enc": enc("reports.description", "며칠째 안 보여요, 우편물이 쌓여 있어요", i),
            "contact_mode": "anonymous", "phone_enc": None, "phone_hash": None, "reporter_chat_enc": None,
            "consent_version": "v1", "consent_at": filed_at,
            "status": "received" if not is_case else ("checking" if is_open else "closed"),
            "possible_duplicate_of": None, "created_at": filed_at, "anonymised_at": None,
            "consent_withdrawn_at": None})
        if not is_case:
            continue
        filed = kst_today(filed_at)
        state = new_case(filed) if is_open else _closed_state(filed, rng)
        team = staff.caseworkers[dong]
        cases.append({
            "id": rid, "report_id": rid, "dong_code": dong, "manager_member_id": team[rng.randrange(len(team))],
            "step": state.step.value, "state": to_json(state), "facts": to_json(CaseFacts()), "version": 3,
            "next_due": next_due(state), "priority": urgent, "lead_org_code": None, "created_at": filed_at,
            "updated_at": filed_at if is_open else filed_at + timedelta(days=5),
            "manager_designated_by": staff.team_leaders[dong]})
        if rng.random() < REFERRALS_PER_100 / 100 or (is_open and rng.random() < 0.1):
            referrals.append(_referral(len(referrals) + 1, cases[-1], is_open, filed_at, rng, enc))
    return {"reports": reports, "cases": cases, "referrals": referrals}


def _referral(rid: int, case: dict[str, Any], is_open: bool, filed_at: datetime, rng: random.Random,
              enc: Pool) -> dict[str, Any]:
    sent = filed_at + timedelta(days=rng.randint(0, 3)) if not is_open else filed_at
    late = is_open and rng.random() < 1 / 3
    due = kst_today(sent) + timedelta(days=-rng.randint(1, 10) if late else rng.randint(5, 10))
    state = (rng.choice((ReferralState.REQUESTED, ReferralState.RECEIVED, ReferralState.ACCEPTED)) if is_open
             else rng.choice((ReferralState.COMPLETED, ReferralState.REJECTED, ReferralState.CANCELLED)))
    if late:
        state = ReferralState.REQUESTED
    return {"id": rid, "case_id": case["id"], "from_dong_code": case["dong_code"],
            "from_member_id": case["manager_member_id"], "to_org_code": ORGS[rid % len(ORGS)], "state": state.value,
            "need": NEEDS[rid % len(NEEDS)], "household_type": None, "flags": [], "is_change": False,
            "request_enc": enc("referrals.request", "생계 지원 요청", rid), "shared": [], "reject_reason": None,
            "outcome": None, "taken_by_member_id": None, "previous_id": None, "version": 1, "sent_at": sent,
            "due_on": due.isoformat(), "updated_at": sent}



OFFICE_SEATS = ("caseworker", "team_leader")  # who signs in to the web office


async def office_link(work: Any, member_id: int) -> str:
    """A single-use sign-in link for the member, made as the bot makes it (tests/office_world.py)."""
    from core import office_access
    from core.actor import Channel, member_actor
    from state import members
    actor = member_actor(await members.member_by_id(work.conn, member_id), work.directory, Channel.SYSTEM)
    return await office_access.sign_in_link(work, actor)


async def seed(n: int, *, settings: Any = None) -> dict[str, Any]:
    """Seed a migrated, empty database (the settings' one) with size `n`; return who is who."""
    from core.work import Work
    from integrations.services import build_cipher
    from salpim.settings import get_settings
    from state import audit, members
    from state.db import Database
    from state.directory_store import read_directory, upsert_directory
    from state.organisations import upsert_organisations
    from state.timeutil import utcnow
    from welfare.directory import load_directory_csv
    from welfare.organisations import load_organisations_csv

    settings = settings or get_settings()
    db = Database(settings.database_url)
    cipher = build_cipher(settings)
    audit.bind_keys(db.engine, audit.ChainKeys.of(cipher.audit_keys()))  # sign-in links are audited
    now = utcnow()
    started = time.monotonic()
    try:
        async with db.transaction() as conn:  # what the server loads at start, so the rows' references hold
            await upsert_directory(db, conn, load_directory_csv(settings.directory))
        async with db.read() as conn:
            directory = await read_directory(conn)
        async with db.transaction() as conn:
            await upsert_organisations(db, conn, load_organisations_csv(settings.organisations,
                                                                        {d.code for d in directory.dongs}))
        dongs = [d.code for d in directory.dongs]
        sigungu = directory.dongs[0].sigungu_code
        ids = iter(range(SEED_CHAT_BASE, SEED_CHAT_BASE + 1_000))
        async with db.transaction() as conn:
            async def member(role: str, dong: str | None, org: str | None = None) -> int:
                return await members.create_member(conn, cipher, role=role, dong_code=dong, sigungu_code=sigungu,
                                                   now=now, telegram_user_id=next(ids), org_code=org)
            leaders = {d: await member("team_leader", d) for d in dongs}
            workers = {d: [await member("caseworker", d) for _ in range(CASEWORKERS)] for d in dongs}
            staff = Staff(dongs, sigungu, workers, leaders, await member("coordinator", None, "jn-hope"),
                          await member("sigungu_admin", None))
        rows = build_rows(n, staff, cipher, now)
        built = time.monotonic()
        async with db.transaction() as conn:
            for table, key in ((Report.__table__, "reports"), (Case.__table__, "cases"),
                               (ReferralRow.__table__, "referrals")):
                if rows[key]:
                    await conn.execute(insert(table), rows[key])
                if not db.is_sqlite:  # the ids were given: PostgreSQL's sequence goes on after them
                    await conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{key}', 'id'), "
                                               f"(SELECT max(id) FROM {key}))")
        inserted = time.monotonic()
        seats = {"caseworker": workers[dongs[0]][0], "team_leader": leaders[dongs[0]],
                 "coordinator": staff.coordinator, "admin": staff.admin}
        async with db.transaction() as conn:
            tokens = {seat: await members.create_api_token(conn, cipher, mid, now, label="growth bench")
                      for seat, mid in seats.items()}
            links = {seat: await office_link(Work(db, conn, cipher, directory, now), seats[seat])
                     for seat in OFFICE_SEATS}
    finally:
        await db.dispose()
    return {"size": n, "dong": dongs[0], "members": seats, "tokens": tokens, "office_links": links,
            "rows": {k: len(v) for k, v in rows.items()},
            "open_cases": sum(1 for c in rows["cases"] if c["step"] != CaseStep.CLOSED_EARLY.value),
            "build_s": round(built - started, 2), "insert_s": round(inserted - built, 2)}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m bench.growth_seed N   (in the server's environment, on a migrated empty database)",
              file=sys.stderr)
        return 2
    sys.stdout.write(orjson.dumps(asyncio.run(seed(int(args[0])))).decode() + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SALPIM_LOG_LEVEL", "WARNING")
    sys.exit(main())
