"""위기가구 신고: what a reporter tells us about a household, as one record.

The report dialog builds it (dialogs/report_flow.py `finish`), the core files it, the store keeps
its fields in their columns (sensitive ones encrypted) and the team alert reads only the fields
that carry no personal data. One shape from the dialog to the store, so a field is added once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SpokenNote:
    """A recorded description (issue 17): a voice note or a round video note, fetched after filing."""

    ref: str  # the channel's file handle
    kind: str = "voice"  # "voice" or "video_note"
    duration: int | None = None  # seconds


@dataclass(frozen=True, slots=True)
class CrisisReport:
    reporter_kind: str  # whose problem: "self" or "neighbour" (누구의 일)
    reporter_type: str  # who tells us: "resident" or a reporter role (알리는 분)
    situations: tuple[str, ...]  # signs seen (report_taxonomy ids), urgent signs included
    dong_code: str  # the competent 읍면동
    description: str  # what they saw, in their words (encrypted)
    contact: str  # "anonymous", "chat" or "phone"
    consent_version: str  # the consent text agreed to
    consent_at: datetime
    urgent: bool = False  # an urgent sign ticked or danger in their words: the urgent path
    same_day_visit: bool = False  # the 고독사 pattern: someone should check on them today
    mandatory_category: str | None = None  # 신고의무자 category
    household: str | None = None
    household_size: int | None = None
    age_band: str | None = None
    gender: str | None = None
    location: tuple[float, float] | None = None  # a pin (encrypted)
    address: str | None = None  # (encrypted)
    phone: str | None = None  # only when contact is "phone" (encrypted, with a keyed hash)
    photo: str | None = None  # Telegram file id, fetched after filing
    reporter_locale: str | None = None  # the language the reporter used (vi, zh_Hans…): staff may need 다누리콜센터
    voice: SpokenNote | None = None  # a spoken description, or one beside the written one
    # Only a recording describes it: danger screening cannot read audio, so the team listens today.
    listen_same_day: bool = False
