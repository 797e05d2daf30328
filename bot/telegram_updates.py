"""Telegram update JSON → a channel-neutral Inbound.

Read straight from the JSON the webhook (or getUpdates) delivers: an unknown or malformed update
can never raise here, it just becomes "nothing to do" or an Unsupported event the dialog answers.
Besides what a person said, an update can tell the channel about the chat itself: the bot was
blocked or let back in (my_chat_member), or a group became a supergroup (migrate_to_chat_id).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.keyboards import parse_callback_data
from bot.turns import TELEGRAM, Inbound
from dialogs.events import Choice, Command, Contact, Event, Location, Photo, Text, Unsupported, Voice

COMMANDS = {"start", "back", "cancel", "help", "status", "language", "menu", "cases", "case", "followup", "withdraw",
            "finder", "office", "referrals", "resources", "guide"}
UNSUPPORTED_KINDS = ("sticker", "voice", "video", "video_note", "audio", "document", "animation", "poll",
                     "dice", "game", "venue")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")
# my_chat_member statuses: gone (nothing can be sent) or there.
GONE = {"kicked": "kicked", "left": "left"}
THERE = ("member", "administrator", "creator", "restricted")


@dataclass(frozen=True, slots=True)
class Membership:
    """The bot's own membership of a chat changed (a person blocked or unblocked it, a group
    removed or added it)."""

    chat_id: str
    reachable: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Migration:
    """A group became a supergroup: Telegram answers the old id with 400 from now on."""

    old_chat_id: str
    new_chat_id: str


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    update_id: int
    inbound: Inbound | None  # None: nothing a person said (e.g. the bot added to a group)
    callback_query_id: str | None = None
    private: bool = True
    kind: str = "other"  # the update's type, for dead letters and logs (never its content)
    membership: Membership | None = None
    migration: Migration | None = None
    media_group_id: str | None = None  # one photo of an album


def update_kind(data: Any) -> str:
    if isinstance(data, dict):
        for key in data:
            if key != "update_id":
                return str(key)[:32]
    return "other"


def parse_update(data: Any, bot_username: str | None = None) -> ParsedUpdate | None:
    """None for a body that is not a Telegram update at all (the webhook answers 400)."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int) or isinstance(
            data.get("update_id"), bool):
        return None
    update_id, kind = data["update_id"], update_kind(data)
    if isinstance(data.get("message"), dict):
        return _from_message(update_id, data["message"], bot_username)
    if isinstance(data.get("edited_message"), dict):
        # An edit is never an answer: a live location sends one every few seconds for hours,
        # and re-reading an edited text would re-run an old step. Ignored, silently.
        return ParsedUpdate(update_id, None, kind=kind)
    if isinstance(data.get("callback_query"), dict):
        return _from_callback(update_id, data["callback_query"])
    if isinstance(data.get("my_chat_member"), dict):
        return ParsedUpdate(update_id, None, kind=kind, membership=_membership(data["my_chat_member"]))
    return ParsedUpdate(update_id, None, kind=kind)


def _membership(change: dict[str, Any]) -> Membership | None:
    chat = change.get("chat") if isinstance(change.get("chat"), dict) else {}
    new = change.get("new_chat_member") if isinstance(change.get("new_chat_member"), dict) else {}
    chat_id, status = chat.get("id"), new.get("status")
    if not isinstance(chat_id, int) or not isinstance(status, str):
        return None
    if status in GONE:
        reason = "blocked" if chat.get("type") == "private" and status == "kicked" else GONE[status]
        return Membership(str(chat_id), False, reason)
    if status in THERE:
        return Membership(str(chat_id), True, "back")
    return None


def _ids(message: dict[str, Any]) -> tuple[str | None, str | None, int | None, str | None]:
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    user = message.get("from") if isinstance(message.get("from"), dict) else {}
    chat_id = chat.get("id")
    user_id = user.get("id")
    return (str(chat_id) if isinstance(chat_id, int) else None, chat.get("type"),
            user_id if isinstance(user_id, int) else None,
            user.get("language_code") if isinstance(user.get("language_code"), str) else None)


def _thread(message: dict[str, Any]) -> int | None:
    """The forum topic a message was written in (replies go back into it)."""
    thread = message.get("message_thread_id")
    if message.get("is_topic_message") and isinstance(thread, int) and not isinstance(thread, bool):
        return thread
    return None


