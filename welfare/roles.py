"""Who takes part: the roles a registered member can hold (the vocabulary; what each role may
do is the application core's table, core/permissions.py)."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    # Reporters: registered people who file reports (DOMAIN.md "actors").
    HONORARY_OFFICER = "honorary_officer"  # 명예사회복지공무원
    TONGBAN_JANG = "tongban_jang"  # 통·반장
    MANDATORY_REPORTER = "mandatory_reporter"  # 신고의무자
    PARTNER_STAFF = "partner_staff"  # 민간기관 종사자
    COUNCIL_MEMBER = "council_member"  # 지역사회보장협의체 위원
    # Staff of the 읍면동 찾아가는 보건복지팀 and of the 시군구.
    CASEWORKER = "caseworker"  # 사례관리 담당자 (맞춤형복지팀 주무관)
    TEAM_LEADER = "team_leader"  # 맞춤형복지팀장 (사례관리팀장, L8576–8578)
    SIGUNGU_ADMIN = "sigungu_admin"  # 시군구 담당 (희망복지지원단 관리자)
    AUDITOR = "auditor"  # 감사 담당: reads the audit log only
    # Staff of partner organisations (welfare/organisations.py): they see only what is referred
    # to their organisation, and the 희망복지지원단's coordinator the whole 시군구's referrals.
    PARTNER_WORKER = "partner_worker"  # 연계기관 담당자
    PARTNER_LEAD = "partner_lead"  # 연계기관 책임자 (팀장)
    COORDINATOR = "coordinator"  # 희망복지지원단 통합사례관리사: the 시군구's coordinator (LINKAGE.md 7)

    @property
    def is_staff(self) -> bool:
        return self in STAFF_ROLES

    @property
    def dong_scoped(self) -> bool:
        """Works within one 읍면동 (and sees nothing without one)."""
        return self in DONG_STAFF_ROLES

    @property
    def of_organisation(self) -> bool:
        """Belongs to a partner organisation (or the 희망복지지원단), not to a 읍면동 team."""
        return self in ORGANISATION_ROLES


REPORTER_ROLES = (Role.HONORARY_OFFICER, Role.TONGBAN_JANG, Role.MANDATORY_REPORTER, Role.PARTNER_STAFF,
                  Role.COUNCIL_MEMBER)
DONG_STAFF_ROLES = (Role.CASEWORKER, Role.TEAM_LEADER)
PARTNER_ROLES = (Role.PARTNER_WORKER, Role.PARTNER_LEAD)
ORGANISATION_ROLES = (*PARTNER_ROLES, Role.COORDINATOR)
STAFF_ROLES = (*DONG_STAFF_ROLES, Role.SIGUNGU_ADMIN, Role.AUDITOR, *ORGANISATION_ROLES)
ALL_ROLES = (*REPORTER_ROLES, *STAFF_ROLES)


def role_of(value: str | None) -> Role | None:
    """A stored role string as a Role; None for none or one this version does not know."""
    try:
        return Role(value) if value else None
    except ValueError:
        return None
