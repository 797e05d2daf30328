"""What the dialogs say back: message keys and parameters, never rendered text.

The bot layer renders these through the Babel catalogs and turns buttons into keyboards;
the playground renders the same replies as HTML buttons.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Msg:
    """One catalog message. Parameter values may themselves be Msg (or lists of Msg)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Button:
    value: str  # what comes back as Choice.value
    label: Msg | str  # a catalog message, or a proper name from data (e.g. a 읍면동 name)
    kind: str = "choice"  # "choice", or "location"/"contact" (ask the phone for it)
    selected: bool = False  # a ticked option of a multi-select


@dataclass(frozen=True, slots=True)
class PhoneCall:
    """A phone number the person should be able to call with one tap. Telegram shows it as a
    contact card (sendContact: a phone dials it on a tap); the playground as a tel: link."""

    number: str  # as dialled: "109", "02-2148-5000"
    label: Msg | str  # whom it reaches: a catalog message, or a proper name from data


@dataclass(frozen=True, slots=True)
class Reply:
    lines: tuple[Msg, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    # What the question waits for: "choice" (buttons), "text", "location", or "none".
    expects: str = "none"
    # The conversation version the buttons belong to (for stale-button detection).
    version: int | None = None
    # Data a channel may need to show with the message (e.g. a photo reference); rarely used.
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Numbers to call, shown after the message (contact cards / tel: links).
    calls: tuple[PhoneCall, ...] = ()


def say(key: str, **params: Any) -> Reply:
    return Reply((Msg(key, params),))
