"""The tables. Sensitive columns end in ``_enc`` (AES-GCM, state/crypto.py) or ``_hash``
(keyed HMAC for lookups); nothing that identifies a person is stored in clear."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
    UniqueConstraint, false as sa_false, or_,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime()}  # naive UTC everywhere (state/timeutil.py)


class InboxEntry(Base):
    """Each incoming update once: a redelivered update finds its key here and does nothing."""

    __tablename__ = "inbox"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    received_at: Mapped[datetime]


class ConversationRow(Base):
    """One row per chat: its open flow, question, answers, parked draft and version."""

    __tablename__ = "conversations"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str | None] = mapped_column(String(64))
    # Answers may hold a report's free text before it is filed: encrypted as a whole.
    answers_enc: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locale: Mapped[str | None] = mapped_column(String(8))
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime]


class Sigungu(Base):
    __tablename__ = "sigungus"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))


class Dong(Base):
    """A 읍면동 and its 찾아가는 보건복지팀 (team chat for PII-free alerts)."""

    __tablename__ = "dongs"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    sigungu_code: Mapped[str] = mapped_column(ForeignKey("sigungus.code"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    team_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    phone: Mapped[str] = mapped_column(String(32), default="")


class Member(Base):
    """A registered person: 명예사회복지공무원, 통반장, 신고의무자, partner staff, or staff of a team."""

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    dong_code: Mapped[str | None] = mapped_column(ForeignKey("dongs.code"))
    sigungu_code: Mapped[str | None] = mapped_column(String(10))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    display_name_enc: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    org_code: Mapped[str | None] = mapped_column(String(24), index=True)  # a partner organisation's member


class Invite(Base):
    __tablename__ = "invites"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    dong_code: Mapped[str | None] = mapped_column(ForeignKey("dongs.code"))
    expires_at: Mapped[datetime]
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    org_code: Mapped[str | None] = mapped_column(String(24))


class ApiToken(Base):
    __tablename__ = "api_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    label: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # NULL never matches (tokens made before expiry existed were given one by migration 0002).
    expires_at: Mapped[datetime | None]


class Report(Base):
    """An intake record (위기가구 신고). Free text, contact and address are encrypted."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    reporter_chat_hash: Mapped[str] = mapped_column(String(64), index=True)
    reporter_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    reporter_kind: Mapped[str] = mapped_column(String(16))
    reporter_type: Mapped[str] = mapped_column(String(32))
    mandatory_category: Mapped[str | None] = mapped_column(String(8))
    situations: Mapped[list[Any]] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The reporter asked for someone to check on the person today (the 고독사 pattern).
    same_day_visit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Described only by a recording: danger screening could not read it, so the team listens today.
    listen_same_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # The language the reporter used (None: before 0005, i.e. Korean or English); a vi or zh_Hans
    # report tells the caseworker to call through 다누리콜센터 (1577-1366, interpretation).
    reporter_locale: Mapped[str | None] = mapped_column(String(8))
    household: Mapped[str | None] = mapped_column(String(32))
    household_size: Mapped[int | None]
    age_band: Mapped[str | None] = mapped_column(String(16))
    gender: Mapped[str | None] = mapped_column(String(8))
    dong_code: Mapped[str] = mapped_column(ForeignKey("dongs.code"), index=True)
    # A ~300 m grid cell of the pin (not the pin): enough to spot a repeat report, not a door.
    area_cell: Mapped[str | None] = mapped_column(String(24))
    location_enc: Mapped[str | None] = mapped_column(Text)
    address_enc: Mapped[str | None] = mapped_column(Text)
    description_enc: Mapped[str] = mapped_column(Text)
    contact_mode: Mapped[str] = mapped_column(String(16))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    reporter_chat_enc: Mapped[str | None] = mapped_column(Text)  # to write back on "telegram" contact
    consent_version: Mapped[str] = mapped_column(String(32))
    consent_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    possible_duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    created_at: Mapped[datetime] = mapped_column(index=True)
    anonymised_at: Mapped[datetime | None]
    consent_withdrawn_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_reports_dong_created", "dong_code", "created_at"),)


def priority_first(reports_table: Any) -> Any:
    """Urgent reports, those asking for a visit today and those to listen to today: what staff
    must see first (the inbox's order, and a case's `priority` when it is opened)."""
    return or_(reports_table.c.urgent.is_(True), reports_table.c.same_day_visit.is_(True),
               reports_table.c.listen_same_day.is_(True))


