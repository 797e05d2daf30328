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
  REFERRAL  a referral to the actor's organisation, or from a 읍면동 in the actor's scope.
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
    REOPEN_CASE = "reopen_case"  # 재개입: a closed household's new problem reopens its case (L10081–10083)


class Scope(StrEnum):
    ANY = "any"
    OWN = "own"
    DONG = "dong"
    CASE = "case"
    RECEIVER = "receiver"
    REFERRAL = "referral"


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
    # Staff work at a desk too; partner agencies join with the referral pages (issue 13).
    Action.OPEN_OFFICE: Rule(frozenset({R.CASEWORKER, R.TEAM_LEADER, R.SIGUNGU_ADMIN, R.AUDITOR}), Scope.ANY),
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
          missing: str = NO_SUCH_CASE, org_code: str | None = None) -> None:
    """Raise Refused unless the actor may do `action` on a record of `dong_code` managed by
    `manager_id` (for a referral: sent to `org_code`). A record out of scope is "missing" (the
    message of a record that does not exist), so the answer never tells which records exist elsewhere."""
    rule = TABLE[action]
    if actor.role not in rule.roles:
        raise Refused(RefusalKind.NOT_ALLOWED, NOT_FOR_ROLE)
    ours = org_code is not None and actor.org_code == org_code
    if rule.scope is Scope.RECEIVER and not ours:
        raise Refused(RefusalKind.NOT_FOUND, missing)
    if rule.scope is Scope.REFERRAL and not (ours or actor.may_see(dong_code)):
        raise Refused(RefusalKind.NOT_FOUND, missing)
    if rule.scope in (Scope.DONG, Scope.CASE) and not actor.may_see(dong_code):
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
