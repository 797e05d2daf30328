"""The household support ledger through the API and the core, on SQLite and PostgreSQL: a second
김장 to the same household in one season warns the second giver and names only the first
organisation and the month; going on with a reason records both and audits the override; a
different season does not warn; emergency support first shows the national-programme check
(L10860–10864); "who is serving" goes only to organisations the consent names (refused with
the reason, audited); the export carries support columns; households match across cases by a
keyed hash of the normalised address."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core import cases as core_cases
from core import referrals as core_referrals
from core import reports as core_reports
from core import support as core_support
from core.actor import Actor, Channel, member_actor
from core.work import Work
from state import members, office_sessions
from state.models import AuditEntry, SupportEntry
from state.timeutil import utcnow
from tests.harness import make_settings, running_app
from welfare.crisis_report import CrisisReport
from welfare.korea_time import kst_today
from welfare.support import Given, duplicates, household_identity, load_support_kinds, normalise_address

HYEHWA = "1111065000"
CONSENT = {"general_data": True, "unique_identifiers": False, "sensitive_data": False, "third_party": True}
PEOPLE = (("cw", "caseworker", HYEHWA, None), ("welfare", "partner_worker", None, "jn-welfare"),
          ("food", "partner_worker", None, "jn-food"), ("mental", "partner_worker", None, "jn-mental"),
          ("dementia", "partner_worker", None, "jn-dementia"), ("coord", "coordinator", None, "jn-hope"))


def report(address: str | None) -> CrisisReport:
    return CrisisReport(reporter_kind="neighbour", reporter_type="resident", situations=("isolation",),
                        household="older_alone", age_band="very_old", gender="female", dong_code=HYEHWA,
                        description="며칠째 안 보여요", contact="anonymous", consent_version="v1",
                        consent_at=datetime(2026, 11, 30, 9, 0), address=address)


class Office:
    def __init__(self, service) -> None:
        self.service, self.tokens, self.ids = service, {}, {}

    @property
    def s(self):
        return self.service.services

    def work(self, conn) -> Work:
        return Work(self.s.db, conn, self.s.cipher, self.s.runner.directory, utcnow())

    async def actor(self, conn, who: str) -> Actor:
        return member_actor(await members.member_by_id(conn, self.ids[who]), self.s.runner.directory, Channel.OFFICE)

    async def open_case(self, address: str | None, recipients: list[str]) -> int:
        async with self.s.db.transaction() as conn:
            work = self.work(conn)
            filed = await core_reports.file_report(work, Actor(Channel.TELEGRAM, chat_id="n"), report(address),
                                                   per_hour=10**6)
            cw = await self.actor(conn, "cw")
            case = (await core_cases.take_report(work, cw, filed.id)).case.id
            await core_referrals.record_consent(work, cw, case, CONSENT, recipients)
        return case

    async def call(self, who: str, method: str, path: str, body: dict | None = None):
        return await self.service.client.request(method, path, json=body,
                                                 headers={"Authorization": f"Bearer {self.tokens[who]}"})

    async def audit(self, action: str) -> list:
        async with self.s.db.read() as conn:
            table = AuditEntry.__table__
            return list((await conn.execute(select(table).where(table.c.action == action)
                                            .order_by(table.c.id))).all())


@pytest.fixture
async def office(db_url, tmp_path, fake_api):
    async with running_app(make_settings(db_url, fake_api, tmp_path)) as service:
        o = Office(service)
        async with service.services.db.transaction() as conn:
            cipher, now = service.services.cipher, utcnow()
            for name, role, dong, org in PEOPLE:
                o.ids[name] = await members.create_member(conn, cipher, role=role, dong_code=dong,
                                                          sigungu_code="11110", now=now, org_code=org)
                o.tokens[name] = await members.create_api_token(conn, cipher, o.ids[name], now)
        yield o


def days_ago(n: int) -> str:
    return (kst_today(utcnow()) - timedelta(days=n)).isoformat()


async def test_a_second_kimjang_in_one_season_warns_naming_only_the_first_organisation(office):
    # Two reports of one household (the address written two ways) became two cases; the consents
    # name the 복지관 and the 푸드뱅크.
    first = await office.open_case("명륜길 12, 2층", ["jn-welfare", "jn-food"])
    second = await office.open_case("명륜길12  2층", ["jn-welfare", "jn-food"])
    given = await office.call("welfare", "POST", f"/api/cases/{first}/support",
                              {"kind": "kimjang", "given_on": days_ago(40), "amount": "20포기"})
    assert given.status_code == 200, given.text
    assert given.json()["giver_code"] == "jn-welfare" and given.json()["amount"] == "20포기"

    warned = await office.call("food", "POST", f"/api/cases/{second}/support",
                               {"kind": "kimjang", "given_on": days_ago(0), "amount": "10포기"})
    assert warned.status_code == 409, warned.text
    detail = warned.json()["detail"]
    month = days_ago(40)[:7]
    assert detail["refusal"] == "support.confirm" and detail["kind"] == "kimjang"
    assert detail["earlier"] == [{"giver_code": "jn-welfare", "giver_name": "종로종합사회복지관",
                                  "giver_is_dong_team": False, "month": month}]
    # Never the details: not the amount, not the day, not the case.
    assert "20포기" not in warned.text and days_ago(40) not in warned.text and f'"case_id"' not in warned.text
    assert "larger_household" in detail["reasons"]
    async with office.s.db.read() as conn:
        assert len((await conn.execute(select(SupportEntry))).all()) == 1  # nothing recorded yet
    warned_audit = await office.audit("support_warned")
    assert warned_audit[-1].actor == f"member:{office.ids['food']}"
    assert warned_audit[-1].detail["warned_of"] == [given.json()["id"]]

    # Going on needs a listed reason; with one, both are recorded and the override is audited.
    no_reason = await office.call("food", "POST", f"/api/cases/{second}/support",
                                  {"kind": "kimjang", "confirm": True, "reason": "because"})
    assert no_reason.status_code == 422 and no_reason.json()["detail"]["refusal"] == "support.error.reason_needed"
    went_on = await office.call("food", "POST", f"/api/cases/{second}/support",
                                {"kind": "kimjang", "amount": "10포기", "confirm": True, "reason": "larger_household"})
    assert went_on.status_code == 200, went_on.text
    assert went_on.json()["override_reason"] == "larger_household"
    assert went_on.json()["overrides"] == [given.json()["id"]]
    override = (await office.audit("support_override"))[-1]
    assert override.actor == f"member:{office.ids['food']}" and override.subject == f"support:{went_on.json()['id']}"
    assert override.detail["reason"] == "larger_household" and override.detail["warned_of"] == [given.json()["id"]]
    recorded = await office.audit("record_support")
    assert [e.detail["giver"] for e in recorded] == ["jn-welfare", "jn-food"]
    assert all("10포기" not in str(e.detail) and "20포기" not in str(e.detail) for e in recorded)

    # Both are in the ledger: the team sees its case's entries, and who serves the household.
    ledger = (await office.call("cw", "GET", f"/api/cases/{second}/support")).json()
    assert {(s["giver_code"], tuple(s["kinds"])) for s in ledger["serving"]} == {("jn-welfare", ("kimjang",)),
                                                                                  ("jn-food", ("kimjang",))}
    assert [e["giver_code"] for e in ledger["entries"]] == ["jn-food"]  # its own case's entries only


async def test_a_kimjang_of_another_season_and_recurring_lunch_boxes_do_not_warn(office):
    case = await office.open_case("창신길 5", ["jn-welfare", "jn-food"])
    last_autumn = await office.call("welfare", "POST", f"/api/cases/{case}/support",
                                    {"kind": "kimjang", "given_on": days_ago(300)})
    assert last_autumn.status_code == 200
    this_autumn = await office.call("food", "POST", f"/api/cases/{case}/support", {"kind": "kimjang"})
    assert this_autumn.status_code == 200, this_autumn.text
    assert this_autumn.json()["overrides"] == []
    for who in ("welfare", "food", "cw"):  # 도시락: recurring support, never a duplicate
        assert (await office.call(who, "POST", f"/api/cases/{case}/support", {"kind": "lunch_box"})).status_code == 200
    assert await office.audit("support_warned") == []


async def test_emergency_support_first_shows_the_national_programme_check(office):
    case = await office.open_case(None, [])
    asked = await office.call("cw", "POST", f"/api/cases/{case}/support", {"kind": "emergency", "amount": "30만 원"})
    assert asked.status_code == 409
    check = asked.json()["detail"]["national_check"]
    assert [c["id"] for c in check] == ["other_programmes_first", "no_double_items"]
    assert "긴급복지지원 등 다른 국가 지원" in check[0]["text"]
    assert asked.json()["detail"]["earlier"] == []
    done = await office.call("cw", "POST", f"/api/cases/{case}/support",
                             {"kind": "emergency", "amount": "30만 원", "national_checked": True})
    assert done.status_code == 200 and done.json()["national_checked"] is True
    assert done.json()["giver_code"] == f"dong:{HYEHWA}"
    # A second one inside 90 days: the check and the warning both (the 읍면동 team is named).
    again = await office.call("cw", "POST", f"/api/cases/{case}/support", {"kind": "emergency"})
    assert again.status_code == 409
    assert again.json()["detail"]["earlier"][0]["giver_is_dong_team"] is True
    assert again.json()["detail"]["national_check"]


async def test_who_serves_goes_only_to_organisations_the_consent_names(office):
    case = await office.open_case("이화장길 3", ["jn-welfare", "jn-mental"])
    async with office.s.db.transaction() as conn:  # referred to the 정신건강복지센터 under that consent
        await core_referrals.refer(office.work(conn), await office.actor(conn, "cw"), case, "jn-mental",
                                   need="mental_health")
    assert (await office.call("welfare", "POST", f"/api/cases/{case}/support", {"kind": "side_dishes"})).status_code == 200
    named = await office.call("welfare", "GET", f"/api/cases/{case}/support")
    assert named.status_code == 200
    assert named.json()["serving"] == [{"giver_code": "jn-welfare", "giver_name": "종로종합사회복지관",
                                        "giver_is_dong_team": False, "kinds": ["side_dishes"]}]
    # A new consent leaves the 정신건강복지센터 out: it knows the case, so it is told why; audited.
    async with office.s.db.transaction() as conn:
        await core_referrals.record_consent(office.work(conn), await office.actor(conn, "cw"), case, CONSENT,
                                            ["jn-welfare"])
    refused = await office.call("mental", "GET", f"/api/cases/{case}/support")
    assert refused.status_code == 403
    assert refused.json()["detail"]["refusal"] == "support.error.consent_not_naming"
    assert "동의서(서식2)에 우리 기관이 없어서" in refused.json()["detail"]["message"]
    assert "종로종합사회복지관" not in refused.text and "side_dishes" not in refused.text
    # An organisation with no tie at all gets the answer of a case that does not exist.
    unknown = await office.call("dementia", "GET", f"/api/cases/{case}/support")
    assert unknown.status_code == 404
    # The coordinator's 시군구-wide scope is no tie to the household either.
    assert (await office.call("coord", "GET", f"/api/cases/{case}/support")).status_code == 404
    denied = await office.audit("denied_read")
    assert {(d.actor, d.subject) for d in denied} >= {(f"member:{office.ids['mental']}", f"support:case:{case}"),
                                                      (f"member:{office.ids['dementia']}", f"support:case:{case}")}
    reads = [e for e in await office.audit("read") if e.subject == f"support:case:{case}"]
    assert [e.actor for e in reads] == [f"member:{office.ids['welfare']}"]
    # Nor may it record support now (neither named nor an accepted referral).
    assert (await office.call("mental", "POST", f"/api/cases/{case}/support", {"kind": "goods"})).status_code == 404


async def test_an_accepted_referral_lets_its_organisation_record_and_the_export_shows_it(office):
    case = await office.open_case(None, ["jn-food"])
    async with office.s.db.transaction() as conn:
        referral = await core_referrals.refer(office.work(conn), await office.actor(conn, "cw"), case, "jn-food",
                                              need="economy")
        await core_referrals.reply(office.work(conn), await office.actor(conn, "food"), referral.id, "accept")
        # The consent is replaced by one without the 푸드뱅크: its accepted referral still lets it record.
        await core_referrals.record_consent(office.work(conn), await office.actor(conn, "cw"), case, CONSENT, [])
    given = await office.call("food", "POST", f"/api/cases/{case}/support",
                              {"kind": "government_rice", "referral_id": referral.id, "amount": "10kg"})
    assert given.status_code == 200 and given.json()["referral_id"] == referral.id
    # Another organisation the consent named may not link the 푸드뱅크's referral as its own.
    async with office.s.db.transaction() as conn:
        await core_referrals.record_consent(office.work(conn), await office.actor(conn, "cw"), case, CONSENT,
                                            ["jn-welfare"])
    borrowed = await office.call("welfare", "POST", f"/api/cases/{case}/support",
                                 {"kind": "goods", "referral_id": referral.id})
    assert borrowed.status_code == 422 and borrowed.json()["detail"]["refusal"] == "support.error.not_this_referral"
    # ... but not ask who else serves the household (the consent no longer names it).
    assert (await office.call("food", "GET", f"/api/cases/{case}/support")).status_code == 403
    export = await office.call("cw", "GET", "/api/export/cases.csv")
    rows = {r["case_id"]: r for r in csv.DictReader(io.StringIO(export.text.lstrip("\ufeff")))}
    row = rows[str(case)]
    assert row["support_entries"] == "1" and row["support_kinds"] == "government_rice"
    assert row["support_givers"] == "jn-food" and row["last_support_on"] == days_ago(0)
    assert "10kg" not in export.text
    # The web office's case timeline shows the entry (no amount).
    async with office.s.db.transaction() as conn:
        session = await office_sessions.create_session(conn, office.s.cipher, office.ids["cw"], utcnow())
    client = office.service.client
    client.cookies.set("salpim_office", session, path="/office")
    page = await client.get(f"/office/cases/{case}")
    client.cookies.clear()
    assert page.status_code == 200 and "🎁 지원을 기록했어요" in page.text
    # The timeline's line names the event, never the amount; the amount is shown only where the
    # core hands this reader the entry in full (the support section, for the case's own team).
    line = page.text[page.text.index("🎁 지원을 기록했어요"):]
    assert "10kg" not in line[:line.index("</li>")]


async def test_the_amount_is_screened_for_danger_and_stored_encrypted(office):
    case = await office.open_case(None, [])
    danger = await office.call("cw", "POST", f"/api/cases/{case}/support", {"kind": "goods", "amount": "죽고 싶다고 했어요"})
    assert danger.status_code == 422 and "109" in danger.json()["detail"]["message"]
    assert (await office.call("cw", "POST", f"/api/cases/{case}/support",
                              {"kind": "goods", "amount": "쌀 10kg 두 포대"})).status_code == 200
    async with office.s.db.read() as conn:
        stored = (await conn.execute(select(SupportEntry.amount_enc))).scalar_one()
    assert "쌀" not in stored and stored.startswith("v1.")


# -- the domain, without a database ---------------------------------------------------------------
def test_the_windows_are_data_and_duplicates_look_both_ways():
    kinds = load_support_kinds()
    kimjang, lunch = kinds.get("kimjang"), kinds.get("lunch_box")
    assert kimjang.window_days == 150 and lunch.window_days == 0 and kinds.get("sponsored_goods").window_days == 30
    assert kinds.get("emergency").national_check
    day = datetime(2026, 12, 1).date()
    earlier = [Given(1, "kimjang", day - timedelta(days=149), "jn-welfare"),
               Given(2, "kimjang", day - timedelta(days=150), "jn-food"),
               Given(3, "goods", day, "jn-food"), Given(4, "kimjang", day + timedelta(days=10), "dong:1")]
    assert [g.entry_id for g in duplicates(kimjang, day, earlier)] == [4, 1]
    assert duplicates(lunch, day, [Given(5, "lunch_box", day, "x")]) == []


def test_one_household_however_its_address_is_written():
    assert normalise_address("명륜길 12, 2층") == normalise_address("명륜길12 2층") == normalise_address("명륜길１２ ２층")
    assert household_identity(address="명륜길 12, 2층", case_id=1) == household_identity(address="명륜길12 2층", case_id=2)
    assert household_identity(address=None, case_id=3) != household_identity(address=None, case_id=4)


async def test_two_givers_at_once_one_is_warned(office):
    """The 복지관 and the 푸드뱅크 record 김장 for one household at the same moment: the second
    waits for the first (a lock per household; SQLite's single writer) and is warned, never
    both recorded unwarned. The first transaction is held open while the second starts."""
    import asyncio
    first = await office.open_case("혜화로 7", ["jn-welfare", "jn-food"])
    second = await office.open_case("혜화로 7", ["jn-welfare", "jn-food"])

    async def record(who: str, case: int, hold: asyncio.Event | None = None):
        async with office.s.db.transaction() as conn:
            outcome = await core_support.record_support(office.work(conn), await office.actor(conn, who), case,
                                                        "kimjang")
            if hold is not None:
                await hold.wait()
            return outcome

    release = asyncio.Event()
    held = asyncio.create_task(record("welfare", first, release))
    await asyncio.sleep(0.2)  # the first has recorded and holds its transaction open
    racing = asyncio.create_task(record("food", second))
    await asyncio.sleep(0.5)  # without the lock the second would finish here, unwarned
    release.set()
    outcomes = [await held, await racing]
    assert isinstance(outcomes[0], core_support.Recorded)
    assert isinstance(outcomes[1], core_support.NeedsConfirmation) and len(outcomes[1].earlier) == 1
