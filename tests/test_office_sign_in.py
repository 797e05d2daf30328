"""Signing in to the web office: by a single-use link only, refused when the link was used,
has expired, or its member has gone; sessions end at once on deactivation; forms only from
our own page (CSRF token and Origin)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from state import members
from state.models import AuditEntry, OfficeSession, OfficeSignInLink
from state.timeutil import utcnow
from tests.office_world import EXPIRED, ORIGIN, csrf_of, make_world

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def world(service):
    return await make_world(service.services)


async def sign_in(client, token: str, origin: str = ORIGIN):
    return await client.post("/office/sign-in", data={"token": token}, headers={"Origin": origin})


async def test_a_link_opens_a_confirmation_page_and_signs_in_once(service, world):
    client = service.client
    token = await world.link("cw")
    page = await client.get(f"/office/sign-in/{token}")
    assert page.status_code == 200 and "살핌 업무 로그인" in page.text
    again = await client.get(f"/office/sign-in/{token}")  # a link preview GETs too: nothing is spent
    assert again.status_code == 200
    signed = await sign_in(client, token)
    assert signed.status_code == 303 and signed.headers["location"] == "/office"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/office" in cookie
    inbox = await client.get("/office/inbox")
    assert inbox.status_code == 200 and "받은 신고" in inbox.text and inbox.headers["cache-control"] == "no-store"
    async with service.services.db.read() as conn:
        stored = (await conn.execute(select(OfficeSession.session_hash))).scalars().all()
        links = (await conn.execute(select(OfficeSignInLink.token_hash))).scalars().all()
        signed_in = (await conn.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "sign_in", AuditEntry.actor == f"member:{world.ids['cw']}"))).scalar_one()
    session = client.cookies.get("salpim_office")
    assert session and session not in stored and token not in links  # only keyed hashes are kept
    assert signed_in == 1


async def test_a_link_used_twice_is_refused(service, world):
    token = await world.link("cw")
    assert (await sign_in(service.client, token)).status_code == 303
    service.client.cookies.clear()
    second = await sign_in(service.client, token)
    assert second.status_code == 403 and "이미 쓴 링크이거나 시간이 지난 링크" in second.text
    assert "salpim_office" not in second.headers.get("set-cookie", "")
    assert (await service.client.get("/office/inbox")).status_code == 401


async def test_an_expired_link_is_refused(service, world):
    token = await world.link("cw", now=utcnow() - EXPIRED)
    refused = await sign_in(service.client, token)
    assert refused.status_code == 403 and "시간이 지난 링크" in refused.text


async def test_a_made_up_link_is_refused_like_a_used_one(service, world):
    refused = await sign_in(service.client, "x" * 43)
    assert refused.status_code == 403 and "이미 쓴 링크이거나" in refused.text


async def test_only_staff_get_a_link(service, world):
    from core.refusals import Refused
    with pytest.raises(Refused):
        await world.link("officer")  # an honorary officer files reports; the office is for staff


async def test_a_deactivated_members_session_ends_at_once(service, world):
    assert (await sign_in(service.client, await world.link("cw"))).status_code == 303
    assert (await service.client.get("/office/inbox")).status_code == 200
    async with service.services.db.transaction() as conn:
        await members.deactivate_member(conn, world.ids["cw"])
    gone = await service.client.get("/office/inbox")
    assert gone.status_code == 401 and "로그인이 필요해요" in gone.text
    async with service.services.db.read() as conn:
        open_sessions = (await conn.execute(select(func.count()).select_from(OfficeSession).where(
            OfficeSession.ended_at.is_(None)))).scalar_one()
    assert open_sessions == 0


async def test_a_link_of_a_member_deactivated_before_using_it_is_refused(service, world):
    token = await world.link("cw")
    async with service.services.db.transaction() as conn:
        await members.deactivate_member(conn, world.ids["cw"])
    assert (await sign_in(service.client, token)).status_code == 403


async def test_a_cross_site_form_post_is_refused_and_changes_nothing(service, world):
    client = service.client
    filed = await world.file(urgent=True)
    assert (await sign_in(client, await world.link("cw"))).status_code == 303
    csrf = csrf_of((await client.get("/office/inbox")).text)
    path = f"/office/reports/{filed.receipt_no}/take"
    # Another site's page posting with the victim's cookie: wrong Origin, and no token.
    for headers, data in (({"Origin": "https://evil.example"}, {"csrf": csrf}),
                          ({"Origin": ORIGIN}, {}),
                          ({"Origin": ORIGIN}, {"csrf": "0" * 64}),
                          ({}, {"csrf": csrf})):
        refused = await client.post(path, data=data, headers=headers)
        assert refused.status_code == 403 and "이 화면에서 보낸 요청이 아니에요" in refused.text, headers
    from state.models import Case
    async with service.services.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(Case))).scalar_one() == 0
    # A sign-in form posted from elsewhere is refused too (login CSRF).
    assert (await sign_in(client, await world.link("cw2"), origin="https://evil.example")).status_code == 403
    taken = await client.post(path, data={"csrf": csrf}, headers={"Origin": ORIGIN})
    assert taken.status_code == 303


async def test_signing_out_ends_the_session(service, world):
    client = service.client
    assert (await sign_in(client, await world.link("cw"))).status_code == 303
    session = client.cookies.get("salpim_office")
    csrf = csrf_of((await client.get("/office/inbox")).text)
    out = await client.post("/office/sign-out", data={"csrf": csrf}, headers={"Origin": ORIGIN})
    assert out.status_code == 303
    client.cookies.set("salpim_office", session, path="/office")  # the old cookie, kept by someone
    assert (await client.get("/office/inbox")).status_code == 401


async def test_an_oversized_form_is_refused_before_it_is_read(service, world):
    refused = await service.client.post("/office/sign-in", content=b"token=" + b"a" * 70_000,
                                        headers={"Origin": ORIGIN, "Content-Type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 413


async def test_an_expired_session_is_refused(service, world):
    from datetime import timedelta

    from state import office_sessions
    async with service.services.db.transaction() as conn:
        old = await office_sessions.create_session(conn, service.services.cipher, world.ids["cw"],
                                                   utcnow() - timedelta(hours=10))
    service.client.cookies.set("salpim_office", old, path="/office")
    refused = await service.client.get("/office/my-work")
    assert refused.status_code == 401 and "로그인이 필요해요" in refused.text
