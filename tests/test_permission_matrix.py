"""The role × action table (core/permissions.py) walked through every channel that offers
each action: the core itself, the back-office API, Telegram and the web office. For every role and every
action the expected answer is read from the table — not written again here — so a rule changed
in the table changes what every channel must do, and this test says where one does not.

Every attempt acts on records of its own (one set per channel and person), so an allowed
mutation never changes what the next attempt sees. "Allowed" is observed as a person would
see it (2xx / the answer instead of a refusal) and, where the action is audited, as an audit
entry naming that person; a refusal must leave no entry.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import func, select

from core import cases as core_cases
from core import co_managers as core_co_managers
from core import referral_export
from core import conferences as core_conferences
from core import solution_meetings as core_solution
from core import followups as core_followups
from core import overview as core_overview
from core import referrals as core_referrals
from core import resources as core_resources
from core import reopening as core_reopening
from core import reports as core_reports
from core import support as core_support
from core import transfers as core_transfers
from core.actor import Actor, Channel, member_actor
from core.permissions import TABLE, Action, Scope
from core.refusals import Refused
from core.work import Work
from dialogs import callback_data as cb
from state import members, office_sessions
from state.models import AuditEntry, ConversationRow
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app
from welfare.conferences import Attendee
from welfare.crisis_report import CrisisReport
from welfare.resource_search import Query as ResourceQuery
from welfare.roles import Role

HYEHWA, IHWA, SIGUNGU = "1111065000", "1111064000", "11110"
# The people: (role, 읍면동, active). "cw_a" manages every case the attempts act on.
PEOPLE: dict[str, tuple[Role | None, str | None, bool]] = {
    "resident": (None, None, True),
    "officer": (Role.HONORARY_OFFICER, HYEHWA, True),
    "cw_a": (Role.CASEWORKER, HYEHWA, True),
    "cw_a2": (Role.CASEWORKER, HYEHWA, True),
    "tl_a": (Role.TEAM_LEADER, HYEHWA, True),
    "cw_b": (Role.CASEWORKER, IHWA, True),
    "admin": (Role.SIGUNGU_ADMIN, None, True),
    "auditor": (Role.AUDITOR, None, True),
    "gone": (Role.CASEWORKER, HYEHWA, False),  # deactivated: acts as nobody
    "partner": (Role.PARTNER_WORKER, None, True),  # of the organisation every referral goes to
    "partner_lead": (Role.PARTNER_LEAD, None, True),
    "partner_b": (Role.PARTNER_WORKER, None, True),  # of another organisation
    "coordinator": (Role.COORDINATOR, None, True),  # 희망복지지원단: the whole 시군구's referrals
}
ORG_OF = {"partner": "jn-mental", "partner_lead": "jn-mental", "partner_b": "jn-food", "coordinator": "jn-hope"}
REFERRED_TO = "jn-mental"
CO_MANAGER = "jn-food"  # co-manages every target case (removed in the attempts); jn-mental is added
CONSENT_PARTS = {"general_data": True, "unique_identifiers": False, "sensitive_data": True, "third_party": True}
MANAGER = "cw_a"
ASSIGNEE = "assignee"  # whom an assignment names: a valid manager who acts in no attempt, so only the
                       # assigner is in question


# Lists answer whoever may list at all, with the records of their own scope only (what a list
# holds is checked in tests/test_api_access.py); every other action is on one record of 혜화동.
LISTS = {Action.LIST_REPORTS, Action.LIST_CASES, Action.EXPORT_CASES, Action.COORDINATE_REFERRALS,
         Action.EXPORT_REFERRALS, Action.OVERSEE}
SIGUNGU_WIDE = (Role.SIGUNGU_ADMIN, Role.AUDITOR, Role.COORDINATOR)


def expected(action: Action, who: str) -> bool:
    """What the table says for this person on a record of 혜화동 managed by cw_a."""
    role, dong, active = PEOPLE[who]
    role = role if active else None
    rule = TABLE[action]
    if role not in rule.roles:
        return False
    sees = (dong == HYEHWA) if role in (Role.CASEWORKER, Role.TEAM_LEADER) else role in SIGUNGU_WIDE
    ours = ORG_OF.get(who) == REFERRED_TO
    if rule.scope in (Scope.DONG, Scope.CASE) and action not in LISTS and not sees:
        return False
    if rule.scope is Scope.RECEIVER and not ours or rule.scope is Scope.REFERRAL and not (ours or sees):
        return False
    if rule.scope is Scope.ORG and not (ours or who not in ORG_OF and role in SIGUNGU_WIDE):
        return False  # an organisation's own entry, or any of the 시군구 for its staff of no organisation
    if rule.scope is Scope.HOUSEHOLD:  # the consent names REFERRED_TO and CO_MANAGER (no other organisation)
        return ORG_OF.get(who) in (REFERRED_TO, CO_MANAGER) if role.of_organisation else sees
    if rule.scope is Scope.INVITED and not (ours or sees):  # every case's conference invited REFERRED_TO
        return False
    if rule.scope is Scope.CASE and role in rule.manager_only:
        return who == MANAGER
    return True


def _answers(dong: str) -> CrisisReport:
    return CrisisReport(reporter_kind="neighbour", reporter_type="resident", situations=("isolation",),
                        household="older_alone", age_band="very_old", gender="female", dong_code=dong,
                        description="며칠째 안 보여요", contact="anonymous", consent_version="v1",
                        consent_at=datetime(2026, 11, 30, 9, 0))


@dataclass
class Target:
    """The records one attempt may act on."""
    untaken: int = 0  # a report nobody took (take)
    untaken2: int = 0  # another (assign)
    receipt: str = ""  # the receipt of a taken report (read, own status)
    report_id: int = 0
    case: int = 0  # its case, managed by cw_a
    followup: int = 0  # a follow-up recorded on it
    referral: int = 0  # a referral of the case to REFERRED_TO (answered, read)
    referral2: int = 0  # another (cancelled)
    movable: int = 0  # a case of its own to transfer (a transfer takes it out of 혜화동)
    resource: int = 0  # a resource-directory entry of REFERRED_TO (edited, re-verified)
    solution: int = 0  # a 솔루션회의 request on a case of its own (scheduled by the coordinator)
    ended: int = 0  # a case closed after 초기상담, to reopen (재개입)


@dataclass
class World:
    service: object
    fake: object
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # web office sessions (made before "gone" left)
    telegram: dict[str, int] = field(default_factory=dict)
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)

    def work(self, conn) -> Work:
        s = self.service.services
        return Work(s.db, conn, s.cipher, s.runner.directory, utcnow())

    async def actor(self, conn, who: str, channel: Channel = Channel.SYSTEM) -> Actor:
        info = await members.member_by_id(conn, self.ids[who]) if who in self.ids else None
        return member_actor(info, self.service.services.runner.directory, channel, chat_id=f"chat-{who}")

    async def audit_count(self, who: str) -> int:
        """Entries naming this person (a deactivated member acts as an unregistered reporter)."""
        label = AuditEntry.actor == f"member:{self.ids[who]}" if PEOPLE[who][2] and who in self.ids \
            else AuditEntry.actor.like("reporter:%")
        async with self.service.services.db.read() as conn:
            return (await conn.execute(select(func.count()).select_from(AuditEntry).where(label))).scalar_one()


CHANNELS = ("core", "api", "telegram", "playground", "office")
LATER = datetime(2099, 1, 5, 10, 0)  # a meeting scheduled (Korean time); its reminder never fires here


@pytest.fixture
async def world(tmp_path, fake_api):
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'matrix.db'}", fake_api, tmp_path)
    async with running_app(settings) as service:
        w = World(service, fake_api)
        s = service.services
        async with s.db.transaction() as conn:
            now = utcnow()
            for n, (who, (role, dong, _)) in enumerate(PEOPLE.items()):
                if role is None:
                    continue
                w.telegram[who] = 7100 + n
                w.ids[who] = await members.create_member(conn, s.cipher, role=role.value, dong_code=dong,
                                                         sigungu_code=SIGUNGU, now=now, telegram_user_id=7100 + n,
                                                         org_code=ORG_OF.get(who))
                w.tokens[who] = await members.create_api_token(conn, s.cipher, w.ids[who], now)
                w.sessions[who] = await office_sessions.create_session(conn, s.cipher, w.ids[who], now)
            w.telegram["resident"] = 7199
            w.ids[ASSIGNEE] = await members.create_member(conn, s.cipher, role="caseworker", dong_code=HYEHWA,
                                                          sigungu_code=SIGUNGU, now=now)
            work = w.work(conn)
            reporter = Actor(Channel.TELEGRAM, chat_id="someone")
            manager = await w.actor(conn, MANAGER)
            admin = await w.actor(conn, "admin")
            for channel in CHANNELS:
                for who in PEOPLE:
                    t = Target()
                    t.untaken = (await core_reports.file_report(work, reporter, _answers(HYEHWA),
                                                                per_hour=10**6)).id
                    t.untaken2 = (await core_reports.file_report(work, reporter, _answers(HYEHWA),
                                                                 per_hour=10**6)).id
                    filed = await core_reports.file_report(work, reporter, _answers(HYEHWA),
                                                           per_hour=10**6)
                    t.receipt, t.report_id = filed.receipt_no, filed.id
                    t.case = (await core_cases.take_report(work, manager, filed.id)).case.id
                    t.followup = (await core_followups.record(work, manager, t.case, {"version": 1, "reached": False})).id
                    moving = await core_reports.file_report(work, reporter, _answers(HYEHWA),
                                                            per_hour=10**6)
                    t.movable = (await core_cases.take_report(work, manager, moving.id)).case.id
                    ending = await core_reports.file_report(work, reporter, _answers(HYEHWA), per_hour=10**6)
                    t.ended = (await core_cases.take_report(work, manager, ending.id)).case.id
                    await core_cases.act_on_case(work, manager, t.ended, "assign_counsellor")
                    await core_cases.act_on_case(work, manager, t.ended, "close_internally",
                                                 facts={"early_closure_reason": "information_only"})
                    await core_referrals.record_consent(work, manager, t.case, CONSENT_PARTS, [REFERRED_TO, CO_MANAGER])
                    await core_co_managers.add_co_manager(work, manager, t.case, CO_MANAGER, "resources")
                    t.referral, t.referral2 = [(await core_referrals.refer(work, manager, t.case, REFERRED_TO,
                                                                           need="mental_health")).id for _ in (1, 2)]
                    t.resource = (await core_resources.create(work, admin, {
                        "key": f"m-{channel}-{who}", "org_code": REFERRED_TO, "name": "마음건강 상담",
                        "kind": "programme", "needs": ["mental_health"]})).id
                    # A 통합사례회의 on the case with REFERRED_TO at the table; another case asks for a 솔루션회의.
                    await core_conferences.record_conference(work, manager, t.case, attendees=[Attendee(REFERRED_TO, "")])
                    asking = await core_reports.file_report(work, reporter, _answers(HYEHWA), per_hour=10**6)
                    asking_case = (await core_cases.take_report(work, manager, asking.id)).case.id
                    await core_conferences.record_conference(work, manager, asking_case,
                                                             attendees=[Attendee(REFERRED_TO, "")])
                    t.solution = (await core_solution.request_solution_meeting(work, manager, asking_case)).request.id
                    w.targets[(channel, who)] = t
        for who in ("gone",):
            async with s.db.transaction() as conn:
                await members.deactivate_member(conn, w.ids[who])
        yield w


# -- the core itself ------------------------------------------------------------------------------
async def core_attempt(w: World, action: Action, who: str) -> bool:
    t = w.targets[("core", who)]
    async with w.service.services.db.transaction() as conn:
        work, actor = w.work(conn), await w.actor(conn, who)
        calls = {
            Action.FILE_REPORT: lambda: core_reports.file_report(work, actor, _answers(HYEHWA),
                                                                 per_hour=100),
            Action.READ_OWN_REPORTS: lambda: core_reports.own_reports(work, actor),
            Action.WITHDRAW_OWN_REPORT: lambda: core_reports.withdraw(work, actor, "SP-NONE-00"),
            Action.LIST_REPORTS: lambda: core_reports.list_reports(work, actor),
            Action.READ_REPORT: lambda: core_reports.read_report(work, actor, t.report_id),
            Action.TAKE_REPORT: lambda: core_cases.take_report(work, actor, t.untaken),
            Action.ASSIGN_CASE: lambda: core_cases.assign_case(work, actor, t.untaken2, w.ids[ASSIGNEE]),
            Action.LIST_CASES: lambda: core_cases.list_cases(work, actor),
            Action.READ_CASE: lambda: core_cases.read_case(work, actor, t.case),
            Action.ACT_ON_CASE: lambda: core_cases.act_on_case(work, actor, t.case, "assign_counsellor"),
            Action.SET_CASE_FACT: lambda: core_cases.set_case_fact(work, actor, t.case, "personal_data_consent", True),
            Action.RECORD_FOLLOWUP: lambda: core_followups.record(work, actor, t.case, {"version": 1, "reached": False}),
            Action.VOID_FOLLOWUP: lambda: core_followups.void(work, actor, t.followup, "잘못 입력했어요"),
            Action.EXPORT_CASES: lambda: core_cases.export_cases(work, actor),
            Action.READ_AUDIT: lambda: __import__("core.audit_trail", fromlist=["x"]).read_log(work, actor, 5),
            Action.OPEN_OFFICE: lambda: __import__("core.office_access", fromlist=["x"]).sign_in_link(work, actor),
            Action.RECORD_CONSENT: lambda: core_referrals.record_consent(work, actor, t.case, CONSENT_PARTS,
                                                                         [REFERRED_TO]),
            Action.REFER: lambda: core_referrals.refer(work, actor, t.case, REFERRED_TO, need="mental_health"),
            Action.CANCEL_REFERRAL: lambda: core_referrals.reply(work, actor, t.referral2, "cancel"),
            Action.REPLY_REFERRAL: lambda: core_referrals.reply(work, actor, t.referral, "receive"),
            Action.READ_REFERRAL: lambda: core_referrals.read_referral(work, actor, t.referral),
            Action.LIST_REFERRALS: lambda: core_referrals.owed(work, actor),
            Action.COORDINATE_REFERRALS: lambda: core_referrals.coordination(work, actor),
            Action.LIST_ORGANISATIONS: lambda: core_referrals.directory(work, actor),
            Action.REASSIGN_LEAD: lambda: core_referrals.reassign_lead(work, actor, t.case, "jn-hope"),
            Action.TRANSFER_CASE: lambda: core_transfers.transfer_case(work, actor, t.movable, IHWA),
            Action.SEARCH_RESOURCES: lambda: core_resources.search(work, actor, ResourceQuery(text="상담")),
            Action.EDIT_RESOURCE: lambda: core_resources.verify(work, actor, t.resource),
            Action.FIND_LOCAL_RESOURCES: lambda: core_resources.local_for_residents(work, actor, ("mental_health",),
                                                                                    HYEHWA),
            Action.RECORD_SUPPORT: lambda: core_support.record_support(work, actor, t.case, "lunch_box"),
            Action.READ_SUPPORT: lambda: core_support.who_serves(work, actor, t.case),
            Action.ADD_CO_MANAGER: lambda: core_co_managers.add_co_manager(work, actor, t.case, REFERRED_TO,
                                                                           "counselling", "주 1회 상담"),
            Action.REMOVE_CO_MANAGER: lambda: core_co_managers.remove_co_manager(work, actor, t.case, CO_MANAGER),
            Action.EXPORT_REFERRALS: lambda: referral_export.export_referrals(work, actor),
            Action.RECORD_CONFERENCE: lambda: core_conferences.record_conference(work, actor, t.case, kind="internal"),
            Action.READ_CONFERENCES: lambda: core_conferences.read_minutes(work, actor, t.case),
            Action.SCHEDULE_CONFERENCE: lambda: core_conferences.schedule_conference(work, actor, [t.case], LATER),
            Action.REQUEST_SOLUTION_MEETING: lambda: core_solution.request_solution_meeting(work, actor, t.case),
            Action.SCHEDULE_SOLUTION_MEETING: lambda: core_solution.schedule_solution_meeting(work, actor, t.solution,
                                                                                                LATER),
            Action.OVERSEE: lambda: core_overview.overview(work, actor),
            Action.REOPEN_CASE: lambda: core_reopening.reopen_case(work, actor, t.ended, "economy"),
        }
        try:
            await calls[action]()
        except Refused:
            return False
    return True


# -- the back-office API --------------------------------------------------------------------------
def api_request(w: World, action: Action, who: str) -> tuple[str, str, dict | None] | None:
    t = w.targets[("api", who)]
    return {
        Action.LIST_REPORTS: ("GET", "/api/reports", None),
        Action.READ_REPORT: ("GET", f"/api/reports/{t.receipt}", None),
        Action.TAKE_REPORT: ("POST", f"/api/reports/{_receipt(w, t.untaken)}/take", {}),
        Action.ASSIGN_CASE: ("POST", f"/api/reports/{_receipt(w, t.untaken2)}/take",
                             {"manager_member_id": w.ids[ASSIGNEE]}),
        Action.LIST_CASES: ("GET", "/api/cases", None),
        Action.READ_CASE: ("GET", f"/api/cases/{t.case}", None),
        Action.ACT_ON_CASE: ("POST", f"/api/cases/{t.case}/actions", {"action": "assign_counsellor"}),
        Action.SET_CASE_FACT: ("POST", f"/api/cases/{t.case}/facts", {"fact": "personal_data_consent", "value": True}),
        Action.RECORD_FOLLOWUP: ("POST", f"/api/cases/{t.case}/followups",
                                 {"submission": {"version": 1, "reached": False}}),
        Action.VOID_FOLLOWUP: ("POST", f"/api/followups/{t.followup}/void", {"reason": "잘못 입력했어요"}),
        Action.EXPORT_CASES: ("GET", "/api/export/cases.csv", None),
        Action.READ_AUDIT: ("GET", "/api/audit", None),
        Action.RECORD_CONSENT: ("POST", f"/api/cases/{t.case}/consent", {**CONSENT_PARTS, "recipients": [REFERRED_TO]}),
        Action.REFER: ("POST", f"/api/cases/{t.case}/referrals", {"to_org": REFERRED_TO, "need": "mental_health"}),
        Action.CANCEL_REFERRAL: ("POST", f"/api/referrals/{t.referral2}/reply", {"action": "cancel"}),
        Action.REPLY_REFERRAL: ("POST", f"/api/referrals/{t.referral}/reply", {"action": "receive"}),
        Action.READ_REFERRAL: ("GET", f"/api/referrals/{t.referral}", None),
        Action.LIST_REFERRALS: ("GET", "/api/referrals?box=received", None),
        Action.COORDINATE_REFERRALS: ("GET", "/api/referrals/coordination", None),
        Action.LIST_ORGANISATIONS: ("GET", "/api/organisations", None),
        Action.REASSIGN_LEAD: ("POST", f"/api/cases/{t.case}/lead", {"org": "jn-hope"}),
        Action.TRANSFER_CASE: ("POST", f"/api/cases/{t.movable}/transfer", {"to_dong": IHWA}),
        Action.SEARCH_RESOURCES: ("GET", "/api/resources?q=상담&dong=혜화동", None),
        Action.EDIT_RESOURCE: ("PATCH", f"/api/resources/{t.resource}", {"capacity": "주 3회"}),
        Action.RECORD_SUPPORT: ("POST", f"/api/cases/{t.case}/support", {"kind": "lunch_box"}),
        Action.READ_SUPPORT: ("GET", f"/api/cases/{t.case}/support", None),
        Action.ADD_CO_MANAGER: ("POST", f"/api/cases/{t.case}/co-managers",
                                {"org": REFERRED_TO, "role_kind": "counselling", "role_text": "주 1회 상담"}),
        Action.REMOVE_CO_MANAGER: ("DELETE", f"/api/cases/{t.case}/co-managers/{CO_MANAGER}", None),
        Action.EXPORT_REFERRALS: ("GET", "/api/referrals/export.fhir.json", None),
        Action.RECORD_CONFERENCE: ("POST", f"/api/cases/{t.case}/conferences", {"kind": "internal"}),
        Action.READ_CONFERENCES: ("GET", f"/api/cases/{t.case}/conferences", None),
        Action.SCHEDULE_CONFERENCE: ("POST", "/api/meetings/schedule", {"case_ids": [t.case],
                                                                       "starts_at": LATER.isoformat()}),
        Action.REQUEST_SOLUTION_MEETING: ("POST", f"/api/cases/{t.case}/solution-requests", {}),
        Action.SCHEDULE_SOLUTION_MEETING: ("POST", f"/api/solution-requests/{t.solution}/schedule",
                                           {"starts_at": LATER.isoformat()}),
        Action.REOPEN_CASE: ("POST", f"/api/cases/{t.ended}/reopen", {"problem": "economy"}),
    }.get(action)


_RECEIPTS: dict[int, str] = {}


def _receipt(w: World, report_id: int) -> str:
    return _RECEIPTS[report_id]


async def api_attempt(w: World, action: Action, who: str) -> bool:
    method, path, body = api_request(w, action, who)  # type: ignore[misc]
    headers = {"Authorization": f"Bearer {w.tokens[who]}"} if who in w.tokens else {}
    response = await w.service.client.request(method, path, json=body, headers=headers)
    assert response.status_code in (200, 401, 403, 404, 409), (action, who, response.status_code, response.text)
    return response.status_code == 200


# -- the web office -------------------------------------------------------------------------------
def office_request(w: World, action: Action, who: str) -> tuple[str, str, dict | None] | None:
    """What a person's browser sends for each action the office offers (forms are posted with
    the session's CSRF token and our Origin, as the pages do)."""
    t = w.targets[("office", who)]
    return {
        Action.LIST_REPORTS: ("GET", "/office/inbox", None),
        Action.READ_REPORT: ("GET", f"/office/reports/{t.receipt}", None),
        Action.TAKE_REPORT: ("POST", f"/office/reports/{_receipt(w, t.untaken)}/take", {}),
        Action.ASSIGN_CASE: ("POST", f"/office/reports/{_receipt(w, t.untaken2)}/take",
                             {"manager": str(w.ids[ASSIGNEE])}),
        Action.LIST_CASES: ("GET", "/office/my-work", None),
        Action.READ_CASE: ("GET", f"/office/cases/{t.case}", None),
        Action.ACT_ON_CASE: ("POST", f"/office/cases/{t.case}/actions", {"action": "assign_counsellor"}),
        Action.SET_CASE_FACT: ("POST", f"/office/cases/{t.case}/facts", {"fact": "personal_data_consent", "value": "1"}),
        Action.RECORD_FOLLOWUP: ("POST", f"/office/cases/{t.case}/followup", {"reached": "no"}),
        Action.READ_AUDIT: ("GET", "/office/audit", None),
        # Part 2 (issue 15): referrals, consent naming an organisation, the 시군구 overview.
        Action.RECORD_CONSENT: ("POST", f"/office/cases/{t.case}/consent-naming", {"org": REFERRED_TO}),
        Action.REFER: ("POST", f"/office/cases/{t.case}/refer", {"org": REFERRED_TO, "need": "mental_health"}),
        Action.CANCEL_REFERRAL: ("POST", f"/office/referrals/{t.referral2}/reply", {"action": "cancel"}),
        Action.REPLY_REFERRAL: ("POST", f"/office/referrals/{t.referral}/reply", {"action": "receive"}),
        Action.READ_REFERRAL: ("GET", f"/office/referrals/{t.referral}", None),
        Action.LIST_REFERRALS: ("GET", "/office/referrals", None),
        Action.COORDINATE_REFERRALS: ("GET", "/office/overview", None),
        Action.OVERSEE: ("GET", "/office/overview", None),
        Action.SEARCH_RESOURCES: ("GET", "/office/resources?q=상담&dong=혜화동", None),
        Action.EDIT_RESOURCE: ("POST", f"/office/resources/{t.resource}/verify", {}),  # ✅ 확인했어요
        Action.RECORD_SUPPORT: ("POST", f"/office/cases/{t.case}/support", {"kind": "lunch_box"}),
        Action.READ_SUPPORT: ("GET", f"/office/cases/{t.case}/support", None),
        Action.RECORD_CONFERENCE: ("POST", f"/office/cases/{t.case}/conferences", {"kind": "internal"}),
        Action.READ_CONFERENCES: ("GET", f"/office/cases/{t.case}/conferences", None),
    }.get(action)


