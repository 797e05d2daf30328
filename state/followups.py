"""Follow-up call submissions: immutable, against a versioned checklist template; the case is
updated from them; a mistaken one is voided with a reason, never edited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state import cases, timers
from state.crypto import FieldCipher
from state.db import Database
from state.members import MemberInfo
from state.models import FollowupSubmission
from welfare.korea_time import kst_moment, kst_today
from welfare.case_lifecycle import CaseStep
from welfare.followup_checklist import InvalidSubmission, evaluate_submission, load_template
from welfare.service_checks import ServiceCheck, parse_checks


def parse_services(answers: dict[str, Any]) -> tuple[ServiceCheck, ...]:
    """The service checks of a submission evaluate_submission has already accepted."""
    return parse_checks(answers.get("services"))

F = FollowupSubmission.__table__
_CONTEXT = "followup.answers"


@dataclass(frozen=True, slots=True)
class StoredFollowup:
    id: int
    outcome: dict[str, Any]


def _plain(message: Any) -> Any:
    """A domain Message (whose params may be Messages) as JSON: {"key": ..., "params": {...}}."""
    if hasattr(message, "key") and hasattr(message, "params"):
        return {"key": message.key, "params": {k: _plain(v) for k, v in dict(message.params).items()}}
    return message


@dataclass(frozen=True, slots=True)
class CallHistory:
    """What a new call's evaluation needs from the calls before it (voided ones do not count)."""

    unanswered_streak: int  # unanswered attempts since the last call that got through
    refusing_since: date | None  # the first call of the current run of refusals (L9823–9824)
    last_reached_on: date | None


HISTORY_ROWS = 100  # more calls than a case has between two that got through


async def call_history(conn: AsyncConnection, case_id: int) -> CallHistory:
    """One read for the three (it was three statements under the write lock; issue 16)."""
    rows = list(await conn.execute(select(F.c.reached, F.c.submitted_at, F.c.outcome).where(
        F.c.case_id == case_id, F.c.voided_at.is_(None)).order_by(F.c.id.desc()).limit(HISTORY_ROWS)))
    streak = next((i for i, row in enumerate(rows) if row.reached), len(rows))
    reached = [row for row in rows if row.reached]
    since = None
    for row in reached:
        if not (row.outcome or {}).get("refusing"):
            break
        since = kst_today(row.submitted_at)
    return CallHistory(streak, since, kst_today(reached[0].submitted_at) if reached else None)


async def last_contact(conn: AsyncConnection, case_id: int) -> date | None:
    row = (await conn.execute(select(F.c.submitted_at).where(F.c.case_id == case_id, F.c.reached.is_(True),
                                                             F.c.voided_at.is_(None))
                              .order_by(F.c.id.desc()).limit(1))).first()
    return kst_today(row[0]) if row else None


async def submit(db: Database, conn: AsyncConnection, cipher: FieldCipher, record: cases.CaseRecord,
                 submission: dict[str, Any], staff: MemberInfo, now: datetime) -> StoredFollowup:
    """Validate against the template, evaluate, store; raises CaseError for an invalid form."""
    template = load_template()
    today = kst_today(now)
    history = await call_history(conn, record.id)
    answers = {**submission, "attempts": history.unanswered_streak + 1}
    if answers.get("reached"):
        answers["attempts"] = 1
    m = record.state.milestones
    started = m.service_linked_on or m.selected_on or m.referred_on  # no call got through yet: from here
    try:
        outcome = evaluate_submission(answers, today=today, template=template,
                                      refusing_since=history.refusing_since,
                                      last_reached_on=history.last_reached_on or started)
    except InvalidSubmission as invalid:
        raise cases.CaseError(invalid.errors[0].label_key) from None
    summary = {"escalate": outcome.escalate_to_team_leader, "urgent": outcome.urgent, "retry": outcome.retry_call,
               "reassess": outcome.reassessment_suggested, "worse": list(outcome.worse_domains),
               "reasons": [_plain(r) for r in outcome.reasons],
               "guidance": [g.label_key for g in outcome.guidance],
               "next_contact_on": outcome.next_contact_on.isoformat() if outcome.next_contact_on else None,
               # 서식5 ⑪–⑮ per planned service (choices only, no personal data) and what follows
               "services": [c.as_json() for c in parse_services(answers)], "replan": outcome.replan_suggested,
               "refusing": outcome.refusing, "closure_review": [t.value for t in outcome.closure_review]}
    followup_id = (await conn.execute(insert(F).returning(F.c.id).values(
        case_id=record.id, template_version=template.version,
        answers_enc=cipher.encrypt(orjson.dumps(answers).decode(), _CONTEXT), reached=bool(answers.get("reached")),
        attempts=answers["attempts"], outcome=summary, submitted_by=staff.id, submitted_at=now))).scalar_one()
    suggested: dict[str, Any] = {}
    if outcome.replan_suggested:
        suggested["replan_suggested"] = True
    if outcome.closure_review:
        merged = dict.fromkeys((*record.facts.closure_review_triggers, *summary["closure_review"]))
        suggested["closure_review_triggers"] = list(merged)
    if answers.get("reached"):
        suggested["last_contact_on"] = today.isoformat()
    if suggested:
        record = await cases.update_facts(conn, record, suggested, now)
    if answers.get("reached"):
        record = await cases.record_linkage_check(db, conn, record, today, now)
    if answers.get("reached") and record.state.step is CaseStep.AFTERCARE:
        # A call that reached a monitored household is its 모니터 상담 (L10108–10116): the 사후관리
        # contact is recorded, unless the minimum cycle of a month has not passed (L10095–10097).
        try:
            record = await cases.apply_action(db, conn, record, "record_aftercare_contact", staff, now, on_date=today)
        except cases.CaseError:
            pass
    if outcome.next_contact_on:
        due = kst_moment(outcome.next_contact_on, cases.REMIND_AT)
        await timers.schedule(db, conn, kind=timers.TimerKind.FOLLOWUP_DUE, subject=f"case:{record.id}:followup:{followup_id}",
                              version=followup_id, due_at=due, payload={"case": record.id})
    return StoredFollowup(followup_id, summary)


async def void(conn: AsyncConnection, cipher: FieldCipher, followup_id: int, reason: str, by: MemberInfo,
               now: datetime) -> bool:
    result = await conn.execute(update(F).where(F.c.id == followup_id, F.c.voided_at.is_(None)).values(
        voided_at=now, voided_by=by.id, void_reason_enc=cipher.encrypt(reason, "followup.void_reason")))
    return bool(result.rowcount)


async def of_case(conn: AsyncConnection, cipher: FieldCipher, case_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(F).where(F.c.case_id == case_id).order_by(F.c.id))
    return [{"id": r.id, "submitted_at": r.submitted_at.isoformat(), "by": r.submitted_by, "reached": r.reached,
             "attempts": r.attempts, "template_version": r.template_version, "outcome": r.outcome,
             "answers": orjson.loads(cipher.decrypt(r.answers_enc, _CONTEXT)),
             "voided_at": r.voided_at.isoformat() if r.voided_at else None,
             "void_reason": cipher.decrypt(r.void_reason_enc, "followup.void_reason") if r.void_reason_enc else None}
            for r in rows]


async def case_of(conn: AsyncConnection, followup_id: int) -> int | None:
    return (await conn.execute(select(F.c.case_id).where(F.c.id == followup_id))).scalar()
