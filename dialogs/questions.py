"""Building blocks for questions: single choice, multi-select, free text, optional text.

Every button value a question draws starts with ``q:`` so the engine can tell an answer from
a menu press; these helpers add and strip that prefix in one place.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dialogs.events import Choice, Event, Photo, Text, Unsupported, Voice
from dialogs.flow import Accept, Asking, Parsed, Reject
from dialogs.replies import Button, Msg

ANSWER_PREFIX = "q:"
MAX_TEXT = 1000  # the longest free answer we keep (a long message is refused politely, not cut)


def answer_value(event: Event) -> str | None:
    if isinstance(event, Choice) and event.value.startswith(ANSWER_PREFIX):
        return event.value[len(ANSWER_PREFIX):]
    return None


def option(value: str, label: Msg | str, selected: bool = False, kind: str = "choice") -> Button:
    return Button(ANSWER_PREFIX + value, label, kind=kind, selected=selected)


def rows(buttons: Sequence[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    """Phone-sized keyboards: one wide button per row for sentences, 2-3 for short words."""
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


def wrong_kind(event: Event, wanted: str) -> Reject:
    """A polite re-ask that says what we got and what we need."""
    if isinstance(event, Unsupported):
        return Reject(Msg("input.unsupported", {"kind": Msg(f"input.kind.{_known_kind(event.kind)}"),
                                                 "wanted": Msg(f"input.wanted.{wanted}")}))
    if isinstance(event, Voice):  # spoken answers are taken only where a description is asked
        return Reject(Msg("input.unsupported", {"kind": Msg("input.kind.voice" if event.kind == "voice"
                                                             else "input.kind.video"),
                                                 "wanted": Msg(f"input.wanted.{wanted}")}))
    if isinstance(event, Photo):
        return Reject(Msg("input.unsupported", {"kind": Msg("input.kind.photo"),
                                                 "wanted": Msg(f"input.wanted.{wanted}")}))
    if isinstance(event, Text) and len(event.text) > MAX_TEXT and wanted == "buttons":
        return Reject(Msg("input.use_buttons"))
    return Reject(Msg("input.use_buttons" if wanted == "buttons" else f"input.wanted.{wanted}"))


def _known_kind(kind: str) -> str:
    return kind if kind in ("sticker", "voice", "video", "document", "animation", "location",
                            "contact", "contact_other", "edited", "photo") else "other"


def parse_single(valid: Callable[[Asking], Iterable[str]]) -> Callable[[Event, Asking], Parsed]:
    def parse(event: Event, asking: Asking) -> Parsed:
        value = answer_value(event)
        if value is not None and value in set(valid(asking)):
            return Accept(value)
        return wrong_kind(event, "buttons")
    return parse


# Format characters that belong to the text: the zero-width joiner makes 👨‍👩‍👧 one family (not
# three faces), the non-joiner shapes scripts, and the direction marks keep mixed text readable.
KEPT_FORMAT = "\u200c\u200d\u200e\u200f\u061c"


def clean_text(text: str) -> str:
    """Drop control characters (keep newlines), normalise Unicode, trim."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(ch for ch in text if ch in "\n\t" or ch in KEPT_FORMAT or unicodedata.category(ch)[0] != "C")
    return kept.strip()


def parse_free_text(max_len: int, min_len: int = 1) -> Callable[[Event, Asking], Parsed]:
    def parse(event: Event, asking: Asking) -> Parsed:
        if not isinstance(event, Text):
            return wrong_kind(event, "text")
        return check_text(event.text, max_len, min_len)
    return parse


def check_text(raw: str, max_len: int, min_len: int = 1) -> Parsed:
    if len(raw) > max_len:  # measured before cleaning: a flood is refused, not trimmed silently
        return Reject(Msg("input.too_long", {"max": max_len, "got": len(raw)}))
    text = clean_text(raw)
    if len(text) < min_len:
        return Reject(Msg("input.too_short"))
    return Accept(text)


def selected_set(answers: Mapping[str, Any], working_key: str, final_key: str) -> list[str]:
    if working_key in answers:
        return list(answers[working_key])
    return list(answers.get(final_key) or [])
