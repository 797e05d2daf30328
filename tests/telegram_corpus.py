"""A corpus of realistic updates built with python-telegram-bot's own classes (``to_dict()`` of
real ``Update`` objects): every update type and every message content type of the Bot API
version PTB speaks. Content objects are built from PTB's constructors: their required
arguments are filled from their type hints (a str, an int, a User, a list of PhotoSize …), so a
new content type in a PTB upgrade enters the corpus by itself."""
from __future__ import annotations

import datetime as dt
import enum
import inspect
import itertools
import types
import typing
from collections.abc import Sequence
from typing import Any

import telegram
from telegram import Chat, Message, TelegramObject, Update, User

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.timezone.utc)
PERSON = User(5550100, "테스트", False, language_code="ko")
BOT = User(777000, "Salpim", True, username="salpim_test_bot")
PRIVATE = Chat(5550100, Chat.PRIVATE, first_name="테스트")
GROUP = Chat(-100600, Chat.SUPERGROUP, title="혜화동 팀")
# Message fields that are about the message, not its content.
NOT_CONTENT = {"message_id", "date", "chat", "from_user", "reply_to_message", "edit_date", "entities",
               "caption_entities", "caption", "author_signature", "media_group_id", "reply_markup", "via_bot",
               "sender_chat", "is_automatic_forward", "has_protected_content", "is_topic_message",
               "message_thread_id", "has_media_spoiler", "link_preview_options", "external_reply", "quote",
               "forward_origin", "reply_to_story", "sender_boost_count", "business_connection_id",
               "sender_business_bot", "is_from_offline", "effect_id", "show_caption_above_media",
               "paid_star_count", "is_paid_post", "direct_messages_topic", "reply_to_checklist_task_id",
               "suggested_post_info", "sender_tag", "reply_to_poll_option_id", "guest_bot_caller_user",
               "guest_bot_caller_chat", "guest_query_id", "api_kwargs"}
_ids = itertools.count(1)


def build(kind: Any, depth: int = 0) -> Any:
    """A value of this type hint, built with PTB's classes."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return build(options[0], depth)
    if origin is typing.Literal:
        return typing.get_args(kind)[0]
    if inspect.isclass(origin) and origin is not tuple and issubclass(origin, Sequence) and origin is not str:
        return [build(typing.get_args(kind)[0], depth + 1)]
    if origin is tuple:
        return (build(typing.get_args(kind)[0], depth + 1),)
    if kind is str:
        return f"x{next(_ids)}"
    if kind is bool:
        return True
    if kind is int:
        return next(_ids)
    if kind is float:
        return 1.5
    if kind is dt.datetime:
        return NOW
    if kind is dt.timedelta:
        return dt.timedelta(seconds=30)
    if kind is User:
        return PERSON
    if kind is Chat:
        return PRIVATE
    if inspect.isclass(kind) and issubclass(kind, enum.Enum):
        return next(iter(kind))
    if inspect.isclass(kind) and issubclass(kind, TelegramObject):
        return construct(kind, depth + 1)
    if typing.get_origin(kind) is typing.Literal:
        return typing.get_args(kind)[0]
    raise TypeError(f"cannot build {kind!r}")


def construct(cls: type, depth: int = 0) -> Any:
    while cls.__subclasses__() and cls not in (User, Chat, Message):  # a base (ReactionType): its first kind
        cls = cls.__subclasses__()[0]
    if depth > 6:
        raise TypeError("too deep")
    hints = typing.get_type_hints(cls.__init__, vars(telegram))
    kwargs = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name in ("self", "api_kwargs") or parameter.default is not inspect.Parameter.empty:
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        kwargs[name] = build(hints[name], depth)
    for _ in range(5):  # some arguments are optional in the signature but required by the Bot API
        try:
            return cls(**kwargs)
        except TypeError as exc:
            wanted = str(exc).split("`")[1] if "`" in str(exc) else None
            if wanted is None or wanted in kwargs or wanted not in hints:
                raise
            kwargs[wanted] = build(hints[wanted], depth)
    return cls(**kwargs)


def content_fields() -> list[str]:
    return [n for n in inspect.signature(Message.__init__).parameters if n not in NOT_CONTENT and n != "self"]


def message_with(field: str, chat: Chat = PRIVATE, **extra: Any) -> Message:
    hints = typing.get_type_hints(Message.__init__, vars(telegram))
    value = build(hints[field])
    return Message(next(_ids), NOW, chat, from_user=PERSON, **{field: value}, **extra)


def content_corpus(chat: Chat = PRIVATE) -> dict[str, dict[str, Any]]:
    """One message update per content type: field name → update JSON."""
    corpus = {}
    for field in content_fields():
        corpus[field] = Update(next(_ids), message=message_with(field, chat)).to_dict()
    return corpus


def update_corpus() -> dict[str, dict[str, Any]]:
    """One update of each type Telegram can send (Update.ALL_TYPES)."""
    hints = typing.get_type_hints(Update.__init__, vars(telegram))
    corpus = {}
    for kind in Update.ALL_TYPES:
        name = str(kind.value)
        if name in ("message", "edited_message", "business_message", "edited_business_message", "channel_post",
                    "edited_channel_post", "guest_message"):
            value: Any = Message(next(_ids), NOW, PRIVATE if "channel" not in name else Chat(-1009, Chat.CHANNEL),
                                 from_user=PERSON, text="안녕하세요", edit_date=NOW if "edited" in name else None)
        elif name == "callback_query":
            value = telegram.CallbackQuery("cq1", PERSON, "ci", data="|menu:sos",
                                           message=Message(next(_ids), NOW, PRIVATE, from_user=BOT, text="…"))
        elif name in ("my_chat_member", "chat_member"):
            value = telegram.ChatMemberUpdated(PRIVATE, PERSON, NOW, telegram.ChatMemberMember(BOT),
                                               telegram.ChatMemberBanned(BOT, NOW))
        else:
            value = build(hints[name])
        corpus[name] = Update(next(_ids), **{name: value}).to_dict()
    return corpus
