"""The public input of the service finder: a household as a plain dict, validated.

Format (docs/screening-input.md)::

    {"members": [{"age": 72, "disability": false}], "monthly_income": 500000,
     "assets": 0, "housing": "monthly_rent", "situations": ["isolation"]}

Every key but ``members`` is optional and a missing key (or ``None``) means *unknown*: the
finder then asks for it, it never concludes "not eligible" from it. Amounts are whole won
(monthly amounts per month). Malformed input raises :class:`InvalidHousehold`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

# Situation ids shared with the crisis-report flow, then finder-only topics.
SHARED_SITUATIONS: tuple[str, ...] = (
    "money_basics",
    "isolation",
    "health",
    "mental_health",
    "care_gap",
    "housing",
    "job_loss",
    "violence_abuse",
    "children_youth",
    "other",
)
FINDER_TOPICS: tuple[str, ...] = ("disability", "single_parent", "elderly", "young_carer", "energy", "dementia")
SITUATIONS: frozenset[str] = frozenset(SHARED_SITUATIONS + FINDER_TOPICS)

HOUSING: tuple[str, ...] = (
    "owned",  # 자가
    "jeonse",  # 전세
    "monthly_rent",  # 월세 (보증부 월세 included)
    "public_rental",  # 공공임대
    "free_of_charge",  # 무상거주 (living rent-free with relatives or others)
    "homeless",  # 거처 없음 / 고시원·쪽방 without a lease
    "other",
)
REGIONS: tuple[str, ...] = ("metropolitan", "small_city", "rural")  # 대도시 / 중소도시 / 농어촌
RECEIVES: tuple[str, ...] = (
    "livelihood_benefit",
    "medical_benefit",
    "housing_benefit",
    "education_benefit",
    "near_poor",
    "basic_pension",
)

MAX_MEMBERS = 30
MAX_AGE = 130
MAX_AMOUNT = 10**13  # 10조원: anything larger is a typo, not a household

_HOUSEHOLD_KEYS = frozenset(
    {
        "members",
        "monthly_income",
        "applicant_income",
        "assets",
        "financial_assets",
        "housing",
        "region",
        "couple",
        "situations",
        "receives",
        "similar_care",
    }
)
_MEMBER_KEYS = frozenset({"age", "disability", "severe_disability", "pregnant"})


class InvalidHousehold(ValueError):
    """The household dict is malformed. ``field`` is a dotted path, ``problem`` a short code."""

    def __init__(self, field: str, problem: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Member:
    age: int | None = None
    disability: bool | None = None
    severe_disability: bool | None = None
    pregnant: bool | None = None


@dataclass(frozen=True, slots=True)
class Household:
    members: tuple[Member, ...]
    monthly_income: int | None = None
    applicant_income: int | None = None
    assets: int | None = None
    financial_assets: int | None = None
    housing: str | None = None
    region: str | None = None
    couple: bool | None = None
    situations: frozenset[str] | None = None
    receives: frozenset[str] | None = None
    # Already in 노인장기요양보험 (a 장기요양 등급) or a similar care programme (유사·중복 사업).
    similar_care: bool | None = None

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def any_age_unknown(self) -> bool:
        return any(m.age is None for m in self.members)

    def has_situation(self, *ids: str) -> bool:
        return self.situations is not None and not self.situations.isdisjoint(ids)


def parse_household(data: object) -> Household:
    """Validate the public dict format and return a :class:`Household`."""
    if not isinstance(data, Mapping):
        raise InvalidHousehold("household", "not_an_object", "must be an object (dict)")
    for key in data:
        if not isinstance(key, str) or key not in _HOUSEHOLD_KEYS:
            raise InvalidHousehold(_name(key), "unknown_field", f"unknown field; allowed: {sorted(_HOUSEHOLD_KEYS)}")
    if "members" not in data:
        raise InvalidHousehold("members", "required", "is required (a list of at least one member)")
    members = _members(data["members"])
    return Household(
        members=members,
        monthly_income=_amount(data, "monthly_income"),
        applicant_income=_amount(data, "applicant_income"),
        assets=_amount(data, "assets"),
        financial_assets=_amount(data, "financial_assets"),
        housing=_choice(data, "housing", HOUSING),
        region=_choice(data, "region", REGIONS),
        couple=_flag(data, "couple", "couple"),
        situations=_id_set(data, "situations", SITUATIONS),
        receives=_id_set(data, "receives", frozenset(RECEIVES)),
        similar_care=_flag(data, "similar_care", "similar_care"),
    )


def _members(raw: object) -> tuple[Member, ...]:
    if not isinstance(raw, (list, tuple)):
        raise InvalidHousehold("members", "not_a_list", "must be a list of members")
    if not 1 <= len(raw) <= MAX_MEMBERS:
        raise InvalidHousehold("members", "count", f"must have 1 to {MAX_MEMBERS} members")
    members: list[Member] = []
    for index, item in enumerate(raw):
        where = f"members.{index}"
        if not isinstance(item, Mapping):
            raise InvalidHousehold(where, "not_an_object", "each member must be an object (dict)")
        for key in item:
            if not isinstance(key, str) or key not in _MEMBER_KEYS:
                raise InvalidHousehold(f"{where}.{_name(key)}", "unknown_field", f"allowed: {sorted(_MEMBER_KEYS)}")
        age = item.get("age")
        if age is not None:
            age = _whole_number(age, f"{where}.age")
            if not 0 <= age <= MAX_AGE:
                raise InvalidHousehold(f"{where}.age", "out_of_range", f"must be between 0 and {MAX_AGE}")
        members.append(
            Member(
                age=age,
                disability=_flag(item, "disability", f"{where}.disability"),
                severe_disability=_flag(item, "severe_disability", f"{where}.severe_disability"),
                pregnant=_flag(item, "pregnant", f"{where}.pregnant"),
            )
        )
    return tuple(members)


def _name(key: object) -> str:
    """A printable, bounded name for an unknown key (it came from outside)."""
    return repr(key)[:40]


def _whole_number(value: object, where: str) -> int:
    # JSON clients may send 500000.0; accept whole floats, refuse bools, NaN and fractions.
    if isinstance(value, bool):
        raise InvalidHousehold(where, "not_a_number", "must be a whole number, not true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    raise InvalidHousehold(where, "not_a_number", "must be a whole number")


def _amount(data: Mapping[str, object], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    amount = _whole_number(value, key)
    if not 0 <= amount <= MAX_AMOUNT:
        raise InvalidHousehold(key, "out_of_range", f"must be between 0 and {MAX_AMOUNT} won")
    return amount


def _flag(data: Mapping[str, object], key: str, where: str) -> bool | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise InvalidHousehold(where, "not_a_boolean", "must be true, false or null")


def _choice(data: Mapping[str, object], key: str, allowed: tuple[str, ...]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise InvalidHousehold(key, "unknown_value", f"must be one of {list(allowed)}")
    return value


def _id_set(data: Mapping[str, object], key: str, allowed: frozenset[str]) -> frozenset[str] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        raise InvalidHousehold(key, "not_a_list", "must be a list of ids")
    if len(value) > 2 * len(allowed):
        raise InvalidHousehold(key, "count", "has too many entries")
    for index, item in enumerate(value):
        if not isinstance(item, str) or item not in allowed:
            raise InvalidHousehold(f"{key}.{index}", "unknown_value", f"must be one of {sorted(allowed)}")
    return frozenset(value)  # type: ignore[arg-type]
