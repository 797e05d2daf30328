"""The household support ledger (지원 이력): record support given to a household, warned first
when it would duplicate support of the same kind inside the kind's window; and "who is serving
this household?" (누가 돕고 있나요?), answered by organisation and kind only.

Who may: the case's 읍면동 team; staff of an organisation the case's 서식2 consent names, or
(for recording) that accepted a referral of the case. "Who serves" goes only to organisations
the consent names (L8655) and the case's own team; a refusal says why and is audited.
Households are matched across cases and organisations by a keyed hash (welfare/support.py);
the warning names only the earlier giver and the month (Goyang P8), never what or how much.
Emergency support first asks for the check against other national programmes (L10860–10864).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from core import audit_trail
from core.actor import Actor
from core.permissions import Action, check
from core.refusals import NO_SUCH_CASE, Refused, RefusalKind, invalid, not_found
from core.work import Work
from state import cases, consents
from state import organisations as org_store
from state import referrals as referral_store
from state import support as store
from state.models import Report
from welfare.danger import screen
from welfare.korea_time import kst_today
from welfare.referral_lifecycle import ReferralState
from welfare.support import AMOUNT_MAX, Given, SupportKind, duplicates, household_identity, load_support_kinds

CONSENT_NOT_NAMING = "support.error.consent_not_naming"
ACCEPTED = frozenset({ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, ReferralState.COMPLETED})
BACKDATE_DAYS = 366  # support given up to a year ago may still be entered


@dataclass(frozen=True, slots=True)
class Giver:
    """Who gave support: an organisation (its code and name) or a 읍면동 team (`dong` set)."""

    code: str
    name: str
    dong: bool = False


@dataclass(frozen=True, slots=True)
class Earlier:
    """What a warning may tell of an earlier support: who gave it and in which month. Nothing else."""

    entry_id: int
    giver: Giver
    month: str  # YYYY-MM


@dataclass(frozen=True, slots=True)
class NeedsConfirmation:
    """Not recorded yet: the giver must confirm the national-programme check, or go on past a
    duplicate with a reason (or stop)."""

    kind: SupportKind
    earlier: list[Earlier] = field(default_factory=list)
    national_check: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Recorded:
    entry: store.SupportRecord
    overrode: list[int]


@dataclass(frozen=True, slots=True)
class Serving:
    giver: Giver
    kinds: list[str]


@dataclass(frozen=True, slots=True)
class SupportView:
    """Who serves the household (by giver and kind), and the entries this reader may see in full:
    the case's own for its team, an organisation's own for that organisation."""

    serving: list[Serving]
    entries: list[store.SupportRecord]


@dataclass(frozen=True, slots=True)
class DialogOptions:
    case: cases.CaseRecord
    kinds: list[str]
    national_kinds: list[str]
    reasons: list[str]
    referral_id: int | None  # the organisation's accepted referral of the case, linked to the entry


async def _case(work: Work, case_id: int) -> cases.CaseRecord:
    record = await cases.load(work.db, work.conn, case_id)
    if record is None:
        raise not_found(NO_SUCH_CASE)
    return record


@dataclass(frozen=True, slots=True)
class _Tie:
    named: bool = False  # the case's consent names the actor's organisation under 제3자 제공
    accepted: bool = False  # the organisation accepted a referral of the case
    referred: bool = False  # the case was referred to it at all (it knows the case exists)
    accepted_id: int | None = None  # its latest accepted referral of the case


async def _tie(work: Work, actor: Actor, record: cases.CaseRecord) -> _Tie:
    if actor.org_code is None or actor.role is None or not actor.role.of_organisation:
        return _Tie()
    consent = await consents.current(work.conn, record.id)
    ours = [r for r in await referral_store.of_case(work.conn, record.id) if r.to_org_code == actor.org_code]
    accepted = [r.id for r in ours if r.state in ACCEPTED]
    return _Tie(consent is not None and consent.names(actor.org_code), bool(accepted), bool(ours),
                max(accepted, default=None))


async def _household_hashes(work: Work, record: cases.CaseRecord) -> tuple[str, list[str]]:
    """(the key new entries get, every key the household's entries may carry). A case keeps the
    key of its first entry; else it is made from the case's address (or its id)."""
    kept = await store.hash_of_case(work.conn, record.id)
    sealed = (await work.conn.execute(select(Report.address_enc).where(Report.id == record.report_id))).scalar()
    address = work.cipher.decrypt(sealed, "reports.address") if sealed else None
    identity = household_identity(address=address, case_id=record.id)
    hashes = work.cipher.lookup_hashes(identity)
    current = kept or hashes[0]
    return current, list(dict.fromkeys([current, *hashes]))


async def _givers(work: Work, codes: set[str]) -> dict[str, Giver]:
    orgs = await org_store.read_organisations(work.conn)
    found: dict[str, Giver] = {}
    for code in codes:
        if code.startswith("dong:"):
            dong = work.directory.dong(code[5:])
            found[code] = Giver(code, dong.name if dong else code[5:], dong=True)
        else:
            org = orgs.get(code)
            found[code] = Giver(code, org.name if org else code)
    return found


async def dialog_options(work: Work, actor: Actor, case_id: int) -> DialogOptions:
    """What the 🎁 지원 기록 dialog offers (nothing is recorded by opening it)."""
    record = await _case(work, case_id)
    tie = await _tie(work, actor, record)
    check(actor, Action.RECORD_SUPPORT, dong_code=record.dong_code, tied=_may_record(tie))
    kinds = load_support_kinds()
    return DialogOptions(record, list(kinds.ids), [k.id for k in kinds.kinds if k.national_check],
                         list(kinds.override_reasons), tie.accepted_id)


def _may_record(tie: _Tie) -> bool:
    return tie.named or tie.accepted


async def record_support(work: Work, actor: Actor, case_id: int, kind: str, *, given_on: date | None = None,
                         amount: str | None = None, referral_id: int | None = None, national_checked: bool = False,
                         confirm: bool = False, reason: str | None = None) -> Recorded | NeedsConfirmation:
    """지원 기록. Returns NeedsConfirmation (nothing recorded) when emergency support lacks the
    national-programme check, or when the household had this kind inside its window and the
    giver has not confirmed with a reason; the warning itself is audited (it tells who gave)."""
    record = await _case(work, case_id)
    tie = await _tie(work, actor, record)
    check(actor, Action.RECORD_SUPPORT, dong_code=record.dong_code, tied=_may_record(tie))
    kinds = load_support_kinds()
    found = kinds.get(kind)
    if found is None:
        raise invalid("support.error.unknown_kind")
    today = kst_today(work.now)
    on = given_on or today
    if not today - timedelta(days=BACKDATE_DAYS) <= on <= today:
        raise invalid("support.error.bad_date")
    amount = (amount or "").strip() or None
    if amount is not None and len(amount) > AMOUNT_MAX:
        raise invalid("support.error.amount_too_long")
    if amount is not None and screen(amount):
        # A note of danger is no amount: it is refused with the numbers to call (the Telegram
        # dialog already showed its danger notice; the API client gets this answer).
        raise invalid("support.error.amount_danger")
    if referral_id is not None:
        referral = await referral_store.load(work.conn, referral_id)
        of_org = actor.role is not None and actor.role.of_organisation
        # An organisation links only a referral it received; the 읍면동 team any of the case's.
        if referral is None or referral.case_id != record.id or of_org and referral.to_org_code != actor.org_code:
            raise invalid("support.error.not_this_referral")
    if confirm and reason not in kinds.override_reasons:
        raise invalid("support.error.reason_needed")
    current, hashes = await _household_hashes(work, record)
    await store.lock_household(work.conn, current)
    history = await store.of_household(work.conn, hashes)
    dups = duplicates(found, on, [Given(e.id, e.kind, e.given_on, e.giver) for e in history])
    national = kinds.national_items if found.national_check and not national_checked else ()
    if national or dups and not confirm:
        givers = await _givers(work, {d.giver for d in dups})
        earlier = [Earlier(d.entry_id, givers[d.giver], d.given_on.strftime("%Y-%m")) for d in dups]
        if dups:
            await audit_trail.write(work, actor, "support_warned", f"case:{record.id}",
                                    {"kind": found.id, "warned_of": [d.entry_id for d in dups]})
        return NeedsConfirmation(found, earlier, national, kinds.override_reasons if dups else ())
    giver_org = actor.org_code if actor.role is not None and actor.role.of_organisation else None
    entry = await store.append(
        work.conn, work.cipher, household_hash=current, case_id=record.id, referral_id=referral_id, kind=found.id,
        given_on=on, amount=amount, giver_org_code=giver_org, giver_dong_code=None if giver_org else record.dong_code,
        recorded_by=actor.member_id, now=work.now, national_checked=bool(found.national_check and national_checked),
        override_reason=reason if dups else None, overrides=[d.entry_id for d in dups])
    detail = {"entry": entry.id, "kind": found.id, "giver": entry.giver, "referral": referral_id}
    await store.event(work.conn, record.id, record.state.step.value, actor.member_id, work.now, detail)
    await audit_trail.write(work, actor, "record_support", f"case:{record.id}", detail)
    if dups:
        await audit_trail.write(work, actor, "support_override", f"support:{entry.id}",
                                {"reason": reason, "warned_of": [d.entry_id for d in dups], "kind": found.id})
    return Recorded(entry, [d.entry_id for d in dups])


async def who_serves(work: Work, actor: Actor, case_id: int) -> SupportView:
    """누가 돕고 있나요? By giver and kind only, to the case's team and the organisations its
    consent names. Refused otherwise — with the reason for an organisation the case was referred
    to (it knows the case) — and the refusal is audited; the answer is audited too."""
    record = await cases.load(work.db, work.conn, case_id)
    try:
        if record is None:
            raise not_found(NO_SUCH_CASE)
        tie = await _tie(work, actor, record)
        try:
            check(actor, Action.READ_SUPPORT, dong_code=record.dong_code, tied=tie.named)
        except Refused as refused:
            if refused.kind is RefusalKind.NOT_FOUND and tie.referred:
                raise Refused(RefusalKind.NOT_ALLOWED, CONSENT_NOT_NAMING) from None
            raise
    except Refused as refused:
        if actor.member is not None and actor.role is not None and refused.key != "case.error.staff_only":
            raise await audit_trail.denied(work, actor, f"support:case:{case_id}", refused) from None
        raise
    _, hashes = await _household_hashes(work, record)
    history = await store.of_household(work.conn, hashes)
    givers = await _givers(work, {e.giver for e in history})
    by_giver: dict[str, list[str]] = {}
    for e in history:
        kinds = by_giver.setdefault(e.giver, [])
        if e.kind not in kinds:
            kinds.append(e.kind)
    serving = [Serving(givers[code], kinds) for code, kinds in by_giver.items()]
    team = not (actor.role is not None and actor.role.of_organisation)
    entries = [e for e in history if (e.case_id == record.id if team else e.giver_org_code == actor.org_code)]
    await audit_trail.write(work, actor, "read", f"support:case:{record.id}",
                            {"givers": len(serving), "entries": [e.id for e in entries][:50]})
    return SupportView(serving, entries)


async def of_cases(work: Work, case_ids: list[int]) -> dict[int, list[store.SupportRecord]]:
    """For an export the core already let through (export_cases): support entries by case."""
    found: dict[int, list[store.SupportRecord]] = {}
    for e in await store.of_cases(work.conn, case_ids):
        found.setdefault(e.case_id or 0, []).append(e)
    return found
