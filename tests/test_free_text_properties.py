"""Property-based: whatever text people type at any question — emoji, control characters,
right-to-left marks, 20,000 characters — the dialog answers politely and never breaks."""
from __future__ import annotations

import asyncio
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.i18n import Catalogs
from bot.render import render_reply
from dialogs.conversation import Conversation
from dialogs.events import Contact, Text
from dialogs.flow import TurnContext
from integrations.services import build_engine
from welfare.directory import load_directory_csv
from salpim.settings import DEFAULT_DIRECTORY

ENGINE = build_engine()
CATALOGS = Catalogs(strict=True)
CTX = TurnContext(now=datetime(2026, 11, 21, 12, 0), directory=load_directory_csv(DEFAULT_DIRECTORY))
REPORT = ENGINE.flows["report"]
ANSWERS_SO_FAR = {
    "who": "neighbour", "situations": ["isolation"], "household": "older_alone", "age_band": "older",
    "gender": "female", "where": "1111065000", "address": None, "description": "며칠째 안 보여요",
    "contact": "phone",
}
wild_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
    st.sampled_from(["", " ", "\x00", "\u202e역방향", "🙏🏻" * 500, "가" * 20_000, "/start@other_bot x",
                     "/", "010-0000-0000", "+82 10 1234 5678", "SP-7K3Q-9D", "이웃·지인 일이에요",
                     "<script>alert(1)</script>", "%s%n{0}{report}", "\r\n\t"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=st.sampled_from(REPORT.order), text=wild_text)
def test_any_text_at_any_question_gets_a_rendered_answer(question, text):
    convo = Conversation("telegram", "1", flow="report", state=question, answers=dict(ANSWERS_SO_FAR),
                         history=["who"], version=3, exists=True)
    for event in (Text(text), Contact(text)):
        turn = ENGINE.handle(convo, event, CTX)
        assert turn.replies, "every message is answered"
        for reply in turn.replies:
            rendered = render_reply(CATALOGS, "ko", reply)
            assert rendered.text and len(rendered.text) <= 4000
        stored_text = [v for v in turn.conversation.answers.values() if isinstance(v, str)]
        assert all(len(v) <= 1000 and "\x00" not in v for v in stored_text)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(texts=st.lists(wild_text, min_size=1, max_size=4))
def test_the_webhook_never_answers_5xx_to_text(texts, tmp_path_factory):
    from bot.fake_bot_api import FakeBotApi
    from bot.telegram_updates import command_or_text
    from tests.harness import TelegramUser, make_settings, running_app

    async def scenario() -> None:
        tmp = tmp_path_factory.mktemp("fuzz")
        async with FakeBotApi() as fake:
            async with running_app(make_settings(f"sqlite+aiosqlite:///{tmp / 'f.db'}", fake, tmp)) as service:
                user = TelegramUser(service, fake)
                await user.say("/start report")
                await user.press("이웃·지인")
                for text in texts:
                    response = await service.post_update(user.message_update(text=text))
                    assert response.status_code == 200
                # A command addressed to another bot ("/start@other_bot", "/@0") is not answered
                # (tests/test_telegram_behaviour.py); every other text is.
                answered = [t for t in texts if command_or_text(t, "salpim_test_bot") is not None]
                assert len(fake.sent(user.user_id)) >= 2 + len(answered)

    asyncio.run(scenario())