# The inbox read in order (migrations 0012, 0015): the expression as priority_first renders it.
Index("ix_reports_dong_priority", Report.__table__.c.dong_code, priority_first(Report.__table__).desc(),
      Report.__table__.c.id.desc())
Index("ix_reports_dong_status_priority", Report.__table__.c.dong_code, Report.__table__.c.status,
      priority_first(Report.__table__).desc(), Report.__table__.c.id.desc())


class ReportStatusChange(Base):
    __tablename__ = "report_status_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    note_key: Mapped[str | None] = mapped_column(String(64))


class PhotoRow(Base):
    """A report's photo (metadata stripped) or spoken description (a voice or video note):
    fetched after filing, then stored encrypted; erased with the report's identity."""

    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    # The channel's file id: a photo's is dropped once fetched; a recording's is kept so the
    # caseworker's chat can be sent it (sendVoice by file id) until the row is erased.
    source_ref: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16), default="photo", server_default="photo")  # photo|voice|video_note
    duration: Mapped[int | None]  # seconds, for recordings
    data_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    mime: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int | None]
    fetched_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A message to send (Bot API method + JSON), written in the turn's transaction, sent after
    commit, retried with backoff until delivered or given up. The payload can hold what a
    reporter wrote (the summary echoes it), so it is encrypted and erased once sent."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))
    payload_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)


class Timer(Base):
    """A durable timer (reminders, escalations, photo fetches). `version` is the version of the
    thing it was made for; a timer whose thing has moved on does nothing."""

    __tablename__ = "timers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    done_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("kind", "subject", "version", name="uq_timer_once"),)


class AuditEntry(Base):
    """Append-only, hash-chained: each entry's hash covers the previous one's."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))  # "member:12", "system", "reporter"
    action: Mapped[str] = mapped_column(String(32))  # read, create, update, export, ...
    subject: Mapped[str] = mapped_column(String(64))  # "report:SP-7K3Q-9D"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)  # one successor per entry: no forks
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Which master key's audit sub-key made `hash` (HMAC); NULL = the old unkeyed rule.
    key_id: Mapped[str | None] = mapped_column(String(16))


class Case(Base):
    """A case (통합사례관리) opened from a report when a caseworker takes it. Its process state is
    the domain's CaseState as JSON; every change is also an immutable CaseEvent."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), unique=True)
    dong_code: Mapped[str] = mapped_column(ForeignKey("dongs.code"))
    manager_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # The report's urgent, same-day visit or listen-today, copied when the case is opened (they
    # never change after filing): the lists' order, read from the indexes below (migration 0015).
    priority: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    step: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    next_due: Mapped[datetime | None]  # earliest open deadline (for "overdue"); NULL once the case ended
    # 주사례관리기관: an organisation's code when one leads the case (a 고난도 case taken by the
    # 희망복지지원단, L8101–8111); NULL: the 읍면동 team leads it.
    lead_org_code: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Who designated the 주사례관리자 (the team leader, L8576–8578; the taker alone in a 읍면동 with no
    # team leader). NULL: the taker is only proposed, and the survey waits for the designation.
    manager_designated_by: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_cases_manager_priority", "manager_member_id", "priority", "id"),
                      Index("ix_cases_dong_priority", "dong_code", "priority", "id"),
                      Index("ix_cases_dong_due", "dong_code", "next_due"),
                      # open cases by step (migration 0016): a worklist skips no ended history
                      Index("ix_cases_manager_step", "manager_member_id", "step"),
                      Index("ix_cases_dong_step", "dong_code", "step"))


