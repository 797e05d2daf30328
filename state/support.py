"""The support ledger in the store: entries appended, never edited; households found by their
keyed hash under every configured key (an entry written before a key rotation still matches)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.crypto import FieldCipher
from state.models import SupportEntry

S = SupportEntry.__table__
AMOUNT_CONTEXT = "support_ledger.amount"


@dataclass(frozen=True, slots=True)
class SupportRecord:
    id: int
    case_id: int | None
    referral_id: int | None
    kind: str
    given_on: date
    giver_org_code: str | None
    giver_dong_code: str | None
    recorded_by: int | None
    recorded_at: datetime
    national_checked: bool
    override_reason: str | None
    overrides: tuple[int, ...]
    amount_enc: str | None

    @property
    def giver(self) -> str:
        """Who gave it, as one code: an organisation, or "dong:<code>" for a 읍면동 team."""
        return self.giver_org_code or f"dong:{self.giver_dong_code}"

    def amount(self, cipher: FieldCipher) -> str | None:
        return cipher.decrypt(self.amount_enc, AMOUNT_CONTEXT)


def _record(row) -> SupportRecord:
    return SupportRecord(row.id, row.case_id, row.referral_id, row.kind, date.fromisoformat(row.given_on),
                         row.giver_org_code, row.giver_dong_code, row.recorded_by, row.recorded_at,
                         bool(row.national_checked), row.override_reason, tuple(row.overrides or ()), row.amount_enc)


async def append(conn: AsyncConnection, cipher: FieldCipher, *, household_hash: str, case_id: int | None,
                 referral_id: int | None, kind: str, given_on: date, amount: str | None, giver_org_code: str | None,
                 giver_dong_code: str | None, recorded_by: int | None, now: datetime, national_checked: bool,
                 override_reason: str | None, overrides: list[int]) -> SupportRecord:
    row = (await conn.execute(insert(S).returning(*S.c).values(
        household_hash=household_hash, case_id=case_id, referral_id=referral_id, kind=kind,
        given_on=given_on.isoformat(), amount_enc=cipher.encrypt(amount, AMOUNT_CONTEXT) if amount else None,
        giver_org_code=giver_org_code, giver_dong_code=giver_dong_code, recorded_by=recorded_by, recorded_at=now,
        national_checked=national_checked, override_reason=override_reason, overrides=overrides))).one()
    return _record(row)


async def lock_household(conn: AsyncConnection, household_hash: str) -> None:
    """Two givers recording for one household at once: the second waits for the first, so its
    duplicate check sees the first entry. (SQLite serialises every writer already.)"""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:h, 0))"), {"h": household_hash})


async def of_household(conn: AsyncConnection, hashes: list[str], *, limit: int = 500) -> list[SupportRecord]:
    """Every entry of the household (by its hash under any configured key), newest first."""
    rows = await conn.execute(select(S).where(S.c.household_hash.in_(hashes))
                              .order_by(S.c.given_on.desc(), S.c.id.desc()).limit(limit))
    return [_record(r) for r in rows]


async def of_cases(conn: AsyncConnection, case_ids: list[int]) -> list[SupportRecord]:
    if not case_ids:
        return []
    found: list[SupportRecord] = []
    for start in range(0, len(case_ids), 500):  # stay under any engine's parameter limit
        rows = await conn.execute(select(S).where(S.c.case_id.in_(case_ids[start:start + 500])).order_by(S.c.id))
        found += [_record(r) for r in rows]
    return found


async def hash_of_case(conn: AsyncConnection, case_id: int) -> str | None:
    """The household key a case's entries already carry: a case keeps its household even after
    the address that made the key is anonymised."""
    row = (await conn.execute(select(S.c.household_hash).where(S.c.case_id == case_id)
                              .order_by(S.c.id.desc()).limit(1))).first()
    return row[0] if row else None


async def event(conn: AsyncConnection, case_id: int, step: str, actor_id: int | None, now: datetime,
                detail: dict) -> None:
    """Support recorded is a case event too (the case's history shows it; no amount, no text)."""
    from state.models import CaseEvent
    from welfare.korea_time import kst_today
    await conn.execute(insert(CaseEvent.__table__).values(
        case_id=case_id, at=now, on_date=kst_today(now).isoformat(), actor_member_id=actor_id,
        action="record_support", from_step=step, to_step=step, detail=detail))


async def rehash_households(conn: AsyncConnection, cipher: FieldCipher) -> int:
    """After a key rotation: each household's entries get its key under the current key, made
    again from what identified it (the first entry's case: its address, or its id). A household
    whose address was anonymised since keeps its old key (its own cases still find it through
    hash_of_case). Returns how many entries changed."""
    from state.models import Case, Report
    from welfare.support import household_identity
    rows = (await conn.execute(select(S.c.id, S.c.household_hash, S.c.case_id).where(S.c.household_hash != "")
                               .order_by(S.c.id))).all()
    first_case: dict[str, int | None] = {}
    for _, old, case_id in rows:
        first_case.setdefault(old, case_id)
    changed = 0
    for old, case_id in first_case.items():
        if case_id is None:
            continue
        found = (await conn.execute(select(Report.address_enc, Report.anonymised_at)
                                    .join(Case, Case.report_id == Report.id).where(Case.id == case_id))).first()
        if found is None:
            continue
        address = cipher.decrypt(found.address_enc, "reports.address") if found.address_enc else None
        identity = household_identity(address=address, case_id=case_id)
        if found.anonymised_at is not None or old not in cipher.lookup_hashes(identity):
            continue  # not what made this key (anonymised since): keep it
        new = cipher.lookup_hash(identity)
        if new != old:
            changed += (await conn.execute(update(S).where(S.c.household_hash == old)
                                           .values(household_hash=new))).rowcount or 0
    return changed


async def forget_households(conn: AsyncConnection, case_ids: list[int]) -> None:
    """Retention: entries of anonymised cases keep kind, date and giver (statistics) but lose
    the household key and the amount, so they no longer link to any household."""
    if case_ids:
        await conn.execute(update(S).where(S.c.case_id.in_(case_ids)).values(household_hash="", amount_enc=None))
