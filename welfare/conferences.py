"""Case conferences (사례회의, L8706–9081) and the 솔루션회의 (서식10/11): the vocabulary and the
rules that need no store.

A meeting may discuss several cases, but the minutes are kept per case (서식4; "한 사례회의에서
여러 사례를 다룰 수 있으나 회의록은 사례별로 별도 기재", L8940). What is shared with the people
at the table is stripped of identifiers (본명, 주민등록번호, 휴대폰번호, 이메일주소; L8942–8944,
L8993–8997): an agenda item names a case only by its receipt number and household type, and
free text shown to an outside attendee has identifiers masked.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

from welfare.case_clocks import CatalogEnum


class MeetingKind(CatalogEnum):
    """The meeting types of L8779–8882 (part1 §5.4)."""

    __prefix__ = "conference.kind"
    INTERNAL = "internal"  # 내부사례회의: the 읍면동 team (L8783–8793)
    INTEGRATED = "integrated"  # 통합사례회의: with the service agencies and experts (L8795–8844)
    SOLUTION = "solution"  # 솔루션회의: at the 희망복지지원단, after ≥ 1 통합사례회의 (L8848–8856)


class Decision(CatalogEnum):
    """Decisions that link back to the case (서식4 ⑤ 회의 결과)."""

    __prefix__ = "conference.decision"
    SELECTION = "selection"  # 대상자 선정: the meeting selection requires (L8753, L8899–8901)
    SERVICE_PLAN = "service_plan"  # 서비스 제공계획 확정 (L9063–9065)
    CLOSURE = "closure"  # 종결: the closing meeting (L8753, L9947–9949)


class AttendeeKind(CatalogEnum):
    __prefix__ = "conference.attendee"
    EXTERNAL = "external"  # 서식4 ⑦ 외부 참석자 (수행기관 종사자 등)
    EXPERT = "expert"  # 서식4 ⑧ 외부 전문가 (supervision)


@dataclass(frozen=True, slots=True)
class Attendee:
    """An outside attendee by organisation and role (직책); a name, if given, is stored encrypted."""

    org: str
    role: str
    kind: AttendeeKind = AttendeeKind.EXTERNAL
    name: str = ""


TITLE_MAX, CONTENT_MAX, ROLE_MAX, NAME_MAX = 120, 4000, 40, 40
MAX_CASES_PER_MEETING = 20
MAX_ATTENDEES = 30
REMIND_AT = time(9, 0)  # the reminder goes out at 09:00 KST the day before

# Identifiers that must not reach the table (L8944): phone numbers, 주민등록번호, e-mail addresses.
_IDENTIFIERS = (
    re.compile(r"\d{6}\s*-\s*[1-8]\d{6}"),  # 주민등록번호 / 외국인등록번호
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail
    re.compile(r"(\+?82[\s-]?)?0?1[016789][\s.-]?\d{3,4}[\s.-]?\d{4}"),  # mobile
    re.compile(r"0\d{1,2}[\s.-]?\d{3,4}[\s.-]?\d{4}"),  # landline
)
MASK = "○○○"


def strip_identifiers(text: str, known: Iterable[str] = ()) -> str:
    """Text fit for outside attendees: identifier patterns masked, and the household's own
    known identifiers (its address, phone, as the report gave them) masked wherever they occur."""
    for value in sorted({k.strip() for k in known if k and len(k.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(value, MASK)
    for pattern in _IDENTIFIERS:
        text = pattern.sub(MASK, text)
    return text


def reminder_day(meeting_day: date) -> date:
    """Attendees hear of a meeting the day before it (at REMIND_AT, Korean time)."""
    return meeting_day - timedelta(days=1)


def next_round(previous_rounds: Iterable[int]) -> int:
    """서식4 ① 회의 차수: one more than the case's last round."""
    return max(previous_rounds, default=0) + 1


def valid_decisions(values: Iterable[str]) -> list[Decision]:
    """The decisions named, each once, in the enum's order; ValueError for an unknown one."""
    chosen = {Decision(v) for v in values}
    return [d for d in Decision if d in chosen]


def held_on_ok(held_on: date, today: date) -> bool:
    """A conference is recorded after it was held: never dated in the future (a day's margin)."""
    return held_on <= today + timedelta(days=1)
