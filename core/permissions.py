"""The one role × action table: who may do what, and on whose records.

Every channel (Telegram, the API, the playground, the web office) asks `check` here before the
core acts, and the matrix test (tests/test_permission_matrix.py) walks this table through every
channel, so a rule changed here changes everywhere.

Reading the table: `roles` may do the action at all; `scope` says on which records —
  OWN       what the person filed themselves (matched by their chat, not by a role),
  DONG      records of a 읍면동 in the actor's scope (core/actor.py `scope_of`),
  CASE      a case in scope, and for `manager_only` roles only the cases they manage
            (주사례관리자); the team leader acts on every case of the 읍면동 (L8576–8578),
  ANY       no record: the action has no subject (filing a report, the audit log),
  RECEIVER  a referral to the actor's own organisation (partner staff, the 희망복지지원단),
  REFERRAL  a referral to the actor's organisation, or from a 읍면동 in the actor's scope,
  ORG       a record an organisation owns (a resource-directory entry): the actor's own
            organisation's, or — for staff of no organisation (the 시군구 admin) — any of their 시군구.
  HOUSEHOLD a case in the actor's 읍면동 scope; for staff of an organisation, a case their
            organisation is tied to (the core says how: the consent names it, or it accepted a
            referral of the case — core/support.py).
  INVITED   a case in the actor's scope, or a conference on it the actor's organisation was invited to.
A record outside the actor's scope answers as if it did not exist (core/refusals.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.actor import Actor
from core.refusals import NO_SUCH_CASE, NOT_FOR_ROLE, NOT_YOUR_CASE, RefusalKind, Refused
from welfare.roles import ALL_ROLES, Role


class Action(StrEnum):
    FILE_REPORT = "file_report"  # 위기가구 신고
    READ_OWN_REPORTS = "read_own_reports"  # 내 신고 확인 (/status)
    WITHDRAW_OWN_REPORT = "withdraw_own_report"  # 동의 철회 (/withdraw)
    LIST_REPORTS = "list_reports"  # no personal data
    READ_REPORT = "read_report"  # the full intake record, audited
    TAKE_REPORT = "take_report"  # 담당하기: opens the case, the taker manages it
    ASSIGN_CASE = "assign_case"  # 배정하기: the team leader designates the 주사례관리자
    LIST_CASES = "list_cases"  # no personal data
    READ_CASE = "read_case"  # the case card: step, clocks, consents; audited
    ACT_ON_CASE = "act_on_case"  # a step of the 10-step process (the lifecycle's own guards apply too)
    SET_CASE_FACT = "set_case_fact"  # consent and other facts the guards read; evented and audited
    RECORD_FOLLOWUP = "record_followup"  # 후속 통화 기록 (immutable)
    VOID_FOLLOWUP = "void_followup"  # a mistaken record voided with a reason
    EXPORT_CASES = "export_cases"  # CSV for 행복이음, audited
    READ_AUDIT = "read_audit"  # the audit log itself (reading it is audited too)
    OPEN_OFFICE = "open_office"  # a sign-in link to the web office (/office in the bot), audited
    # Linkage (의뢰·회신, issue 13): consent that names the recipient, referrals and their replies.
    RECORD_CONSENT = "record_consent"  # 서식2 four parts with the named recipients; evented and audited
    REFER = "refer"  # 의뢰하기: refused unless consent names the receiving organisation
    CANCEL_REFERRAL = "cancel_referral"  # the sender withdraws a referral still open
    REPLY_REFERRAL = "reply_referral"  # 접수 / 수락 / 반려 / 시작 / 완료 / 재의뢰, by the receiving organisation
    READ_REFERRAL = "read_referral"  # a referral with the consented details; audited (refusals too)
    LIST_REFERRALS = "list_referrals"  # what I sent and what my organisation owes (no personal data)
    COORDINATE_REFERRALS = "coordinate_referrals"  # the 시군구's open and overdue referrals (no personal data)
    LIST_ORGANISATIONS = "list_organisations"  # the organisation directory
    REASSIGN_LEAD = "reassign_lead"  # the coordinator names the case's 주사례관리기관
    TRANSFER_CASE = "transfer_case"  # the household moved: the case goes to its new 읍면동 (L10102–10106)
    # The resource directory (자원 목록, issue 14): no personal data, so searching is not audited.
    SEARCH_RESOURCES = "search_resources"  # /resources, GET /api/resources, the referral dialog's suggestions
    EDIT_RESOURCE = "edit_resource"  # add, change, retire or re-verify (✅ 확인했어요) an entry; audited
    FIND_LOCAL_RESOURCES = "find_local_resources"  # the finder's 동네 자원: verified entries only, for anyone
    # The household support ledger (지원 이력, issue 14): who gave what, warned before a duplicate.
    RECORD_SUPPORT = "record_support"  # 지원 기록: the 읍면동 team, or an organisation consent names / that accepted a referral
    READ_SUPPORT = "read_support"  # 누가 돕고 있나요? / the ledger: the team, or an organisation the consent names; audited
    ADD_CO_MANAGER = "add_co_manager"  # 공동사례관리기관 with its stated role; only where consent names it
    REMOVE_CO_MANAGER = "remove_co_manager"  # the organisation leaves the case's management
    EXPORT_REFERRALS = "export_referrals"  # FHIR ServiceRequest + Task bundle, audited (no names)
    # Case conferences (사례회의, issue 14): minutes per case with decisions that link back to it.
    RECORD_CONFERENCE = "record_conference"  # 서식4 minutes and their decisions (선정·계획·종결); evented, audited
    READ_CONFERENCES = "read_conferences"  # a case's minutes (invited partners: stripped of identifiers); audited
    SCHEDULE_CONFERENCE = "schedule_conference"  # the team leader sets the next meeting; attendees are reminded
    REQUEST_SOLUTION_MEETING = "request_solution_meeting"  # 서식10: the 읍면동 asks the 희망복지지원단
    SCHEDULE_SOLUTION_MEETING = "schedule_solution_meeting"  # the coordinator sees the requests and sets the meeting
    # The web office, part 2 (issue 15): the 시군구's overview (every 동's open cases, hard cases,
    # the week's reports, overdue clocks, where people give up in the dialogs). Counts only.
    OVERSEE = "oversee"
    REOPEN_CASE = "reopen_case"  # 재개입: a closed household's new problem reopens its case (L10081–10083)


class Scope(StrEnum):
    ANY = "any"
    OWN = "own"
    DONG = "dong"
    CASE = "case"
    RECEIVER = "receiver"
    REFERRAL = "referral"
    ORG = "org"
    HOUSEHOLD = "household"
    INVITED = "invited"


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[Role | None]  # None: an unregistered resident
    scope: Scope
    manager_only: frozenset[Role] = frozenset()  # these roles act only on cases they manage


R = Role
EVERYONE = frozenset({None, *ALL_ROLES})
DONG_TEAM = frozenset({R.CASEWORKER, R.TEAM_LEADER})
RECORD_READERS = frozenset({R.CASEWORKER, R.TEAM_LEADER, R.SIGUNGU_ADMIN})
LISTERS = frozenset({R.CASEWORKER, R.TEAM_LEADER, R.SIGUNGU_ADMIN, R.AUDITOR})
MANAGER = frozenset({R.CASEWORKER})  # a caseworker acts on the cases they manage; the leader on all
ORG_STAFF = frozenset({R.PARTNER_WORKER, R.PARTNER_LEAD, R.COORDINATOR})
ALL_STAFF = frozenset({*RECORD_READERS, R.AUDITOR, *ORG_STAFF})

TABLE: dict[Action, Rule] = {
    Action.FILE_REPORT: Rule(EVERYONE, Scope.ANY),
    Action.READ_OWN_REPORTS: Rule(EVERYONE, Scope.OWN),
    Action.WITHDRAW_OWN_REPORT: Rule(EVERYONE, Scope.OWN),
    Action.LIST_REPORTS: Rule(LISTERS, Scope.DONG),
    Action.READ_REPORT: Rule(RECORD_READERS, Scope.DONG),
    Action.TAKE_REPORT: Rule(DONG_TEAM, Scope.DONG),
    Action.ASSIGN_CASE: Rule(frozenset({R.TEAM_LEADER}), Scope.DONG),
    Action.LIST_CASES: Rule(LISTERS, Scope.DONG),
    Action.READ_CASE: Rule(RECORD_READERS, Scope.DONG),
    Action.ACT_ON_CASE: Rule(DONG_TEAM, Scope.CASE, MANAGER),
    Action.SET_CASE_FACT: Rule(DONG_TEAM, Scope.CASE, MANAGER),
    Action.RECORD_FOLLOWUP: Rule(DONG_TEAM, Scope.CASE, MANAGER),
    Action.VOID_FOLLOWUP: Rule(DONG_TEAM, Scope.CASE, MANAGER),
    Action.EXPORT_CASES: Rule(RECORD_READERS, Scope.DONG),
    Action.READ_AUDIT: Rule(frozenset({R.AUDITOR, R.SIGUNGU_ADMIN}), Scope.ANY),
    # Staff work at a desk too, and partner agencies answer their referrals there (issue 15).
    Action.OPEN_OFFICE: Rule(ALL_STAFF, Scope.ANY),
    Action.RECORD_CONSENT: Rule(DONG_TEAM, Scope.CASE, MANAGER),
    Action.REFER: Rule(DONG_TEAM, Scope.CASE, MANAGER),
    Action.CANCEL_REFERRAL: Rule(DONG_TEAM, Scope.CASE, MANAGER),
    Action.REPLY_REFERRAL: Rule(ORG_STAFF, Scope.RECEIVER),
    Action.READ_REFERRAL: Rule(frozenset({*RECORD_READERS, *ORG_STAFF}), Scope.REFERRAL),
    Action.LIST_REFERRALS: Rule(frozenset({*DONG_TEAM, *ORG_STAFF}), Scope.ANY),
    Action.COORDINATE_REFERRALS: Rule(frozenset({R.COORDINATOR, R.SIGUNGU_ADMIN}), Scope.DONG),
    Action.LIST_ORGANISATIONS: Rule(ALL_STAFF, Scope.ANY),
    Action.REASSIGN_LEAD: Rule(frozenset({R.COORDINATOR}), Scope.DONG),
    Action.TRANSFER_CASE: Rule(frozenset({R.TEAM_LEADER, R.COORDINATOR}), Scope.DONG),
    Action.SEARCH_RESOURCES: Rule(ALL_STAFF, Scope.ANY),
    # Partner leads keep their own organisation's entries; the 시군구 admin all of them (P5: the
    # city kept the list and stopped — the owners keep it now, the city can still correct it).
    Action.EDIT_RESOURCE: Rule(frozenset({R.PARTNER_LEAD, R.SIGUNGU_ADMIN}), Scope.ORG),
    # What local organisations give is public information (a resident may call them): verified
    # entries only, so nobody is sent to a programme that may have ended.
    Action.FIND_LOCAL_RESOURCES: Rule(EVERYONE, Scope.ANY),
    Action.RECORD_SUPPORT: Rule(frozenset({*DONG_TEAM, *ORG_STAFF}), Scope.HOUSEHOLD),
    Action.READ_SUPPORT: Rule(frozenset({*RECORD_READERS, *ORG_STAFF}), Scope.HOUSEHOLD),
    # Joint case management is agreed by the case's own team (its manager, the team leader).
    Action.ADD_CO_MANAGER: Rule(DONG_TEAM, Scope.CASE, MANAGER),
    Action.REMOVE_CO_MANAGER: Rule(DONG_TEAM, Scope.CASE, MANAGER),
    # Like the CSV export, plus the coordinator who watches the 시군구's referrals.
    Action.EXPORT_REFERRALS: Rule(frozenset({*RECORD_READERS, R.COORDINATOR}), Scope.DONG),
    # The team leader runs the meetings and decides who attends (L3761–3765, L8905, L8985–8987);
    # the 희망복지지원단 registers the minutes of the 솔루션회의 it runs (L9042).
    Action.RECORD_CONFERENCE: Rule(frozenset({*DONG_TEAM, R.COORDINATOR}), Scope.CASE, MANAGER),  # 솔루션회의록: L9042
    Action.READ_CONFERENCES: Rule(frozenset({*RECORD_READERS, *ORG_STAFF}), Scope.INVITED),
    Action.SCHEDULE_CONFERENCE: Rule(frozenset({R.TEAM_LEADER}), Scope.DONG),
    # A 솔루션회의 is asked for by the 읍면동 and run by the 희망복지지원단 (L8848–8856, L9016–9022).
    Action.REQUEST_SOLUTION_MEETING: Rule(DONG_TEAM, Scope.CASE, MANAGER),
    Action.SCHEDULE_SOLUTION_MEETING: Rule(frozenset({R.COORDINATOR}), Scope.DONG),
    Action.OVERSEE: Rule(frozenset({R.COORDINATOR, R.SIGUNGU_ADMIN}), Scope.DONG),
    # DONG, not CASE: the team of the household's current 읍면동 monitors it (L10102–10106), and a
    # case that moved has no manager until the new team leader names one.
    Action.REOPEN_CASE: Rule(DONG_TEAM, Scope.DONG),
}

# Who can be made a case's 주사례관리자 (ASSIGN_CASE and TAKE_REPORT): active staff of that
# case's 읍면동 team. (A 고난도 hand-off to the 희망복지지원단 comes with the linkage issues.)
ASSIGNABLE_ROLES = DONG_TEAM


def may(actor: Actor, action: Action) -> bool:
    """Whether the actor's role may do this at all (before any record is looked at)."""
    return actor.role in TABLE[action].roles


