"""Fuzzing the webhook with Telegram-shaped updates: text in any script, control characters,
edits, callbacks with stale or forged data, unknown update types, half-formed objects. The
service never answers 5xx and never shows a person a stack trace."""
from __future__ import annotations

import asyncio
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ_EXAMPLES = int(os.environ.get("SALPIM_FUZZ_EXAMPLES", "150"))
chat_ids = st.sampled_from([5551001, 5551002, 5551003])
texts = st.one_of(st.text(max_size=200), st.sampled_from(["/start", "/start report", "/status SP-2222-22", "/back",
                                                          "/cancel", "/help", "/language", "/cases", "/case 1",
                                                          "/followup x", "/start invite-abc", "이웃·지인 일이에요"]))
callback_data = st.one_of(st.text(max_size=70), st.sampled_from(["|q:neighbour", "0|q:done", "9|nav:back",
                                                                 "|case:take:1", "|case:act:1:1:approve_closure:x",
                                                                 "|menu:report", "|lang:xx", "-1|q:file"]))
user = st.fixed_dictionaries({"id": chat_ids, "is_bot": st.just(False), "first_name": st.text(max_size=5),
                              "language_code": st.sampled_from(["ko", "en", "fr", ""])})


def message(chat_id_strategy=chat_ids):
    content = st.one_of(
        st.fixed_dictionaries({"text": texts}),
        st.fixed_dictionaries({"location": st.fixed_dictionaries({"latitude": st.floats(allow_nan=True),
                                                                  "longitude": st.floats(allow_infinity=True)})}),
        st.fixed_dictionaries({"photo": st.lists(st.fixed_dictionaries({
            "file_id": st.text(max_size=10), "file_size": st.integers(-5, 10**9)}), max_size=3),
            "caption": st.text(max_size=50)}),
        st.fixed_dictionaries({"contact": st.fixed_dictionaries({"phone_number": st.text(max_size=30)})}),
        st.fixed_dictionaries({"sticker": st.just({"file_id": "x"})}),
        st.dictionaries(st.text(max_size=8), st.none(), max_size=2),
    )
    return st.builds(lambda c, chat, frm, extra: {"message_id": 1, "date": 0, "chat": chat, "from": frm, **c, **extra},
                     content, st.one_of(st.fixed_dictionaries({"id": chat_id_strategy, "type": st.sampled_from(
                         ["private", "group", "supergroup", "channel"])}), st.just({}), st.just({"id": "not-int"})),
                     user, st.dictionaries(st.sampled_from(["reply_to_message", "entities"]), st.just({}), max_size=1))


updates = st.builds(
    lambda uid, kind, body: {"update_id": uid, kind: body},
    st.integers(0, 2**31),
    st.sampled_from(["message", "edited_message", "callback_query", "channel_post", "poll", "my_chat_member"]),
    st.one_of(message(), st.fixed_dictionaries({"id": st.text(max_size=5), "from": user, "data": callback_data,
                                                "message": message()}), st.just({}), st.just(None), st.integers()),
)


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(updates, min_size=FUZZ_EXAMPLES, max_size=FUZZ_EXAMPLES))
def test_any_update_is_answered_without_5xx(batch, tmp_path_factory):
    """One app, many generated updates (cheaper than one app per example)."""
    from bot.fake_bot_api import FakeBotApi
    from tests.harness import make_settings, running_app

    async def scenario() -> None:
        tmp = tmp_path_factory.mktemp("fuzz-updates")
        async with FakeBotApi() as fake:
            async with running_app(make_settings(f"sqlite+aiosqlite:///{tmp / 'f.db'}", fake, tmp)) as service:
                for update in batch:
                    response = await service.post_update(update)
                    assert response.status_code in (200, 400), (response.status_code, update)
                for text in fake.texts():
                    assert "Traceback" not in text and "Error" not in text

    asyncio.run(scenario())


not_updates = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2),
                        st.fixed_dictionaries({"update_id": st.one_of(st.text(max_size=3), st.none(), st.floats())}))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(update=st.one_of(updates, not_updates))
def test_the_update_parser_never_raises_and_reads_what_is_there(update):
    """Whatever arrives, the parser answers, and what it reads is what the JSON says."""
    from bot.telegram_updates import parse_update
    from dialogs.events import Choice, Command, Text

    parsed = parse_update(update)
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        assert parsed is None  # the webhook answers 400
        return
    assert parsed is not None and parsed.update_id == update["update_id"]
    kind = next(k for k in update if k != "update_id")
    body = update[kind]
    inner = body.get("message") if kind == "callback_query" and isinstance(body, dict) else body
    chat = inner.get("chat") if isinstance(inner, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    # An edit is never an answer (bot/telegram_updates.py: ignored, silently).
    if kind not in ("message", "callback_query") or not isinstance(chat_id, int):
        assert parsed.inbound is None  # nothing a person said in a chat we can answer
        return
    assert parsed.inbound is not None and parsed.inbound.chat_id == str(chat_id)
    assert parsed.inbound.update_id == update["update_id"]
    assert parsed.private is (chat.get("type") == "private")
    if kind == "callback_query":
        assert isinstance(parsed.inbound.event, Choice)  # a forged button is answered too, never ignored
        assert parsed.callback_query_id == (body["id"] if isinstance(body.get("id"), str) else None)
    elif kind == "message" and isinstance(body.get("text"), str):
        event, text = parsed.inbound.event, body["text"]
        if isinstance(event, Text):
            assert event.text == text
        else:
            assert isinstance(event, Command) and text.startswith("/")
