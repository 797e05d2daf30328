"""Consent as 서식2 (개인정보 수집·이용·제공 동의서) has it: four parts, each agreed or not,
the third parties named, the date and who recorded it (L8647–8657).

Personal data goes to a third party only with the fourth part agreed *and* that party named
(L8655); when the recipients change, a new consent is taken (L9636–9640). A consent is never
edited: a new one replaces it, so the history shows every version.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ConsentPart(StrEnum):
    GENERAL_DATA = "general_data"  # 일반 개인정보 (성명, 연락처, 주소, 가구 구성)
    UNIQUE_IDENTIFIERS = "unique_identifiers"  # 고유식별정보 (주민등록번호 등)
    SENSITIVE_DATA = "sensitive_data"  # 민감정보 (건강 등)
    THIRD_PARTY = "third_party"  # 제3자 제공

    @property
    def label_key(self) -> str:
        return f"consent.part.{self.value}"


# What of a case each part lets a referral carry to a named recipient. Salpim stores no
# resident registration number, so the identifier part carries nothing it could send.
SHAREABLE: dict[ConsentPart, tuple[str, ...]] = {
    ConsentPart.GENERAL_DATA: ("address", "phone", "household", "age_band"),
    ConsentPart.UNIQUE_IDENTIFIERS: (),
    ConsentPart.SENSITIVE_DATA: ("situations", "description"),
}


@dataclass(frozen=True, slots=True)
class Consent:
    parts: Mapping[ConsentPart, bool]
    recipients: tuple[str, ...]  # organisation codes named under 제3자 제공
    given_on: date
    recorded_by: int | None = None  # member id

    def agreed(self, part: ConsentPart) -> bool:
        return bool(self.parts.get(part, False))

    def names(self, org_code: str) -> bool:
        """May personal data go to this organisation? Only with 제3자 제공 agreed and it named."""
        return self.agreed(ConsentPart.THIRD_PARTY) and org_code in self.recipients

    def shareable_with(self, org_code: str) -> tuple[str, ...]:
        """The fields of the case a referral to `org_code` may carry (none when it is not named)."""
        if not self.names(org_code):
            return ()
        return tuple(f for part, fields in SHAREABLE.items() if self.agreed(part) for f in fields)


def consent_from(parts: Mapping[str, bool], recipients: list[str] | tuple[str, ...], given_on: date,
                 recorded_by: int | None = None) -> Consent:
    """From stored or submitted values; an unknown part name raises ValueError."""
    typed = {ConsentPart(k): bool(v) for k, v in parts.items()}
    clean = tuple(dict.fromkeys(r.strip() for r in recipients if r and r.strip()))
    return Consent({p: typed.get(p, False) for p in ConsentPart}, clean, given_on, recorded_by)
