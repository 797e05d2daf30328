"""Who manages a case and what leaves it, through the API on SQLite and PostgreSQL: the
co-managing organisations with their stated roles (consent-gated, evented, audited), the FHIR
export of referrals (no name, audited; and its CLI), and the statutory clocks of a case moved to
another 읍면동 reminding that 읍면동's team leader until someone manages it."""
from __future__ import annotations

import json

from sqlalchemy import select, update

from integrations import housekeeping
from salpim.cli import main
from state import members, timers
from state.models import AuditEntry, Timer
from state.timeutil import utcnow
from tests.test_cli import DIRECTORY, rows, store  # noqa: F401 - the fixture
from tests.test_referrals_api import CONSENT, call, office  # noqa: F401 - the fixture

IHWA = "1111064000"


async def test_co_managers_are_named_by_consent_shown_with_their_roles_and_kept_in_the_history(office):  # noqa: F811
    case, path = office.case, f"/api/cases/{office.case}/co-managers"
    body = {"org": "jn-food", "role_kind": "resources", "role_text": "매월 밑반찬 지원"}
    refused = await call(office, "cw", "POST", path, body)
    assert refused.status_code == 409 and refused.json()["detail"]["refusal"] == "referral.error.consent_missing"
    await call(office, "cw", "POST", f"/api/cases/{case}/consent", {**CONSENT, "recipients": ["jn-mental", "jn-food"]})
    added = await call(office, "cw", "POST", path, body)
    assert added.status_code == 200
    shown = added.json()
    # No team leader in this 동: the one who took it is designated at once (a one-person 동 works).
    assert shown["lead_org"] is None and shown["manager_designated"] is True and shown["danger"] == []
    assert shown["co_managers"] == [{"org_code": "jn-food", "org_name": "종로구 푸드뱅크", "role_kind": "resources",
                                     "role_text": "매월 밑반찬 지원", "consented": True}]
    again = await call(office, "cw", "POST", path, body)
    assert again.status_code == 409 and again.json()["detail"]["refusal"] == "comanager.error.already"
    assert (await call(office, "cw", "POST", path, {**body, "role_kind": "boss"})).status_code == 422
    # Danger in the role line is screened like every free text and reported with the answer.
    danger = await call(office, "cw", "POST", path, {"org": "jn-mental", "role_kind": "counselling",
                                                     "role_text": "죽고 싶다고 하셔서 주 1회 상담"})
    assert danger.json()["danger"] == ["suicide"]
    # A partner sees no case (not even who manages it).
    assert (await call(office, "food", "GET", path)).status_code == 403
    assert (await call(office, "food", "POST", path, body)).status_code == 403
    # A new consent that leaves jn-food out: still listed, marked as no longer covered.
    await call(office, "cw", "POST", f"/api/cases/{case}/consent", {**CONSENT, "recipients": ["jn-mental"]})
    listed = {c["org_code"]: c["consented"] for c in (await call(office, "cw", "GET", path)).json()["co_managers"]}
    assert listed == {"jn-food": False, "jn-mental": True}
    assert (await call(office, "cw", "DELETE", f"{path}/jn-food")).json()["co_managers"][0]["org_code"] == "jn-mental"
    assert (await call(office, "cw", "DELETE", f"{path}/jn-food")).status_code == 404
    history = [h["action"] for h in (await call(office, "cw", "GET", f"/api/cases/{case}")).json()["history"]]
    assert history.count("co_manager_added") == 2 and history.count("co_manager_removed") == 1
    async with office.services.db.read() as conn:
        audit = [(r.action, r.detail) for r in await conn.execute(select(AuditEntry).where(
            AuditEntry.subject == f"case:{case}", AuditEntry.action.like("%co_manager")))]
    assert [a for a, _ in audit] == ["add_co_manager", "add_co_manager", "remove_co_manager"]
    assert "밑반찬" not in str(audit)  # the role line stays out of the log (encrypted on the record)