def require_role(actor: Actor, action: Action) -> None:
    """The role check alone, made before any record is looked up: someone whose role may not do
    this learns nothing about which records exist."""
    if actor.role not in TABLE[action].roles:
        raise Refused(RefusalKind.NOT_ALLOWED, NOT_FOR_ROLE)


def check(actor: Actor, action: Action, *, dong_code: str | None = None, manager_id: int | None = None,
          missing: str = NO_SUCH_CASE, org_code: str | None = None, sigungu_code: str | None = None,
          tied: bool = False, invited: bool = False) -> None:
    """Raise Refused unless the actor may do `action` on a record of `dong_code` managed by
    `manager_id` (for a referral: sent to `org_code`; for an organisation's record: owned by
    `org_code` of `sigungu_code`; for minutes: `invited`, the actor's organisation was invited to
    a meeting on it). A record out of scope is "missing" (the message of a record that does not
    exist), so the answer never tells which records exist elsewhere.
    `tied`: the actor's organisation is tied to the case as the action needs (Scope.HOUSEHOLD)."""
    rule = TABLE[action]
    if actor.role not in rule.roles:
        raise Refused(RefusalKind.NOT_ALLOWED, NOT_FOR_ROLE)
    ours = org_code is not None and actor.org_code == org_code
    if rule.scope is Scope.RECEIVER and not ours:
        raise Refused(RefusalKind.NOT_FOUND, missing)
    if rule.scope is Scope.REFERRAL and not (ours or actor.may_see(dong_code)):
        raise Refused(RefusalKind.NOT_FOUND, missing)
    if rule.scope is Scope.ORG and not (ours or actor.org_code is None and actor.member is not None
                                        and sigungu_code is not None and actor.member.sigungu_code == sigungu_code):
        raise Refused(RefusalKind.NOT_FOUND, missing)
    if rule.scope is Scope.INVITED and not (invited or actor.may_see(dong_code)):
        raise Refused(RefusalKind.NOT_FOUND, missing)
    if rule.scope in (Scope.DONG, Scope.CASE) and not actor.may_see(dong_code):
        raise Refused(RefusalKind.NOT_FOUND, missing)
    if rule.scope is Scope.HOUSEHOLD:
        # Staff of an organisation (the coordinator too) reach a household only through their
        # organisation's tie to it, never through the 시군구-wide scope of the coordinator.
        of_org = actor.role is not None and actor.role.of_organisation
        if not (tied and actor.org_code is not None if of_org else actor.may_see(dong_code)):
            raise Refused(RefusalKind.NOT_FOUND, missing)
    if rule.scope is Scope.CASE and actor.role in rule.manager_only and manager_id != actor.member_id:
        raise Refused(RefusalKind.NOT_ALLOWED, NOT_YOUR_CASE)


def may_manage(role: Role | None) -> bool:
    return role in ASSIGNABLE_ROLES


def visible_dongs(actor: Actor, action: Action, dong: str | None = None) -> list[str]:
    """For a list: the 읍면동 it may cover — all of the actor's scope, or the one asked for if
    it is in scope (one out of scope gives an empty list, as if it had no records)."""
    if actor.role not in TABLE[action].roles:
        raise Refused(RefusalKind.NOT_ALLOWED, NOT_FOR_ROLE)
    if dong is None:
        return sorted(actor.dongs)
    return [dong] if actor.may_see(dong) else []
