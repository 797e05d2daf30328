"""What a person can do in a chat, independent of the channel (Telegram, playground)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A button press. `version` is the conversation version the button was drawn for;
    a press on an older button is stale and is answered, not applied."""

    value: str
    version: int | None = None


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Photo:
    ref: str  # the channel's handle for the picture (a Telegram file_id, a playground upload id)
    size: int | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Voice:
    """A spoken message: a voice note, or a short round video note (a person will listen to it;
    danger screening cannot read audio, so a report described only by voice is flagged)."""

    ref: str  # the channel's handle for the recording (a Telegram file_id, a playground upload id)
    kind: str = "voice"  # "voice" or "video_note"
    duration: int | None = None  # seconds, as the sender's app reported it
    size: int | None = None  # bytes, when known
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # without the slash: start, back, cancel, help, status, language, menu
    arg: str = ""


@dataclass(frozen=True, slots=True)
class Unsupported:
    """Anything we cannot use: a sticker, a voice note, a file, an edit of an old message."""

    kind: str


Event = Text | Choice | Location | Photo | Voice | Contact | Command | Unsupported
