"""Partner organisations (연계기관) and how long each has to answer a referral.

Besides the 읍면동 teams (welfare/directory.py) a 시군구 has its 희망복지지원단 and the private
and public agencies the guide links households to (LINKAGE.md). Each type has a default reply
deadline, counted on the working-day calendar (welfare/working_days.py); a directory row may
set its own.

Pure data: parsed from the organisation CSV (docs/organisations.md), queried here.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from welfare.followup_checklist import DOMAIN_IDS
from welfare.working_days import DEFAULT_CALENDAR, WorkingCalendar


class OrgType(StrEnum):
    HOPE_SUPPORT = "hope_support"  # 시군구 희망복지지원단 (통합사례관리, 고난도 사례)
    WELFARE_CENTRE = "welfare_centre"  # 종합사회복지관
    MENTAL_HEALTH = "mental_health"  # 정신건강복지센터 (L4150–4156)
    DEMENTIA = "dementia"  # 치매안심센터
    ELDERLY_CARE = "elderly_care"  # 노인맞춤돌봄서비스 수행기관
    DREAM_START = "dream_start"  # 드림스타트 (L9209–9210)
    FOOD_BANK = "food_bank"  # 푸드뱅크·푸드마켓 (L9366)
    SELF_SUFFICIENCY = "self_sufficiency"  # 지역자활센터
    CHILD_PROTECTION = "child_protection"  # 아동보호전문기관
    ELDER_PROTECTION = "elder_protection"  # 노인보호전문기관
    HEALTH_CENTRE = "health_centre"  # 보건소
    OTHER = "other"

    @property
    def label_key(self) -> str:
        return f"org.type.{self.value}"


# Default reply deadlines, in days of the guide's counting (welfare/working_days.py §19):
#  - a 129 transfer's result within 3 days (L10958): the 희망복지지원단 is where 129 lands;
#  - a 푸드뱅크 referral returns its result within 10 days (L9366);
#  - a referral from another programme gets its contact within 14 days (L14651): every other type.
DEFAULT_REPLY_DAYS: dict[OrgType, int] = {OrgType.HOPE_SUPPORT: 3, OrgType.FOOD_BANK: 10}
OTHER_PROGRAMME_REPLY_DAYS = 14


def default_reply_days(org_type: OrgType) -> int:
    return DEFAULT_REPLY_DAYS.get(org_type, OTHER_PROGRAMME_REPLY_DAYS)


@dataclass(frozen=True, slots=True)
class Organisation:
    code: str  # short, stable, unique: what invites and referrals name
    name: str
    type: OrgType
    sigungu_code: str
    area: tuple[str, ...] = ()  # 읍면동 codes served; empty: the whole 시군구
    needs: tuple[str, ...] = ()  # need domains it takes (welfare/followup_checklist domains, e.g. "health")
    phone: str = ""
    chat_id: int | None = None  # the organisation's Telegram group: PII-free alerts
    reply_days: int | None = None  # overrides the type's default

    @property
    def reply_within_days(self) -> int:
        return self.reply_days or default_reply_days(self.type)

    def reply_due(self, sent_on: date, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> date:
        """The last day the referral's answer is due: §19 counting, working days only."""
        return calendar.days_period_end(sent_on, self.reply_within_days)

    def serves(self, dong_code: str | None) -> bool:
        return not self.area or dong_code in self.area


class OrganisationError(ValueError):
    """An organisation file that cannot be loaded; the message names the row and the column."""


@dataclass(frozen=True)
class Organisations:
    all: tuple[Organisation, ...] = ()

    def get(self, code: str | None) -> Organisation | None:
        return next((o for o in self.all if o.code == code), None)

    def of_type(self, org_type: OrgType, sigungu_code: str | None = None) -> list[Organisation]:
        return [o for o in self.all if o.type is org_type and (sigungu_code is None or o.sigungu_code == sigungu_code)]

    def suggested(self, need: str | None, dong_code: str | None, sigungu_code: str | None) -> list[Organisation]:
        """Who can take this? Partners of the 시군구 serving that 읍면동, those taking the need first."""
        here = [o for o in self.all if o.sigungu_code == sigungu_code and o.serves(dong_code)
                and o.type is not OrgType.HOPE_SUPPORT]
        return sorted(here, key=lambda o: (need not in o.needs, o.name))


CSV_COLUMNS = ("code", "name", "type", "sigungu_code", "area", "needs", "phone", "chat_id", "reply_days")
REQUIRED = CSV_COLUMNS[:4]


def parse_organisations_csv(text: str, known_dongs: set[str] | None = None) -> Organisations:
    """Parse the organisation CSV (docs/organisations.md). Raises OrganisationError naming the row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise OrganisationError(f"missing columns: {', '.join(missing)}")
    found: list[Organisation] = []
    seen: set[str] = set()
    for line_no, row in enumerate(reader, start=2):
        try:
            found.append(_row(row, known_dongs, seen))
        except (ValueError, KeyError) as exc:
            raise OrganisationError(f"row {line_no}: {exc}") from None
    return Organisations(tuple(found))


def _row(row: dict[str, str | None], known_dongs: set[str] | None, seen: set[str]) -> Organisation:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    code = cell("code")
    if not code or len(code) > 24 or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in code):
        raise ValueError("code: 1–24 ASCII letters, digits, - or _")
    if code in seen:
        raise ValueError(f"code: {code} appears twice")
    seen.add(code)
    if not cell("name"):
        raise ValueError("name: empty")
    try:
        org_type = OrgType(cell("type"))
    except ValueError:
        raise ValueError(f"type: one of {', '.join(t.value for t in OrgType)}") from None
    sigungu = cell("sigungu_code")
    if not (sigungu.isascii() and sigungu.isdigit() and len(sigungu) == 5):
        raise ValueError("sigungu_code: 5 digits")
    area = tuple(d.strip() for d in cell("area").split(";") if d.strip())
    if known_dongs is not None and (unknown := [d for d in area if d not in known_dongs]):
        raise ValueError(f"area: unknown 읍면동 code {unknown[0]}")
    needs = tuple(n.strip() for n in cell("needs").split(";") if n.strip())
    if unknown_needs := [n for n in needs if n not in DOMAIN_IDS]:
        raise ValueError(f"needs: unknown domain {unknown_needs[0]} (one of {', '.join(DOMAIN_IDS)})")
    chat = cell("chat_id")
    if chat and not chat.lstrip("-").isdigit():
        raise ValueError("chat_id: a Telegram chat id (digits, a group's starts with -)")
    days = cell("reply_days")
    if days and (not days.isdigit() or not 1 <= int(days) <= 60):
        raise ValueError("reply_days: a number of days from 1 to 60")
    return Organisation(code, cell("name"), org_type, sigungu, area, needs, cell("phone"),
                        int(chat) if chat else None, int(days) if days else None)


DEFAULT_FILE = Path(__file__).parent / "data" / "organisations_jongno.csv"


def load_organisations_csv(path: Path = DEFAULT_FILE, known_dongs: set[str] | None = None) -> Organisations:
    return parse_organisations_csv(path.read_text(encoding="utf-8"), known_dongs)