def _from_message(update_id: int, message: dict[str, Any], bot_username: str | None) -> ParsedUpdate:
    chat_id, chat_type, user_id, lang = _ids(message)
    if chat_id is None:
        return ParsedUpdate(update_id, None, kind="message")
    migrate_to = message.get("migrate_to_chat_id")
    if isinstance(migrate_to, int) and not isinstance(migrate_to, bool):
        return ParsedUpdate(update_id, None, private=False, kind="message",
                            migration=Migration(chat_id, str(migrate_to)))
    event = message_event(message, bot_username)
    if event is None:  # a command for another bot in the same group
        return ParsedUpdate(update_id, None, private=chat_type == "private", kind="message")
    private = chat_type == "private"
    group_id = message.get("media_group_id") if isinstance(message.get("media_group_id"), str) else None
    message_id = message.get("message_id") if isinstance(message.get("message_id"), int) else None
    inbound = Inbound(TELEGRAM, chat_id, event, update_id, user_id, lang, thread_id=_thread(message),
                      message_id=message_id)
    return ParsedUpdate(update_id, inbound, None, private, kind="message", media_group_id=group_id)


def message_event(message: dict[str, Any], bot_username: str | None = None) -> Event | None:
    text = message.get("text")
    if isinstance(text, str):
        return command_or_text(text, bot_username)
    location = message.get("location")
    if isinstance(location, dict) and _is_number(location.get("latitude")) and _is_number(location.get("longitude")):
        lat, lon = float(location["latitude"]), float(location["longitude"])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return Location(lat, lon)
    caption = message.get("caption") if isinstance(message.get("caption"), str) else None
    photos = message.get("photo")
    if isinstance(photos, list) and photos and all(isinstance(p, dict) for p in photos):
        # file_size is optional in the Bot API: the largest picture is the one with most pixels.
        largest = max(photos, key=lambda p: (_int(p.get("width")) * _int(p.get("height")), _int(p.get("file_size"))))
        if isinstance(largest.get("file_id"), str):
            size = largest.get("file_size") if isinstance(largest.get("file_size"), int) else None
            return Photo(largest["file_id"], size, caption)
    document = message.get("document")
    if (isinstance(document, dict) and document.get("mime_type") in IMAGE_TYPES
            and isinstance(document.get("file_id"), str)):
        # A picture sent "as a file" (uncompressed) is still a picture.
        size = document.get("file_size") if isinstance(document.get("file_size"), int) else None
        return Photo(document["file_id"], size, caption)
    for kind in ("voice", "video_note"):  # spoken descriptions (issue 17): a person listens to them
        spoken = message.get(kind)
        if isinstance(spoken, dict) and isinstance(spoken.get("file_id"), str):
            duration = spoken.get("duration") if _is_int(spoken.get("duration")) else None
            size = spoken.get("file_size") if _is_int(spoken.get("file_size")) else None
            return Voice(spoken["file_id"], kind, duration, size, caption)
    contact = message.get("contact")
    if isinstance(contact, dict) and isinstance(contact.get("phone_number"), str):
        sender = message.get("from") if isinstance(message.get("from"), dict) else {}
        # "📱 내 번호 보내기" shares the sender's own card (user_id is theirs); a contact picked from
        # the address book is someone else's and is not taken as the reporter's number.
        if contact.get("user_id") is None or contact.get("user_id") != sender.get("id"):
            return Unsupported("contact_other")
        return Contact(contact["phone_number"])
    for kind in UNSUPPORTED_KINDS:
        if kind in message:
            return Unsupported(kind)
    return Unsupported("other")


def command_or_text(text: str, bot_username: str | None = None) -> Event | None:
    """A command, a text, or None for a command addressed to another bot (/start@OtherBot)."""
    if text.startswith("/") and len(text) < 200:
        head, _, arg = text[1:].partition(" ")
        name, at, addressee = head.partition("@")
        if at and bot_username is not None and addressee.casefold() != bot_username.casefold():
            return None
        name = name.lower()
        if name in COMMANDS:
            return Command(name, arg.strip())
        if name:
            return Command("unknown", "")
    return Text(text)


def _from_callback(update_id: int, query: dict[str, Any]) -> ParsedUpdate:
    query_id = query.get("id") if isinstance(query.get("id"), str) else None
    message = query.get("message") if isinstance(query.get("message"), dict) else None
    if message is None:
        return ParsedUpdate(update_id, None, query_id, kind="callback_query")
    chat_id, chat_type, _, _ = _ids(message)
    user = query.get("from") if isinstance(query.get("from"), dict) else {}
    user_id = user.get("id") if isinstance(user.get("id"), int) else None
    lang = user.get("language_code") if isinstance(user.get("language_code"), str) else None
    if chat_id is None:
        return ParsedUpdate(update_id, None, query_id, kind="callback_query")
    data = query.get("data") if isinstance(query.get("data"), str) else ""
    parsed = parse_callback_data(data)
    # A forged or unreadable button is still answered ("that button is old"), never ignored.
    event: Event = Choice(parsed[1], parsed[0]) if parsed else Choice("stale:forged", -1)
    message_id = message.get("message_id") if isinstance(message.get("message_id"), int) else None
    inbound = Inbound(TELEGRAM, chat_id, event, update_id, user_id, lang, thread_id=_thread(message),
                      message_id=message_id, pressed=True)
    return ParsedUpdate(update_id, inbound, query_id, chat_type == "private", kind="callback_query")


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