async def test_referrals_export_as_a_fhir_bundle_without_the_household(office):  # noqa: F811
    case = office.case
    await call(office, "cw", "POST", f"/api/cases/{case}/consent",
               {**CONSENT, "recipients": ["jn-mental", "jn-dementia"]})
    first = (await call(office, "cw", "POST", f"/api/cases/{case}/referrals",
                        {"to_org": "jn-mental", "need": "mental_health", "request": "우울감 상담이 필요해요",
                         "flags": ["disabled"]})).json()
    await call(office, "mental", "POST", f"/api/referrals/{first['id']}/reply", {"action": "reject",
                                                                               "reason": "out_of_area"})
    onward = (await call(office, "cw", "POST", f"/api/referrals/{first['id']}/reply",
                         {"action": "refer_onward", "onward_to": "jn-dementia"})).json()["onward"]
    response = await call(office, "cw", "GET", "/api/referrals/export.fhir.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    resources = {(e["resource"]["resourceType"], e["resource"]["id"]): e["resource"] for e in bundle["entry"]}
    assert len(resources) == 4
    request = resources[("ServiceRequest", f"referral-{first['id']}")]
    assert request["status"] == "revoked" and request["subject"] == {"reference": f"Patient/case-{case}"}
    assert request["code"]["coding"][0]["code"] == "mental_health"
    assert request["performer"] == [{"reference": "Organization/jn-mental"}]
    assert {"coding": [{"system": "https://salpim.kr/fhir/CodeSystem/household-flag", "code": "disabled"}]} \
        in request["category"]
    task = resources[("Task", f"referral-{first['id']}-task")]
    assert task["status"] == "completed" and task["businessStatus"]["coding"][0]["code"] == "referred-onward"
    assert task["statusReason"]["coding"][0]["code"] == "out_of_area"
    assert task["focus"] == {"reference": f"ServiceRequest/referral-{first['id']}"}
    assert task["restriction"]["period"]["end"] == first["due_on"]
    nxt = resources[("ServiceRequest", f"referral-{onward['id']}")]
    assert nxt["status"] == "active" and nxt["replaces"] == [{"reference": f"ServiceRequest/referral-{first['id']}"}]
    assert resources[("Task", f"referral-{onward['id']}-task")]["status"] == "requested"
    text = json.dumps(bundle, ensure_ascii=False)
    for personal in ("우울감", "며칠째", "혜화로", "명륜", "010"):
        assert personal not in text
    # Partners export nothing; the export is audited with its size.
    assert (await call(office, "mental", "GET", "/api/referrals/export.fhir.json")).status_code == 403
    coordinator = (await call(office, "coord", "GET", "/api/referrals/export.fhir.json")).json()
    assert len(coordinator["entry"]) == 4
    async with office.services.db.read() as conn:
        exports = [r.detail["rows"] for r in await conn.execute(select(AuditEntry).where(
            AuditEntry.subject == "referrals.fhir.json"))]
    assert exports == [2, 2]


def test_the_cli_exports_as_an_account_and_is_audited(store, tmp_path, capsys):  # noqa: F811
    assert main(["load-directory", str(DIRECTORY)]) == 0
    assert main(["admin", "create-staff", "--role", "caseworker", "--dong", "1111065000"]) == 0
    capsys.readouterr()
    out = tmp_path / "referrals.json"
    assert main(["admin", "export-referrals-fhir", "--member", "1", "--output", str(out)]) == 0
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and bundle["entry"] == []
    assert rows(store, "SELECT actor, action, subject FROM audit_log WHERE subject = 'referrals.fhir.json'") == [
        ("member:1", "export", "referrals.fhir.json")]
    assert main(["admin", "export-referrals-fhir", "--member", "99"]) == 1
    assert "no active account 99" in capsys.readouterr().err


async def test_after_a_move_the_clocks_remind_the_new_team_leader_until_someone_manages_it(office):  # noqa: F811
    case = office.case
    async with office.services.db.transaction() as conn:
        cipher, now = office.services.cipher, utcnow()
        for name, role, dong, uid in (("tl", "team_leader", "1111065000", 8201), ("tl_new", "team_leader", IHWA, 8202),
                                      ("cw_new", "caseworker", IHWA, 8203)):
            office.ids[name] = await members.create_member(conn, cipher, role=role, dong_code=dong,
                                                           sigungu_code="11110", now=now, telegram_user_id=uid)
            office.tokens[name] = await members.create_api_token(conn, cipher, office.ids[name], now)
    await call(office, "cw", "POST", f"/api/cases/{case}/consent", {**CONSENT, "recipients": ["jn-mental"]})
    referral = (await call(office, "cw", "POST", f"/api/cases/{case}/referrals",
                           {"to_org": "jn-mental", "need": "mental_health"})).json()
    moved = await call(office, "tl", "POST", f"/api/cases/{case}/transfer", {"to_dong": IHWA})
    assert moved.status_code == 200
    # The new team follows the case's referrals: it reads them, and hears when a reply is late.
    assert (await call(office, "tl_new", "GET", f"/api/referrals/{referral['id']}")).status_code == 200
    async with office.services.db.transaction() as conn:
        await conn.execute(update(Timer).where(Timer.kind == timers.TimerKind.REFERRAL_OVERDUE).values(due_at=utcnow()))
    await housekeeping.run_once(office.services)
    await office.delivered()
    assert any(f"R{referral['id']}" in t and "지났는데" in t for t in office.fake.texts(8202))
    assert any("지났는데" in t for t in office.fake.texts(8101))  # and the caseworker who sent it
    version = (await call(office, "tl_new", "GET", f"/api/cases/{case}")).json()["version"]

    async def fire_due_soon() -> None:
        async with office.services.db.transaction() as conn:  # the working day before the due date comes
            planned = (await conn.execute(select(Timer.id).where(
                Timer.kind == timers.TimerKind.CASE_DUE_SOON, Timer.subject.like(f"case:{case}:%"),
                Timer.version == version, Timer.done_at.is_(None)))).scalars().all()
            assert planned  # the clocks were set again for the moved case's version
            await conn.execute(update(Timer).where(Timer.id.in_(planned)).values(due_at=utcnow()))
        await housekeeping.run_once(office.services)
        await office.delivered()

    await fire_due_soon()
    assert any(f"사례 #{case}" in t and "기한이" in t for t in office.fake.texts(8202))  # nobody manages it yet
    assert not any("기한이" in t for t in office.fake.texts(8101))  # the old manager let go
    receipt = (await call(office, "tl_new", "GET", f"/api/cases/{case}")).json()["receipt_no"]
    taken = await call(office, "tl_new", "POST", f"/api/reports/{receipt}/take",
                       {"manager_member_id": office.ids["cw_new"]})
    assert taken.json()["manager_designated"] is True
    version = taken.json()["version"]
    before = len(office.fake.texts(8202))
    await fire_due_soon()
    assert any(f"사례 #{case}" in t and "기한이" in t for t in office.fake.texts(8203))  # now its manager
    assert len(office.fake.texts(8202)) == before


def test_every_encrypted_column_is_rotated_with_the_key():
    """A new encrypted column (a co-manager's role line) joins key rotation, or an old key could
    never be retired (photos are rotated on their own, as bytes)."""
    from state.models import Base
    from state.rotation import ENCRYPTED_COLUMNS
    rotated = {(table.name, column) for table, _, column, _ in ENCRYPTED_COLUMNS}
    encrypted = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns if c.name.endswith("_enc")}
    assert encrypted - rotated == {("photos", "data_enc")}
