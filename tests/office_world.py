"""A small 혜화동 team for the web office tests: a caseworker, a second caseworker, the team
leader, an auditor and a caseworker of another 동, with reports filed through the core."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import cases as core_cases
from core import office_access
from core import referrals as core_referrals
from core import reports as core_reports
from core.actor import Actor, Channel, member_actor
from core.work import Work
from state import members
from state.timeutil import utcnow
from welfare.crisis_report import CrisisReport

HYEHWA, IHWA, SIGUNGU = "1111065000", "1111064000", "11110"
ORIGIN = "http://127.0.0.1"
STAFF = {"cw": ("caseworker", HYEHWA), "cw2": ("caseworker", HYEHWA), "tl": ("team_leader", HYEHWA),
         "auditor": ("auditor", None), "other": ("caseworker", IHWA), "officer": ("honorary_officer", HYEHWA),
         # Part 2: partner agencies, the 희망복지지원단's coordinator, the 시군구 admin.
         "partner": ("partner_worker", None), "partner_lead": ("partner_lead", None),
         "partner_b": ("partner_worker", None), "coordinator": ("coordinator", None), "admin": ("sigungu_admin", None)}
ORG_OF = {"partner": "jn-mental", "partner_lead": "jn-mental", "partner_b": "jn-food", "coordinator": "jn-hope"}
CONSENT = {"general_data": True, "unique_identifiers": False, "sensitive_data": True, "third_party": True}


def answers(dong: str = HYEHWA, situations: tuple[str, ...] = ("isolation",), urgent: bool = False) -> CrisisReport:
    return CrisisReport(reporter_kind="neighbour", reporter_type="resident", situations=tuple(situations),
                        household="older_alone", age_band="very_old", gender="female", dong_code=dong,
                        description="며칠째 안 보여요, 우편물이 쌓여 있어요", contact="anonymous",
                        consent_version="v1", consent_at=datetime(2026, 11, 30, 9, 0), urgent=urgent)


@dataclass
class OfficeWorld:
    services: object
    ids: dict[str, int] = field(default_factory=dict)

    def work(self, conn, now: datetime | None = None) -> Work:
        s = self.services
        return Work(s.db, conn, s.cipher, s.runner.directory, now or utcnow())

    async def actor(self, conn, who: str) -> Actor:
        info = await members.member_by_id(conn, self.ids[who])
        return member_actor(info, self.services.runner.directory, Channel.SYSTEM)

    async def file(self, *, urgent: bool = False, dong: str = HYEHWA, situations=("isolation",)):
        async with self.services.db.transaction() as conn:
            return await core_reports.file_report(self.work(conn), Actor(Channel.TELEGRAM, chat_id="neighbour-1"),
                                                  answers(dong, situations, urgent), per_hour=10**6)

    async def taken_case(self, *, consent_for: list[str] | None = None, now: datetime | None = None) -> int:
        """A report of 혜화동 taken by the caseworker "cw" (through the core), with a 서식2 consent
        naming `consent_for` when given."""
        filed = await self.file()
        async with self.services.db.transaction() as conn:
            work, cw = self.work(conn, now), await self.actor(conn, "cw")
            case_id = (await core_cases.take_report(work, cw, filed.id)).case.id
            if consent_for is not None:
                await core_referrals.record_consent(work, cw, case_id, CONSENT, consent_for)
        return case_id

    async def link(self, who: str, now: datetime | None = None) -> str:
        async with self.services.db.transaction() as conn:
            return await office_access.sign_in_link(self.work(conn, now), await self.actor(conn, who))


async def make_world(services) -> OfficeWorld:
    world = OfficeWorld(services)
    async with services.db.transaction() as conn:
        for n, (who, (role, dong)) in enumerate(STAFF.items()):
            world.ids[who] = await members.create_member(conn, services.cipher, role=role, dong_code=dong,
                                                         sigungu_code=SIGUNGU, now=utcnow(), telegram_user_id=8800 + n,
                                                         org_code=ORG_OF.get(who))
    return world


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


EXPIRED = timedelta(minutes=11)


async def signed_in(service, world: OfficeWorld, who: str, page: str = "/office") -> str:
    """Sign `who` in by a fresh link (as the bot would send it) and return the CSRF token of `page`."""
    service.client.cookies.clear()
    token = await world.link(who)
    response = await service.client.post("/office/sign-in", data={"token": token}, headers={"Origin": ORIGIN})
    assert response.status_code == 303
    return csrf_of((await service.client.get(page, follow_redirects=True)).text)


async def post(service, path: str, csrf: str, **data):
    """A form post from the office's own pages (its CSRF token and Origin)."""
    return await service.client.post(path, data={"csrf": csrf, **data}, headers={"Origin": ORIGIN})