async def office_attempt(w: World, action: Action, who: str) -> bool:
    method, path, data = office_request(w, action, who)  # type: ignore[misc]
    client = w.service.client
    client.cookies.clear()
    session = w.sessions.get(who)
    if session:
        client.cookies.set("salpim_office", session, path="/office")
    if method == "POST":
        csrf = w.service.services.cipher.lookup_hash(f"office-csrf:{session}") if session else ""
        response = await client.post(path, data={"csrf": csrf, **(data or {})}, headers={"Origin": "http://127.0.0.1"})
    else:
        response = await client.get(path)
    client.cookies.clear()
    assert response.status_code in (200, 303, 401, 403, 404, 409), (action, who, response.status_code, response.text)
    return response.status_code in (200, 303)


# -- Telegram -------------------------------------------------------------------------------------
def telegram_input(w: World, action: Action, who: str, version: int) -> tuple[str, str] | None:
    """("say", text) or ("press", callback data) for the actions Telegram offers."""
    t = w.targets[("telegram", who)]
    return {
        Action.READ_OWN_REPORTS: ("say", "/status"),
        Action.READ_REPORT: ("press", cb.full_record(t.case)),
        Action.TAKE_REPORT: ("press", cb.take(t.untaken)),
        Action.ASSIGN_CASE: ("press", cb.assign_to(t.untaken2, w.ids[ASSIGNEE])),
        Action.LIST_CASES: ("say", "/cases"),
        Action.READ_CASE: ("say", f"/case {t.case}"),
        Action.ACT_ON_CASE: ("press", cb.act(t.case, version, "assign_counsellor")),
        Action.SET_CASE_FACT: ("press", cb.toggle_fact(t.case, "personal_data_consent")),
        Action.RECORD_FOLLOWUP: ("press", cb.followup(t.case)),
        Action.OPEN_OFFICE: ("say", "/office"),
        Action.REFER: ("press", cb.refer(t.case)),
        Action.CANCEL_REFERRAL: ("press", cb.referral_button("cancel", t.referral2, 1)),
        Action.REPLY_REFERRAL: ("press", cb.referral_button("receive", t.referral, 1)),
        Action.READ_REFERRAL: ("press", cb.referral_button("open", t.referral)),
        Action.LIST_REFERRALS: ("say", "/referrals"),
        Action.SEARCH_RESOURCES: ("say", "/resources 상담 혜화동"),
        Action.EDIT_RESOURCE: ("press", cb.resource_button("verify", t.resource, 1)),  # ✅ 확인했어요
        Action.RECORD_SUPPORT: ("press", cb.support(t.case)),
        Action.READ_SUPPORT: ("press", cb.serving(t.case)),
        Action.REASSIGN_LEAD: ("press", cb.lead_to(t.case, "jn-hope")),
        Action.TRANSFER_CASE: ("press", cb.move_to(t.movable, IHWA)),
        Action.RECORD_CONFERENCE: ("press", cb.conference(t.case)),
        Action.READ_CONFERENCES: ("press", cb.minutes(t.case)),
        Action.REOPEN_CASE: ("press", cb.act(t.ended, version, "reopen", "economy")),  # 🔁 재개입 → 경제
    }.get(action)