class CaseEvent(Base):
    """What happened to a case, append-only: the action, who, when, from which step to which."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    on_date: Mapped[str] = mapped_column(String(10))  # the working date the action counts for
    actor_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_step: Mapped[str] = mapped_column(String(32))
    to_step: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # reasons, never personal data


class FollowupSubmission(Base):
    """One follow-up call, immutable, against a versioned checklist template. A mistaken one is
    voided with a reason, never edited or deleted."""

    __tablename__ = "followup_submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    template_version: Mapped[int] = mapped_column(Integer)
    answers_enc: Mapped[str] = mapped_column(Text)  # includes the free note: encrypted
    reached: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON)  # escalation flags and reason keys
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    submitted_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    void_reason_enc: Mapped[str | None] = mapped_column(Text)


class DeadLetter(Base):
    """An update we could not process, answered 200 so Telegram stops redelivering it, and kept
    here for operators: which update, what kind, which error class, when — no personal data
    (no text, no names, no chat ids)."""

    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))  # message, callback_query, edited_message, …
    error: Mapped[str] = mapped_column(String(64))  # the exception's class name only
    at: Mapped[datetime] = mapped_column(index=True)


class ChatReachability(Base):
    """A chat that blocked the bot (or removed it from a group): nothing is sent there until it
    comes back. One row per chat that ever went away; `reachable` flips back on return."""

    __tablename__ = "chat_reachability"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reachable: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(32))  # blocked, kicked, left, chat_not_found, back
    changed_at: Mapped[datetime]


class OfficeSignInLink(Base):
    """A single-use sign-in link to the web office, sent to a staff member's private chat: only
    its keyed hash is stored; it lasts minutes and is spent by its first use."""

    __tablename__ = "office_sign_in_links"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class OfficeSession(Base):
    """A web office session (server-side): the browser holds an unguessable id, the store its
    keyed hash. Ended by signing out, by expiry, or at once when the member is deactivated."""

    __tablename__ = "office_sessions"
    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class OrganisationRow(Base):
    """A partner organisation or the 희망복지지원단 (welfare/organisations.py), loaded from the
    organisation CSV; updated in place, never deleted (referrals point at it)."""

    __tablename__ = "organisations"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(32))
    sigungu_code: Mapped[str] = mapped_column(String(10), index=True)
    area: Mapped[list[Any]] = mapped_column(JSON, default=list)
    needs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    phone: Mapped[str] = mapped_column(String(32), default="")
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    reply_days: Mapped[int | None]


class ConsentRow(Base):
    """One 서식2 consent of a case, never edited: a new one replaces it (L9636–9640)."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    parts: Mapped[dict[str, Any]] = mapped_column(JSON)
    recipients: Mapped[list[Any]] = mapped_column(JSON)  # organisation codes
    given_on: Mapped[str] = mapped_column(String(10))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    recorded_at: Mapped[datetime]


class ReferralRow(Base):
    """A referral (서식6 서비스 의뢰서) from a case to an organisation, with its FHIR Task state.
    What the person asks for and the note are encrypted; `shared` lists the fields consent let
    go to the receiver when it was sent."""

    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_dong_code: Mapped[str] = mapped_column(String(10))
    from_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    to_org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"))
    state: Mapped[str] = mapped_column(String(20))
    need: Mapped[str] = mapped_column(String(32))  # the need domain (welfare/followup_checklist.py)
    household_type: Mapped[str | None] = mapped_column(String(32))
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)  # 장애인, 다문화, 북한이탈주민
    is_change: Mapped[bool] = mapped_column(Boolean, default=False)  # 서식6 신규 / 변경
    request_enc: Mapped[str | None] = mapped_column(Text)  # main problem and the service requested
    shared: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(32))
    taken_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime] = mapped_column(index=True)
    due_on: Mapped[str] = mapped_column(String(10), index=True)  # the reply's last working day
    updated_at: Mapped[datetime]

    # The lists of state/referrals.py `listing`, each read in order (migration 0015).
    __table_args__ = (Index("ix_referrals_dong_sent", "from_dong_code", "sent_at", "id"),
                      Index("ix_referrals_member_sent", "from_member_id", "sent_at", "id"),
                      Index("ix_referrals_org_state", "to_org_code", "state", "sent_at", "id"),
                      Index("ix_referrals_dong_state_due", "from_dong_code", "state", "due_on"))


class ResourceRow(Base):
    """An entry of the resource directory (welfare/resources.py): what a partner organisation can
    give. No personal data. Edited in place with a version; retired (active = false), never
    deleted, so an export or an audit entry that names it still means something."""

    __tablename__ = "resources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    needs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    area: Mapped[list[Any]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")
    how_to_ask: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[str] = mapped_column(String(80), default="")
    waiting_list: Mapped[bool] = mapped_column(Boolean, default=False)
    last_verified: Mapped[str] = mapped_column(String(10), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]


