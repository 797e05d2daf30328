"""Telegram markup for rendered replies: inline buttons by default (they carry the question's
version, so an old button is recognised), a reply keyboard when the phone must share its
location or number (Telegram only allows that on reply keyboards)."""
from __future__ import annotations

from typing import Any

from bot.render import Rendered
from dialogs.callback_data import CALLBACK_MAX_BYTES as CALLBACK_LIMIT
from dialogs.callback_data import decode_callback, encode_callback

CALLBACK_MAX_BYTES = CALLBACK_LIMIT  # Telegram's limit for callback_data


def callback_data(version: int | None, value: str) -> str:
    return encode_callback(version, value)


def parse_callback_data(data: str) -> tuple[int | None, str] | None:
    return decode_callback(data)


def send_message_payload(chat_id: int | str, rendered: Rendered) -> dict[str, Any]:
    payload: dict[str, Any] = {"chat_id": chat_id, "text": rendered.text or "…"}
    markup = reply_markup(rendered)
    if markup is not None:
        payload["reply_markup"] = markup
    return payload


def send_contact_payload(chat_id: int | str, number: str, label: str) -> dict[str, Any]:
    """A contact card: Telegram's only one-tap way to a phone call (inline URL buttons take only
    http(s):// and tg:// links, never tel:). A tap on the card offers to call the number."""
    return {"chat_id": chat_id, "phone_number": number, "first_name": label[:64]}


def reply_markup(rendered: Rendered) -> dict[str, Any] | None:
    if not rendered.buttons:
        return None
    needs_phone = any(b.kind in ("location", "contact") for row in rendered.buttons for b in row)
    if needs_phone:
        keyboard = []
        for row in rendered.buttons:
            keys = []
            for b in row:
                key: dict[str, Any] = {"text": b.label}
                if b.kind == "location":
                    key["request_location"] = True
                elif b.kind == "contact":
                    key["request_contact"] = True
                keys.append(key)
            keyboard.append(keys)
        return {"keyboard": keyboard, "resize_keyboard": True, "one_time_keyboard": True,
                "input_field_placeholder": rendered.text.split("\n")[-1][:64]}
    return {"inline_keyboard": [[{"text": b.label, "callback_data": callback_data(rendered.version, b.value)}
                                 for b in row] for row in rendered.buttons]}