REFUSALS = ("등록된 담당 직원만", "찾을 수 없거나", "주사례관리자로 지정된", "배정할 수 있어요", "배정은 사례관리팀장만")


async def telegram_attempt(w: World, action: Action, who: str) -> bool:
    t = w.targets[("telegram", who)]
    async with w.service.services.db.read() as conn:
        from state import cases
        subject = t.ended if action is Action.REOPEN_CASE else t.case
        version = (await cases.load(w.service.services.db, conn, subject)).version
    kind, value = telegram_input(w, action, who, version)  # type: ignore[misc]
    user = TelegramUser(w.service, w.fake, user_id=w.telegram[who])
    user.new_messages()
    update = user.message_update(text=value) if kind == "say" else user.press_update(f"|{value}")
    response = await w.service.post_update(update)
    assert response.status_code == 200, response.text
    # A press is answered on the button itself (answerCallbackQuery in the webhook's answer),
    # and anything longer in the chat.
    toast = response.json().get("text", "") if response.content else ""
    text = "\n".join([toast, *(c.params.get("text", "") for c in user.new_messages())])
    assert "이전 질문의 버튼" not in text and "알 수 없는" not in text, (action, who, text)  # not understood at all
    # What a person reads in their own chat: a refusal, or the answer.
    refused = any(r in text for r in REFUSALS)
    if action is Action.RECORD_SUPPORT and not refused:
        async with w.service.services.db.read() as conn:
            flow = (await conn.execute(select(ConversationRow.flow).where(
                ConversationRow.chat_id == str(w.telegram[who])))).scalar()
        assert flow == "support", (who, value, text)  # the support dialog opened
    if action is Action.RECORD_FOLLOWUP and not refused:
        async with w.service.services.db.read() as conn:
            flow = (await conn.execute(select(ConversationRow.flow).where(
                ConversationRow.chat_id == str(w.telegram[who])))).scalar()
        assert flow == "followup", (who, value, text)  # the checklist opened
    assert refused or text, f"{action} by {who}: no answer at all"
    return not refused