class SupportEntry(Base):
    """One support given to a household (지원 이력): what kind, when, how much (encrypted), by
    which organisation or 읍면동 team, who recorded it, and the case and referral it came from.
    The household is a keyed hash (HMAC, state/crypto.py) of what identifies it, never the
    identifier itself; a giver who went on past a duplicate warning leaves the coded reason
    and the entries they were warned of."""

    __tablename__ = "support_ledger"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_hash: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    kind: Mapped[str] = mapped_column(String(24))
    given_on: Mapped[str] = mapped_column(String(10))
    amount_enc: Mapped[str | None] = mapped_column(Text)
    giver_org_code: Mapped[str | None] = mapped_column(String(24), index=True)  # None: the 읍면동 team
    giver_dong_code: Mapped[str | None] = mapped_column(String(10))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    recorded_at: Mapped[datetime]
    national_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str | None] = mapped_column(String(32))
    overrides: Mapped[list[Any]] = mapped_column(JSON, default=list)  # entry ids the giver was warned of


class CaseCoManager(Base):
    """A co-managing organisation of a case (공동사례관리기관) with its stated role: a coded kind and
    a short text (encrypted: free text may name the household). Removed, never deleted."""

    __tablename__ = "case_co_managers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"))
    role_kind: Mapped[str] = mapped_column(String(32))
    role_text_enc: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    added_at: Mapped[datetime]
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    removed_at: Mapped[datetime | None]


class MeetingRow(Base):
    """A case conference (사례회의, 서식4) or a 솔루션회의 (서식11): held (minutes recorded per case in
    `conference_minutes`) or scheduled (its attendees are reminded the day before). The title
    and the outside experts are encrypted; invitees are organisation codes and member ids."""

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # welfare/conferences.py MeetingKind
    dong_code: Mapped[str] = mapped_column(String(10), index=True)  # the 읍면동 that holds (or asked for) it
    state: Mapped[str] = mapped_column(String(16), index=True)  # scheduled, held
    held_on: Mapped[str | None] = mapped_column(String(10))
    starts_at: Mapped[datetime | None] = mapped_column(index=True)  # a scheduled meeting's time (naive UTC)
    author_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    author_org: Mapped[str] = mapped_column(String(32), default="")  # 작성자 소속: a 읍면동 or organisation code
    title_enc: Mapped[str | None] = mapped_column(Text)
    experts_enc: Mapped[str | None] = mapped_column(Text)  # 서식4 ⑧ outside experts, names included
    invited_orgs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    invited_members: Mapped[list[Any]] = mapped_column(JSON, default=list)  # internal attendees (서식4 ⑥)
    case_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the agenda
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]


class ConferenceMinutes(Base):
    """One case's minutes of one meeting (서식4, kept per case: L8940). Content encrypted;
    decisions are codes that link back to the case; attendees by organisation and role."""

    __tablename__ = "conference_minutes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[str] = mapped_column(String(10))
    content_enc: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attendees: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{org, role, kind}], no names
    attendee_names_enc: Mapped[str | None] = mapped_column(Text)
    danger: Mapped[list[Any]] = mapped_column(JSON, default=list)  # danger kinds found in the text
    next_meeting_on: Mapped[str | None] = mapped_column(String(10))  # 서식4 ⑨
    author_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("meeting_id", "case_id", name="uq_minutes_per_case"),)


class SolutionRequest(Base):
    """서식10 솔루션회의 의뢰서: the 읍면동 asks the 희망복지지원단 for a 솔루션회의 on a case; the
    coordinator schedules it. What is asked is encrypted."""

    __tablename__ = "solution_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    dong_code: Mapped[str] = mapped_column(String(10), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    request_enc: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)  # requested, scheduled
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    created_at: Mapped[datetime]


class DialogDropOff(Base):
    """Where people give up in the report and finder dialogs: per flow, question, how (cancelled
    or expired) and KST day, a count. No chat, no answer, nothing that points to anyone (the
    coordinator's view, integrations/office/overview_pages.py)."""

    __tablename__ = "dialog_drop_offs"
    flow: Mapped[str] = mapped_column(String(32), primary_key=True)
    question: Mapped[str] = mapped_column(String(64), primary_key=True)
    how: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # KST date, ISO
    count: Mapped[int] = mapped_column(Integer, default=0)
