"""PostgreSQL under faults: the database unreachable for a while (through a proxy the test
controls) makes the webhook answer 503 with nothing half-written, and processing goes on when
it returns; two service instances on one database keep each chat in order, never double a
report, and fire each timer once."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, update

from integrations import housekeeping
from state.models import ConversationRow, InboxEntry, Report
from tests.harness import TelegramUser, make_settings, running_app, texts
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_url(request):
    from tests.conftest import _drop_pg_database, _fresh_pg_database, _pg_state, postgres_available
    if not postgres_available():
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 not reachable ({_pg_state.get('why')})")
    url = await _fresh_pg_database()
    yield url
    await _drop_pg_database(url)


async def test_database_outage_answers_503_and_recovers(pg_url, fake_api, tmp_path):
    from state.migrate import upgrade
    await asyncio.to_thread(upgrade, pg_url)
    async with TcpProxy("127.0.0.1", 5432) as proxy:
        proxied = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        async with running_app(make_settings(proxied, fake_api, tmp_path), migrate=False) as service:
            user = TelegramUser(service, fake_api)
            await user.say("/start report")
            await user.press("이웃·지인")
            await user.press("주민·이웃")
            proxy.cut()
            update = user.press_update(user.find_button("고립")[1])
            statuses = [(await service.post_update(update)).status_code for _ in range(3)]
            assert statuses == [503, 503, 503]  # Telegram keeps redelivering
            health = await service.client.get("/healthz")
            assert health.status_code == 503
            proxy.restore()
            assert (await service.post_update(update)).status_code == 200
            assert "✅ 고립·연락 끊김" in user.buttons()
            async with service.services.db.read() as conn:
                claimed = (await conn.execute(select(func.count()).select_from(InboxEntry)
                                              .where(InboxEntry.update_id == update["update_id"]))).scalar_one()
            assert claimed == 1
            for label in ("선택 완료", "혼자 사는 어르신", "80세", "여성", "혜화동", "건너뛰기"):
                await user.press(label)
            await user.say("안 보여요")
            await user.press("아니요, 급하지 않아요")  # the 고독사 question: no same-day visit
            await user.press("익명")
            out = await user.press("동의하고 접수")
            assert "접수되었습니다" in texts(out)


async def test_two_instances_on_one_database(pg_url, fake_api, tmp_path):
    settings = make_settings(pg_url, fake_api, tmp_path)
    async with running_app(settings) as first, running_app(settings, migrate=False) as second:
        instances = [first, second]
        users = [TelegramUser(first, fake_api, user_id=9_200_000 + i) for i in range(20)]
        script = ["/start report", "|q:neighbour", "|q:resident", "|q:toggle:isolation", "|q:toggle:housing", "|q:done",
                  "|q:older_alone", "|q:older", "|q:female", "|q:dong:1111065000", "|q:skip", "TEXT",
                  "|q:no", "|q:anonymous", "|q:file"]  # q:no: the 고독사 question

        async def run_chat(index: int, user: TelegramUser) -> None:
            for step_no, step in enumerate(script):
                update = (user.message_update(text="우편물이 쌓였어요") if step == "TEXT" else
                          user.press_update(step) if step.startswith("|") else user.message_update(text=step))
                # alternate instances within one chat, and deliver every update to both at once
                a, b = instances[(index + step_no) % 2], instances[(index + step_no + 1) % 2]
                results = await asyncio.gather(a.post_update(update), b.post_update(update))
                assert all(r.status_code == 200 for r in results)
        await asyncio.gather(*(run_chat(i, u) for i, u in enumerate(users)))
        async with first.services.db.read() as conn:
            assert (await conn.execute(select(func.count()).select_from(Report))).scalar_one() == len(users)
            ticks = (await conn.execute(select(Report.situations))).scalars().all()
        assert all(sorted(s) == ["housing", "isolation"] for s in ticks)  # every toggle applied, in order
        for user in users:
            firsts = [t.split("\n")[0] for t in fake_api.texts(user.user_id)]
            progress = [f for f in firsts if f.startswith("[")]
            assert progress == sorted(progress, key=lambda p: int(p[1:].split("/")[0])), progress  # questions in order
            assert sum("접수되었습니다" in t for t in fake_api.texts(user.user_id)) == 1

        # A timer (an idle dialog's expiry) seen by both instances fires once.
        idle = TelegramUser(first, fake_api, user_id=9_300_000)
        await idle.say("/start report")
        async with first.services.db.transaction() as conn:
            await conn.execute(update(ConversationRow).values(expires_at=func.now() - func.make_interval(0, 0, 0, 1)))
        await asyncio.gather(housekeeping.run_once(first.services), housekeeping.run_once(second.services))
        assert sum("임시로 저장했어요" in t for t in fake_api.texts(idle.user_id)) == 1
