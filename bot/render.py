"""Replies → what a channel shows: text in the person's language and buttons with labels.

Channel-neutral (the playground uses it as is); bot/keyboards.py turns it into Telegram markup.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Catalogs
from dialogs.replies import Button, Reply

SELECTED_MARK = "✅ "
# Telegram refuses messages over 4096 characters; a summary with a long description could reach it.
MAX_MESSAGE = 4000


@dataclass(frozen=True, slots=True)
class RenderedButton:
    value: str
    label: str
    kind: str = "choice"


@dataclass(frozen=True, slots=True)
class RenderedCall:
    """A number to call with one tap: Telegram sends it as a contact card, the playground as a
    tel: link."""

    number: str
    label: str


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    buttons: tuple[tuple[RenderedButton, ...], ...]
    expects: str
    version: int | None
    calls: tuple[RenderedCall, ...] = ()
    # Files sent after the text, as (Bot API method, file id): a report's recording with its record.
    media: tuple[tuple[str, str], ...] = ()


def render_button(catalogs: Catalogs, locale: str, button: Button) -> RenderedButton:
    label = catalogs.render(locale, button.label)
    return RenderedButton(button.value, (SELECTED_MARK + label) if button.selected else label, button.kind)


def render_reply(catalogs: Catalogs, locale: str, reply: Reply) -> Rendered:
    text = catalogs.render_lines(locale, reply.lines)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 1] + "…"
    buttons = tuple(tuple(render_button(catalogs, locale, b) for b in row) for row in reply.buttons)
    calls = tuple(RenderedCall(c.number, catalogs.render(locale, c.label)) for c in reply.calls)
    media = tuple((str(m), str(f)) for m, f in reply.extra.get("media", ()))
    return Rendered(text, buttons, reply.expects, reply.version, calls, media)


def label_index(catalogs: Catalogs, locale: str, buttons: list[Button]) -> dict[str, str]:
    """Label text → button value, so a typed label (or a reply-keyboard press) is a press."""
    index: dict[str, str] = {}
    for button in buttons:
        if button.kind != "choice":
            continue
        label = catalogs.render(locale, button.label)
        index.setdefault(_fold(label), button.value)
        index.setdefault(_fold(SELECTED_MARK + label), button.value)
    return index


def match_label(index: dict[str, str], text: str) -> str | None:
    return index.get(_fold(text)) if len(text) <= 100 else None


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
