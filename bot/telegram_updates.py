"""Telegram update JSON → a channel-neutral Inbound.

Read straight from the JSON the webhook (or getUpdates) delivers: an unknown or malformed update
can never raise here, it just becomes "nothing to do" or an Unsupported event the dialog answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.keyboards import parse_callback_data
from bot.turns import TELEGRAM, Inbound
from dialogs.events import Choice, Command, Contact, Event, Location, Photo, Text, Unsupported

COMMANDS = {"start", "back", "cancel", "help", "status", "language", "menu", "cases", "case", "followup", "withdraw",
            "finder"}
UNSUPPORTED_KINDS = ("sticker", "voice", "video", "video_note", "audio", "document", "animation", "poll",
                     "dice", "game", "venue")


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    update_id: int
    inbound: Inbound | None  # None: nothing a person said (e.g. the bot added to a group)
    callback_query_id: str | None = None
    private: bool = True


def parse_update(data: Any) -> ParsedUpdate | None:
    """None for a body that is not a Telegram update at all (the webhook answers 400)."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    update_id = data["update_id"]
    if isinstance(data.get("message"), dict):
        return _from_message(update_id, data["message"])
    if isinstance(data.get("edited_message"), dict):
        parsed = _from_message(update_id, data["edited_message"])
        if parsed.inbound is None:
            return parsed
        return ParsedUpdate(update_id, _with_event(parsed.inbound, Unsupported("edited")), None, parsed.private)
    if isinstance(data.get("callback_query"), dict):
        return _from_callback(update_id, data["callback_query"])
    return ParsedUpdate(update_id, None)


def _ids(message: dict[str, Any]) -> tuple[str | None, str | None, int | None, str | None]:
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    user = message.get("from") if isinstance(message.get("from"), dict) else {}
    chat_id = chat.get("id")
    user_id = user.get("id")
    return (str(chat_id) if isinstance(chat_id, int) else None, chat.get("type"),
            user_id if isinstance(user_id, int) else None,
            user.get("language_code") if isinstance(user.get("language_code"), str) else None)


def _from_message(update_id: int, message: dict[str, Any]) -> ParsedUpdate:
    chat_id, chat_type, user_id, lang = _ids(message)
    if chat_id is None:
        return ParsedUpdate(update_id, None)
    event = message_event(message)
    private = chat_type == "private"
    return ParsedUpdate(update_id, Inbound(TELEGRAM, chat_id, event, update_id, user_id, lang), None, private)


def message_event(message: dict[str, Any]) -> Event:
    text = message.get("text")
    if isinstance(text, str):
        return command_or_text(text)
    location = message.get("location")
    if isinstance(location, dict) and _is_number(location.get("latitude")) and _is_number(location.get("longitude")):
        lat, lon = float(location["latitude"]), float(location["longitude"])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return Location(lat, lon)
    photos = message.get("photo")
    if isinstance(photos, list) and photos and all(isinstance(p, dict) for p in photos):
        largest = max(photos, key=lambda p: p.get("file_size") or 0 if isinstance(p.get("file_size"), int) else 0)
        if isinstance(largest.get("file_id"), str):
            caption = message.get("caption") if isinstance(message.get("caption"), str) else None
            size = largest.get("file_size") if isinstance(largest.get("file_size"), int) else None
            return Photo(largest["file_id"], size, caption)
    contact = message.get("contact")
    if isinstance(contact, dict) and isinstance(contact.get("phone_number"), str):
        return Contact(contact["phone_number"])
    for kind in UNSUPPORTED_KINDS:
        if kind in message:
            return Unsupported(kind)
    return Unsupported("other")


def command_or_text(text: str) -> Event:
    if text.startswith("/") and len(text) < 200:
        head, _, arg = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        if name in COMMANDS:
            return Command(name, arg.strip())
        if name:
            return Command("unknown", "")
    return Text(text)


def _from_callback(update_id: int, query: dict[str, Any]) -> ParsedUpdate:
    query_id = query.get("id") if isinstance(query.get("id"), str) else None
    message = query.get("message") if isinstance(query.get("message"), dict) else None
    if message is None:
        return ParsedUpdate(update_id, None, query_id)
    chat_id, chat_type, _, _ = _ids(message)
    user = query.get("from") if isinstance(query.get("from"), dict) else {}
    user_id = user.get("id") if isinstance(user.get("id"), int) else None
    lang = user.get("language_code") if isinstance(user.get("language_code"), str) else None
    if chat_id is None:
        return ParsedUpdate(update_id, None, query_id)
    data = query.get("data") if isinstance(query.get("data"), str) else ""
    parsed = parse_callback_data(data)
    # A forged or unreadable button is still answered ("that button is old"), never ignored.
    event: Event = Choice(parsed[1], parsed[0]) if parsed else Choice("stale:forged", -1)
    return ParsedUpdate(update_id, Inbound(TELEGRAM, chat_id, event, update_id, user_id, lang), query_id,
                        chat_type == "private")


def _with_event(inbound: Inbound, event: Event) -> Inbound:
    return Inbound(inbound.channel, inbound.chat_id, event, inbound.update_id, inbound.user_id,
                   inbound.language_code)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
