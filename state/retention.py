"""Retention: identity is dropped, statistics are kept (docs/privacy.md).

- A report that never became a case: anonymised `retention_report_days` after filing (1 year).
- A case that has ended (사후관리 완료, 자체 종결, 의뢰, 미선정): its report and call notes are
  anonymised `retention_case_days` after the end (5 years: the guide's consent form, 서식2).
  Their referrals' requests and co-managers' role lines are cleared with them.
- A parked dialog draft: erased after DRAFT_DAYS.
Anonymised means: free text, address, location, phone, the link to the reporter's chat, photos,
call notes, conference minutes' text and 솔루션회의 requests are removed; dates, 읍면동, signs,
household type, age band, outcomes remain.
The support ledger's entries of such a case lose their household key and amount.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.crypto import FieldCipher
from state.models import (
    Case, CaseCoManager, ConferenceMinutes, ConversationRow, FollowupSubmission, PhotoRow, ReferralRow, Report,
    SolutionRequest,
)
from state.support import forget_households

R, C, F, P, V = (Report.__table__, Case.__table__, FollowupSubmission.__table__, PhotoRow.__table__,
                 ConversationRow.__table__)
DRAFT_DAYS = 30
ENDED_STEPS = ("aftercare_done", "closed_early", "referred_out", "not_selected")
IDENTITY_COLUMNS = {"description_enc": "", "address_enc": None, "location_enc": None, "phone_enc": None,
                    "phone_hash": None, "reporter_chat_enc": None, "area_cell": None}


@dataclass(frozen=True, slots=True)
class RetentionRun:
    reports: int
    cases: int
    drafts: int


async def anonymise_due(conn: AsyncConnection, cipher: FieldCipher, now: datetime, *, report_days: int,
                        case_days: int) -> RetentionRun:
    has_case = exists().where(C.c.report_id == R.c.id)
    stale_reports = select(R.c.id).where(R.c.anonymised_at.is_(None), ~has_case,
                                         R.c.created_at < now - timedelta(days=report_days))
    ended_cases = select(C.c.id, C.c.report_id).where(C.c.step.in_(ENDED_STEPS),
                                                      C.c.updated_at < now - timedelta(days=case_days))
    report_ids = [r for (r,) in await conn.execute(stale_reports)]
    case_rows = (await conn.execute(ended_cases.where(exists().where(and_(R.c.id == C.c.report_id,
                                                                          R.c.anonymised_at.is_(None)))))).all()
    report_ids += [report_id for _, report_id in case_rows]
    if report_ids:
        await conn.execute(update(R).where(R.c.id.in_(report_ids)).values(
            **{**IDENTITY_COLUMNS, "description_enc": cipher.encrypt("", "reports.description")}, anonymised_at=now))
        await conn.execute(delete(P).where(P.c.report_id.in_(report_ids)))
    if case_rows:
        await conn.execute(update(F).where(F.c.case_id.in_([c for c, _ in case_rows])).values(
            answers_enc=cipher.encrypt("{}", "followup.answers"), void_reason_enc=None))
        await forget_households(conn, [c for c, _ in case_rows])  # the support ledger's household key
        # The linkage's free text goes too: what a referral asked for, a co-manager's role line,
        # conference minutes and 솔루션회의 requests (case notes too).
        ended = [c for c, _ in case_rows]
        await conn.execute(update(ReferralRow.__table__).where(ReferralRow.__table__.c.case_id.in_(ended)).values(
            request_enc=None))
        await conn.execute(update(CaseCoManager.__table__).where(CaseCoManager.__table__.c.case_id.in_(ended))
                           .values(role_text_enc=None))
        await conn.execute(update(ConferenceMinutes.__table__).where(ConferenceMinutes.__table__.c.case_id.in_(ended))
                           .values(content_enc=None, attendee_names_enc=None))
        await conn.execute(update(SolutionRequest.__table__).where(SolutionRequest.__table__.c.case_id.in_(ended))
                           .values(request_enc=None))
    drafts = await conn.execute(update(V).where(V.c.flow.is_(None), V.c.answers_enc.is_not(None),
                                                V.c.updated_at < now - timedelta(days=DRAFT_DAYS))
                                .values(answers_enc=None))
    return RetentionRun(len(report_ids) - len(case_rows), len(case_rows), drafts.rowcount or 0)
