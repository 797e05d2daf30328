"""Getting a sign-in link to the web office: /office in the bot's private chat (staff only,
never in a group) and `salpim admin login-link` for the first time. The link it gives signs in."""
from __future__ import annotations

import re

import pytest

from salpim import settings as settings_module
from salpim.cli import main
from tests.office_world import ORIGIN, make_world
from tests.test_cli import store  # noqa: F401 - the CLI's migrated store fixture

LINK = re.compile(r"https://salpim\.example/office/sign-in/([A-Za-z0-9_-]{40,})")


async def test_office_in_a_private_chat_sends_a_link_that_signs_in(service, fake_api):
    from tests.harness import TelegramUser
    world = await make_world(service.services)
    staff = TelegramUser(service, fake_api, user_id=8800)  # the caseworker's Telegram account
    text = "\n".join(c.params.get("text", "") for c in await staff.say("/office"))
    found = LINK.search(text)
    assert found and "10분" in text and "다른 사람에게 보내지 마세요" in text
    signed = await service.client.post("/office/sign-in", data={"token": found.group(1)}, headers={"Origin": ORIGIN})
    assert signed.status_code == 303
    page = await service.client.get("/office/inbox")
    assert page.status_code == 200 and f"직원 #{world.ids['cw']}" in page.text


async def test_office_is_refused_to_people_who_are_not_staff_and_in_groups(service, fake_api):
    from tests.harness import TelegramUser
    await make_world(service.services)
    officer = TelegramUser(service, fake_api, user_id=8805)  # an honorary officer
    text = "\n".join(c.params.get("text", "") for c in await officer.say("/office"))
    assert "등록된 담당 직원만" in text and "/office/sign-in/" not in text
    stranger = TelegramUser(service, fake_api, user_id=4242)
    assert "/office/sign-in/" not in "\n".join(c.params.get("text", "") for c in await stranger.say("/office"))
    staff = TelegramUser(service, fake_api, user_id=8800)
    update = staff.message_update(text="/office")
    update["message"]["chat"] = {"id": -100777, "type": "supergroup", "title": "혜화동 팀"}
    await service.post_update(update)
    said = [c.params.get("text", "") for c in (*fake_api.sent(-100777), *fake_api.sent(8800))]
    assert all("/office/sign-in/" not in t for t in said)  # asked in a group: no link anywhere


def test_admin_login_link_prints_a_link_for_staff_only(store, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("SALPIM_OFFICE_URL", "https://office.example")
    settings_module.get_settings.cache_clear()
    assert main(["load-directory", str(settings_module.DEFAULT_DIRECTORY)]) == 0
    assert main(["admin", "create-staff", "--role", "caseworker", "--dong", "1111065000"]) == 0
    capsys.readouterr()
    assert main(["admin", "login-link", "--member", "1"]) == 0
    out = capsys.readouterr()
    assert re.fullmatch(r"https://office\.example/office/sign-in/[A-Za-z0-9_-]{40,}\n", out.out)
    assert "10 minutes" in out.err
    assert main(["admin", "login-link", "--member", "99"]) == 1
    assert "no active staff account 99" in capsys.readouterr().err