# -- the playground (residents only: it has no sign-in, so nobody there has a role) -----------------
PLAYGROUND_REPORT = ["/start report", "|q:neighbour", "|q:resident", "|q:toggle:isolation", "|q:done",
                     "|q:older_alone", "|q:older", "|q:female", "|q:dong:1111065000", "|q:skip", "며칠째 안 보여요",
                     "|q:no", "|q:anonymous", "|q:file"]


_PLAYGROUND_IDS = itertools.count(1)  # a browser numbers its messages; the service drops repeats


async def playground_say(w: World, step: str, version: int | None, n: list[int]) -> dict:
    n[0] = next(_PLAYGROUND_IDS)
    body = ({"message_id": n[0], "kind": "choice", "value": step[1:], "version": version} if step.startswith("|")
            else {"message_id": n[0], "kind": "text", "text": step})
    answer = await w.service.client.post("/playground/api/message", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def playground_attempt(w: World, action: Action, who: str) -> bool:
    from integrations.playground import chat_id_of
    client, n = w.service.client, [0]
    client.cookies.clear()
    await client.get("/playground")  # a browser of its own: the server gives it its session
    version = None
    if action is Action.FILE_REPORT:
        for step in PLAYGROUND_REPORT:
            answer = await playground_say(w, step, version, n)
            version = next((m["version"] for m in reversed(answer["messages"]) if m.get("buttons")), version)
        text = "\n".join(m["text"] for m in answer["messages"])
        return "접수되었습니다" in text
    chat_id = chat_id_of(client.cookies.get("salpim_playground"))
    async with w.service.services.db.transaction() as conn:  # a report this browser filed
        filed = await core_reports.file_report(w.work(conn), Actor(Channel.PLAYGROUND, chat_id=chat_id),
                                               _answers(HYEHWA), per_hour=100)
    if action is Action.READ_OWN_REPORTS:
        answer = await playground_say(w, "/status", None, n)
        return filed.receipt_no in "\n".join(m["text"] for m in answer["messages"])
    answer = await playground_say(w, f"/withdraw {filed.receipt_no}", None, n)
    confirm = answer["messages"][-1]
    answer = await playground_say(w, f"|consent:withdraw:{filed.receipt_no}", confirm["version"], n)
    return f"{filed.receipt_no} 신고를 지우고" in answer["messages"][-1]["text"]


OFFERED = {
    "core": set(Action),
    "api": {a for a in Action if a not in (Action.FILE_REPORT, Action.READ_OWN_REPORTS, Action.WITHDRAW_OWN_REPORT,
                                           Action.OPEN_OFFICE, Action.FIND_LOCAL_RESOURCES, Action.OVERSEE)},
    "telegram": {Action.READ_OWN_REPORTS, Action.READ_REPORT, Action.TAKE_REPORT, Action.ASSIGN_CASE,
                 Action.LIST_CASES, Action.READ_CASE, Action.ACT_ON_CASE, Action.SET_CASE_FACT,
                 Action.RECORD_FOLLOWUP, Action.OPEN_OFFICE, Action.REFER, Action.CANCEL_REFERRAL,
                 Action.REPLY_REFERRAL, Action.READ_REFERRAL, Action.LIST_REFERRALS, Action.SEARCH_RESOURCES,
                 Action.EDIT_RESOURCE, Action.RECORD_SUPPORT, Action.READ_SUPPORT, Action.REASSIGN_LEAD,
                 Action.TRANSFER_CASE, Action.RECORD_CONFERENCE, Action.READ_CONFERENCES, Action.REOPEN_CASE},
    "office": {Action.LIST_REPORTS, Action.READ_REPORT, Action.TAKE_REPORT, Action.ASSIGN_CASE, Action.LIST_CASES,
               Action.READ_CASE, Action.ACT_ON_CASE, Action.SET_CASE_FACT, Action.RECORD_FOLLOWUP,
               Action.READ_AUDIT, Action.RECORD_CONSENT, Action.REFER, Action.CANCEL_REFERRAL, Action.REPLY_REFERRAL,
               Action.READ_REFERRAL, Action.LIST_REFERRALS, Action.COORDINATE_REFERRALS, Action.OVERSEE,
               Action.SEARCH_RESOURCES, Action.EDIT_RESOURCE, Action.RECORD_SUPPORT, Action.READ_SUPPORT,
               Action.RECORD_CONFERENCE, Action.READ_CONFERENCES},
    "playground": {Action.FILE_REPORT, Action.READ_OWN_REPORTS, Action.WITHDRAW_OWN_REPORT},
}
ATTEMPT = {"core": core_attempt, "api": api_attempt, "telegram": telegram_attempt, "office": office_attempt,
           "playground": playground_attempt}
# Who can be in each channel at all: the playground has no sign-in.
PRESENT = {"playground": ("resident",)}
# Actions whose every success writes an audit entry naming the person (lists carry no personal
# data and are not audited; on Telegram, opening the follow-up checklist is the attempt, and it
# records nothing until the call is saved).
AUDITED = {Action.FILE_REPORT, Action.READ_REPORT, Action.TAKE_REPORT, Action.ASSIGN_CASE, Action.READ_CASE,
           Action.ACT_ON_CASE, Action.SET_CASE_FACT, Action.RECORD_FOLLOWUP, Action.VOID_FOLLOWUP,
           Action.EXPORT_CASES, Action.READ_AUDIT, Action.OPEN_OFFICE, Action.RECORD_CONSENT, Action.CANCEL_REFERRAL,
           Action.REPLY_REFERRAL, Action.READ_REFERRAL, Action.REASSIGN_LEAD, Action.TRANSFER_CASE,
           Action.EDIT_RESOURCE, Action.RECORD_SUPPORT, Action.READ_SUPPORT, Action.ADD_CO_MANAGER,
           Action.REMOVE_CO_MANAGER, Action.EXPORT_REFERRALS, Action.RECORD_CONFERENCE, Action.READ_CONFERENCES,
           Action.SCHEDULE_CONFERENCE, Action.REQUEST_SOLUTION_MEETING, Action.SCHEDULE_SOLUTION_MEETING,
           Action.REOPEN_CASE}
# On Telegram, 🤝 의뢰하기 opens the dialog: nothing is recorded until the referral is sent.
NOT_AUDITED_ON = {("telegram", Action.REFER), ("telegram", Action.RECORD_FOLLOWUP), ("telegram", Action.RECORD_SUPPORT),
                  ("telegram", Action.RECORD_CONFERENCE)}  # 🗓 사례회의 opens the dialog


def audits_refusal(channel: str, action: Action, who: str) -> bool:
    """A registered member reaching for a record out of their reach is audited even though
    refused: a partner asking for a case card, anyone asking for a referral not theirs (the API
    writes it again after its transaction rolled back with the refusal)."""
    role = PEOPLE[who][0] if PEOPLE[who][2] else None
    if role is None or (channel == "office" and role not in TABLE[Action.OPEN_OFFICE].roles):
        return False  # (nobody without a web office session reaches the core through the office)
    if action is Action.READ_CASE or (channel, action) == ("telegram", Action.READ_REPORT):  # via the case card
        return role.of_organisation
    # (an edit of another organisation's resource entry by a role that may edit is audited too)
    return action in (Action.READ_REFERRAL, Action.EDIT_RESOURCE, Action.READ_SUPPORT, Action.READ_CONFERENCES) \
        and role in TABLE[action].roles


def test_every_action_has_a_rule_and_every_channel_offers_only_known_actions():
    assert set(TABLE) == set(Action)
    assert all(OFFERED[c] <= set(Action) for c in CHANNELS)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_every_role_and_action_answers_as_the_table_says(world: World, channel: str):
    async with world.service.services.db.read() as conn:
        from state.models import Report
        _RECEIPTS.update(dict((await conn.execute(select(Report.id, Report.receipt_no))).all()))
    wrong = []
    for action in sorted(OFFERED[channel]):
        for who in PRESENT.get(channel, tuple(PEOPLE)):
            before = await world.audit_count(who)
            allowed = await ATTEMPT[channel](world, action, who)
            want = expected(action, who)
            if allowed != want:
                wrong.append(f"{channel}: {who} {action}: {'allowed' if allowed else 'refused'}, "
                             f"the table says {'allow' if want else 'refuse'}")
            wrote = await world.audit_count(who) - before
            audited = action in AUDITED and (channel, action) not in NOT_AUDITED_ON
            refusal_audited = not allowed and audits_refusal(channel, action, who)
            if audited and allowed and not wrote or not allowed and bool(wrote) != refusal_audited:
                wrong.append(f"{channel}: {who} {action}: {'allowed' if allowed else 'refused'} with "
                             f"{wrote} audit entries")
    assert wrong == [], "\n".join(wrong)
