"""The report taxonomy: what a reporter can tell us about a household at risk.

The data lives in ``welfare/data/report_taxonomy.toml`` (ids, order, the 2025 guide's own
Korean terms and line references). What reporters read lives in the gettext catalogs
``locales/<lang>/LC_MESSAGES/taxonomy.po``; this module only hands out the *keys*
(``situation.isolation``, ``mandatory.m07``, ...), never user-facing text.

    tax = load_report_taxonomy()            # parsed once, validated, cached
    tax.situations                          # tuple, in display order
    tax.situation("isolation").label_key    # "situation.isolation"
    tax.is_urgent(["suicide_risk"])         # True
    tax.missing_label_keys(catalog_msgids)  # () when a catalog is complete

Standard library only.
"""
from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "AgeBand",
    "CrisisItem",
    "CrisisItemGroup",
    "Gender",
    "Hotline",
    "HouseholdSize",
    "HouseholdType",
    "LABEL_PREFIXES",
    "MandatoryCategory",
    "MandatoryGroup",
    "PriorityType",
    "ReportTaxonomy",
    "ReporterKind",
    "ReporterType",
    "Situation",
    "TaxonomyError",
    "UrgentSign",
    "line_range",
    "load_report_taxonomy",
    "parse_report_taxonomy",
    "read_report_taxonomy",
]

DATA_FILE = "report_taxonomy.toml"
SCHEMA_VERSION = 1

#: TOML section -> catalog key prefix. Every entry ``x`` of a section needs the msgid
#: ``f"{prefix}.{x.id}"`` in each taxonomy.po.
LABEL_PREFIXES: Mapping[str, str] = MappingProxyType(
    {
        "situations": "situation",
        "urgent_signs": "urgent",
        "hotlines": "hotline",
        "reporter_kinds": "reporter_kind",
        "reporter_types": "reporter_type",
        "mandatory_groups": "mandatory_group",
        "mandatory_reporter_categories": "mandatory",
        "household_types": "household",
        "age_bands": "age_band",
        "genders": "gender",
        "household_sizes": "household_size",
    }
)

#: Extra catalog keys per entry: ``f"{prefix}.{id}.{suffix}"``.
LABEL_SUFFIXES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "situations": ("examples",),
        "urgent_signs": ("examples", "call"),
    }
)

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LINES_RE = re.compile(r"^L(\d+)(?:-(\d+))?$")


class TaxonomyError(ValueError):
    """The taxonomy data is malformed; ``problems`` lists every finding."""

    def __init__(self, problems: Iterable[str]):
        self.problems = tuple(problems)
        super().__init__("invalid report taxonomy:\n  - " + "\n  - ".join(self.problems))


def line_range(ref: str) -> range:
    """``"L5560-5564"`` -> ``range(5560, 5565)``; ``"L5554"`` -> ``range(5554, 5555)``."""
    m = _LINES_RE.match(ref)
    if not m:
        raise ValueError(f"not a guide line reference: {ref!r}")
    start = int(m.group(1))
    end = int(m.group(2) or start)
    return range(start, end + 1)


# --------------------------------------------------------------------------- entries


def _key(prefix: str, id_: str, suffix: str | None = None) -> str:
    return f"{prefix}.{id_}" if suffix is None else f"{prefix}.{id_}.{suffix}"


@dataclass(frozen=True, slots=True)
class CrisisItemGroup:
    no: int
    label_ko: str
    lines: str


@dataclass(frozen=True, slots=True)
class CrisisItem:
    """One of the 46 위기정보 items (guide L5548-5825)."""

    no: int
    label_ko: str
    group: int
    lines: str
    sensitive: bool = False  # 민감변수: staff-only
    reconstructed: bool = False  # number inferred from row order (extraction lost it)
    admin_only: bool = False  # an administrative record, not a visible sign


@dataclass(frozen=True, slots=True)
class Situation:
    id: str
    source_term_ko: str
    need_domains_ko: tuple[str, ...]
    source_lines: tuple[str, ...]
    examples_ko: tuple[str, ...]
    crisis_items: tuple[int, ...]
    priority_types: tuple[str, ...]
    suggests_urgent: str | None = None
    urgent: bool = False

    @property
    def label_key(self) -> str:
        return _key("situation", self.id)

    @property
    def examples_key(self) -> str:
        return _key("situation", self.id, "examples")


@dataclass(frozen=True, slots=True)
class UrgentSign:
    id: str
    source_term_ko: str
    examples_ko: tuple[str, ...]
    call_now: tuple[str, ...]  # hotline ids, most important first
    also_call: tuple[str, ...]
    guide_lines: tuple[str, ...]
    guide_quotes_ko: tuple[str, ...]
    urgent: bool = True

    @property
    def label_key(self) -> str:
        return _key("urgent", self.id)

    @property
    def call_key(self) -> str:
        return _key("urgent", self.id, "call")

    @property
    def examples_key(self) -> str:
        return _key("urgent", self.id, "examples")


@dataclass(frozen=True, slots=True)
class Hotline:
    id: str  # the number as dialled, e.g. "112", "1577-0199"
    name_ko: str
    in_guide: bool
    source_lines: tuple[str, ...]

    @property
    def number(self) -> str:
        return self.id

    @property
    def label_key(self) -> str:
        return _key("hotline", self.id)


@dataclass(frozen=True, slots=True)
class ReporterKind:
    id: str
    source_term_ko: str
    source_lines: tuple[str, ...]

    @property
    def label_key(self) -> str:
        return _key("reporter_kind", self.id)


@dataclass(frozen=True, slots=True)
class ReporterType:
    id: str
    source_term_ko: str
    source_lines: tuple[str, ...]
    overlaps_mandatory: tuple[str, ...] = ()

    @property
    def label_key(self) -> str:
        return _key("reporter_type", self.id)


@dataclass(frozen=True, slots=True)
class MandatoryGroup:
    id: str
    description: str

    @property
    def label_key(self) -> str:
        return _key("mandatory_group", self.id)


@dataclass(frozen=True, slots=True)
class MandatoryCategory:
    """A 신고의무자 category of 사회보장급여법 §13② (guide L5877-5947)."""

    id: str  # "m01".."m26"
    no: int
    group: str
    lines: str
    guide_ko: str  # verbatim
    holder_ko: str  # verbatim phrase naming the people
    new_in: int | None = None

    @property
    def label_key(self) -> str:
        return _key("mandatory", self.id)


@dataclass(frozen=True, slots=True)
class PriorityType:
    """A priority household type for 통합사례관리 (guide L202-216)."""

    id: str
    term_ko: str
    lines: tuple[str, ...]
    new_in: int | None = None


@dataclass(frozen=True, slots=True)
class HouseholdType:
    id: str
    covers: tuple[str, ...]  # PriorityType ids
    lines: tuple[str, ...]
    lives_alone: bool = False  # a 1-person household: the report need not ask how many live there

    @property
    def label_key(self) -> str:
        return _key("household", self.id)


@dataclass(frozen=True, slots=True)
class AgeBand:
    id: str
    min_age: int | None = None  # None for "unknown"
    max_age: int | None = None  # inclusive; None = open-ended

    @property
    def label_key(self) -> str:
        return _key("age_band", self.id)

    @property
    def is_unknown(self) -> bool:
        return self.min_age is None

    def contains(self, age: int) -> bool:
        if self.min_age is None:
            return False
        return self.min_age <= age and (self.max_age is None or age <= self.max_age)


@dataclass(frozen=True, slots=True)
class Gender:
    id: str

    @property
    def label_key(self) -> str:
        return _key("gender", self.id)


@dataclass(frozen=True, slots=True)
class HouseholdSize:
    id: str  # "1".."4", "5" (= 5 or more), "unknown"
    persons: int | None = None
    at_least: bool = False

    @property
    def label_key(self) -> str:
        return _key("household_size", self.id)


# --------------------------------------------------------------------------- taxonomy


@dataclass(frozen=True)
class ReportTaxonomy:
    schema_version: int
    source: str
    crisis_item_groups: tuple[CrisisItemGroup, ...]
    crisis_items: tuple[CrisisItem, ...]
    situations: tuple[Situation, ...]
    urgent_signs: tuple[UrgentSign, ...]
    hotlines: tuple[Hotline, ...]
    reporter_kinds: tuple[ReporterKind, ...]
    reporter_types: tuple[ReporterType, ...]
    mandatory_groups: tuple[MandatoryGroup, ...]
    mandatory_reporter_categories: tuple[MandatoryCategory, ...]
    priority_types: tuple[PriorityType, ...]
    household_types: tuple[HouseholdType, ...]
    age_bands: tuple[AgeBand, ...]
    genders: tuple[Gender, ...]
    household_sizes: tuple[HouseholdSize, ...]
    _index: Mapping[str, Mapping[str, Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sections = (*LABEL_PREFIXES, "priority_types")
        index = {s: MappingProxyType({e.id: e for e in getattr(self, s)}) for s in sections}
        object.__setattr__(self, "_index", MappingProxyType(index))

    # -- generic access
    def ids(self, section: str) -> tuple[str, ...]:
        """Ids of a section (e.g. ``"situations"``) in display order."""
        return tuple(self._section(section))

    def get(self, section: str, id_: str) -> Any:
        entries = self._section(section)
        try:
            return entries[id_]
        except KeyError:
            raise KeyError(f"unknown {section} id: {id_!r}") from None

    def has(self, section: str, id_: str) -> bool:
        return id_ in self._section(section)

    def _section(self, section: str) -> Mapping[str, Any]:
        try:
            return self._index[section]
        except KeyError:
            raise KeyError(f"unknown taxonomy section: {section!r}") from None

    # -- typed lookups
    def situation(self, id_: str) -> Situation:
        return self.get("situations", id_)

    def urgent_sign(self, id_: str) -> UrgentSign:
        return self.get("urgent_signs", id_)

    def hotline(self, id_: str) -> Hotline:
        return self.get("hotlines", id_)

    def reporter_kind(self, id_: str) -> ReporterKind:
        return self.get("reporter_kinds", id_)

    def reporter_type(self, id_: str) -> ReporterType:
        return self.get("reporter_types", id_)

    def mandatory_group(self, id_: str) -> MandatoryGroup:
        return self.get("mandatory_groups", id_)

    def mandatory_category(self, id_: str) -> MandatoryCategory:
        return self.get("mandatory_reporter_categories", id_)

    def priority_type(self, id_: str) -> PriorityType:
        return self.get("priority_types", id_)

    def household_type(self, id_: str) -> HouseholdType:
        return self.get("household_types", id_)

    def age_band(self, id_: str) -> AgeBand:
        return self.get("age_bands", id_)

    def gender(self, id_: str) -> Gender:
        return self.get("genders", id_)

    def household_size(self, id_: str) -> HouseholdSize:
        return self.get("household_sizes", id_)

    def crisis_item(self, no: int) -> CrisisItem:
        for item in self.crisis_items:
            if item.no == no:
                return item
        raise KeyError(f"unknown crisis item: {no!r}")

    # -- derived views
    def mandatory_categories_in(self, group_id: str) -> tuple[MandatoryCategory, ...]:
        self.mandatory_group(group_id)  # KeyError for an unknown group
        return tuple(c for c in self.mandatory_reporter_categories if c.group == group_id)

    def age_band_for(self, age: int) -> AgeBand:
        """The band containing ``age`` (years); the "unknown" band for a negative age."""
        for band in self.age_bands:
            if band.contains(age):
                return band
        return next(b for b in self.age_bands if b.is_unknown)

    def household_size_for(self, persons: int) -> HouseholdSize:
        """1..4 exactly; 5 or more -> the "5" (at least) entry."""
        exact = [s for s in self.household_sizes if s.persons is not None]
        for size in exact:
            if size.persons == persons and not size.at_least:
                return size
        for size in exact:
            if size.at_least and persons >= size.persons:
                return size
        raise KeyError(f"no household size for {persons!r} persons")

    def situations_for_crisis_item(self, no: int) -> tuple[Situation, ...]:
        return tuple(s for s in self.situations if no in s.crisis_items)

    @property
    def urgent_ids(self) -> frozenset[str]:
        return frozenset(u.id for u in self.urgent_signs)

    def sign_label_key(self, sign_id: str) -> str:
        """The catalog key naming a sign a reporter chose: an urgent sign or a situation."""
        return _key("urgent", sign_id) if sign_id in self.urgent_ids else _key("situation", sign_id)

    def is_urgent(self, urgent_sign_ids: Iterable[str]) -> bool:
        """True when any chosen urgent sign is present. Unknown ids raise KeyError."""
        return any(self.urgent_sign(i).urgent for i in urgent_sign_ids)

    # -- catalog keys
    def label_keys(self) -> tuple[str, ...]:
        """Every msgid a taxonomy.po must define, in a stable order."""
        keys: list[str] = []
        for section, prefix in LABEL_PREFIXES.items():
            for id_ in self.ids(section):
                keys.append(_key(prefix, id_))
                keys.extend(_key(prefix, id_, s) for s in LABEL_SUFFIXES.get(section, ()))
        return tuple(keys)

    def missing_label_keys(self, msgids: Iterable[str]) -> tuple[str, ...]:
        present = set(msgids)
        return tuple(k for k in self.label_keys() if k not in present)


# --------------------------------------------------------------------------- parsing


class _Checker:
    """Collects problems instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, msg: str) -> None:
        self.problems.append(msg)

    def entries(self, data: Mapping[str, Any], section: str) -> list[Mapping[str, Any]]:
        value = data.get(section)
        if not isinstance(value, list) or not value:
            self.add(f"{section}: missing or empty list")
            return []
        good = [e for e in value if isinstance(e, Mapping)]
        if len(good) != len(value):
            self.add(f"{section}: every entry must be a table")
        return good

    def text(self, entry: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
        value = entry.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.add(f"{where}: {key} must be a non-empty string")
            return ""
        return value

    def texts(self, entry: Mapping[str, Any], key: str, where: str, *, min_len: int = 0,
              max_len: int | None = None) -> tuple[str, ...]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.add(f"{where}: {key} must be a list of non-empty strings")
            return ()
        if len(value) < min_len or (max_len is not None and len(value) > max_len):
            bounds = f"{min_len}..{max_len}" if max_len is not None else f">= {min_len}"
            self.add(f"{where}: {key} needs {bounds} entries, has {len(value)}")
        if len(set(value)) != len(value):
            self.add(f"{where}: {key} has duplicates")
        return tuple(value)

    def integer(self, entry: Mapping[str, Any], key: str, where: str,
                required: bool = True) -> int | None:
        value = entry.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(f"{where}: {key} must be an integer")
            return None
        return value

    def ints(self, entry: Mapping[str, Any], key: str, where: str) -> tuple[int, ...]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            self.add(f"{where}: {key} must be a list of integers")
            return ()
        if len(set(value)) != len(value):
            self.add(f"{where}: {key} has duplicates")
        return tuple(value)

    def flag(self, entry: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
        value = entry.get(key, default)
        if not isinstance(value, bool):
            self.add(f"{where}: {key} must be true or false")
            return default
        return value

    def line_ref(self, ref: str, where: str) -> None:
        m = _LINES_RE.match(ref)
        if not m:
            self.add(f"{where}: bad line reference {ref!r} (want 'L123' or 'L123-130')")
        elif m.group(2) and int(m.group(2)) < int(m.group(1)):
            self.add(f"{where}: line range {ref!r} ends before it starts")

    def line_refs(self, entry: Mapping[str, Any], key: str, where: str,
                  min_len: int = 0) -> tuple[str, ...]:
        refs = self.texts(entry, key, where, min_len=min_len)
        for ref in refs:
            self.line_ref(ref, where)
        return refs

    def ids(self, section: str, entries: Iterable[Mapping[str, Any]]) -> list[str]:
        ids: list[str] = []
        for n, e in enumerate(entries, 1):
            id_ = e.get("id")
            if not isinstance(id_, str) or not _ID_RE.match(id_):
                self.add(f"{section}[{n}]: id {id_!r} must match {_ID_RE.pattern}")
                ids.append(f"<bad:{n}>")
                continue
            if id_ in ids:
                self.add(f"{section}: duplicate id {id_!r}")
            ids.append(id_)
        return ids

    def refs(self, values: Iterable[Any], known: Iterable[Any], where: str, what: str) -> None:
        known = set(known)
        for v in values:
            if v not in known:
                self.add(f"{where}: unknown {what} {v!r}")


def parse_report_taxonomy(data: Mapping[str, Any]) -> ReportTaxonomy:
    """Build and validate a taxonomy from parsed TOML. Raises TaxonomyError."""
    c = _Checker()
    if data.get("schema_version") != SCHEMA_VERSION:
        c.add(f"schema_version must be {SCHEMA_VERSION}, got {data.get('schema_version')!r}")
    source = data.get("source", "")
    if not isinstance(source, str):
        c.add("source must be a string")
        source = ""

    # crisis items (the 46 위기정보)
    groups: list[CrisisItemGroup] = []
    raw_groups = c.entries(data, "crisis_item_groups")
    for n, e in enumerate(raw_groups, 1):
        w = f"crisis_item_groups[{n}]"
        no = c.integer(e, "no", w)
        if no != n:
            c.add(f"{w}: no must be {n}, got {no!r}")
        lines = c.text(e, "lines", w)
        if lines:
            c.line_ref(lines, w)
        groups.append(CrisisItemGroup(n, c.text(e, "label_ko", w), lines))
    items: list[CrisisItem] = []
    for n, e in enumerate(c.entries(data, "crisis_items"), 1):
        w = f"crisis_items[{n}]"
        no = c.integer(e, "no", w)
        if no != n:
            c.add(f"{w}: no must be {n} (numbered 1.. in order), got {no!r}")
        group = c.integer(e, "group", w)
        if group is not None and not 1 <= group <= len(groups):
            c.add(f"{w}: unknown group {group!r}")
        lines = c.text(e, "lines", w)
        if lines:
            c.line_ref(lines, w)
        items.append(CrisisItem(
            no=n, label_ko=c.text(e, "label_ko", w), group=group or 0, lines=lines,
            sensitive=c.flag(e, "sensitive", w, False),
            reconstructed=c.flag(e, "reconstructed", w, False),
            admin_only=c.flag(e, "admin_only", w, False),
        ))
    item_nos = {i.no for i in items}
    admin_only = {i.no for i in items if i.admin_only}

    # hotlines first: urgent signs point at them
    raw = c.entries(data, "hotlines")
    hotline_ids = c.ids("hotlines", raw)
    hotlines = tuple(
        Hotline(id_, c.text(e, "name_ko", f"hotlines.{id_}"),
                c.flag(e, "in_guide", f"hotlines.{id_}", False),
                c.line_refs(e, "source_lines", f"hotlines.{id_}"))
        for id_, e in zip(hotline_ids, raw)
    )
    for h in hotlines:
        if h.in_guide and not h.source_lines:
            c.add(f"hotlines.{h.id}: in_guide needs source_lines")

    raw = c.entries(data, "priority_types")
    priority_ids = c.ids("priority_types", raw)
    priority_types = tuple(
        PriorityType(id_, c.text(e, "term_ko", f"priority_types.{id_}"),
                     c.line_refs(e, "lines", f"priority_types.{id_}", min_len=1),
                     c.integer(e, "new_in", f"priority_types.{id_}", required=False))
        for id_, e in zip(priority_ids, raw)
    )

    raw = c.entries(data, "urgent_signs")
    urgent_ids = c.ids("urgent_signs", raw)
    urgent_signs: list[UrgentSign] = []
    for id_, e in zip(urgent_ids, raw):
        w = f"urgent_signs.{id_}"
        sign = UrgentSign(
            id=id_, source_term_ko=c.text(e, "source_term_ko", w),
            examples_ko=c.texts(e, "examples_ko", w, min_len=2, max_len=4),
            call_now=c.texts(e, "call_now", w, min_len=1),
            also_call=c.texts(e, "also_call", w),
            guide_lines=c.line_refs(e, "guide_lines", w, min_len=1),
            guide_quotes_ko=c.texts(e, "guide_quotes_ko", w, min_len=1),
            urgent=c.flag(e, "urgent", w, True),
        )
        if not sign.urgent:
            c.add(f"{w}: an urgent sign must have urgent = true")
        c.refs(sign.call_now + sign.also_call, hotline_ids, w, "hotline")
        urgent_signs.append(sign)

    raw = c.entries(data, "situations")
    situation_ids = c.ids("situations", raw)
    situations: list[Situation] = []
    for id_, e in zip(situation_ids, raw):
        w = f"situations.{id_}"
        suggests = e.get("suggests_urgent")
        if suggests is not None and suggests not in urgent_ids:
            c.add(f"{w}: unknown urgent sign {suggests!r} in suggests_urgent")
        sit = Situation(
            id=id_, source_term_ko=c.text(e, "source_term_ko", w),
            need_domains_ko=c.texts(e, "need_domains_ko", w, min_len=1),
            source_lines=c.line_refs(e, "source_lines", w, min_len=1),
            examples_ko=c.texts(e, "examples_ko", w, min_len=2, max_len=4),
            crisis_items=c.ints(e, "crisis_items", w),
            priority_types=c.texts(e, "priority_types", w),
            suggests_urgent=suggests,
            urgent=c.flag(e, "urgent", w, False),
        )
        if sit.urgent:
            c.add(f"{w}: situations are never urgent by themselves (use urgent_signs)")
        c.refs(sit.crisis_items, item_nos, w, "crisis item")
        for no in sorted(set(sit.crisis_items) & admin_only):
            c.add(f"{w}: crisis item {no} is admin_only and cannot map to a situation")
        c.refs(sit.priority_types, priority_ids, w, "priority type")
        situations.append(sit)

    raw = c.entries(data, "reporter_kinds")
    reporter_kinds = tuple(
        ReporterKind(id_, c.text(e, "source_term_ko", f"reporter_kinds.{id_}"),
                     c.line_refs(e, "source_lines", f"reporter_kinds.{id_}", min_len=1))
        for id_, e in zip(c.ids("reporter_kinds", raw), raw)
    )

    raw = c.entries(data, "mandatory_groups")
    group_ids = c.ids("mandatory_groups", raw)
    mandatory_groups = tuple(
        MandatoryGroup(id_, c.text(e, "description", f"mandatory_groups.{id_}"))
        for id_, e in zip(group_ids, raw)
    )

    raw = c.entries(data, "mandatory_reporter_categories")
    category_ids = c.ids("mandatory_reporter_categories", raw)
    categories: list[MandatoryCategory] = []
    for n, (id_, e) in enumerate(zip(category_ids, raw), 1):
        w = f"mandatory_reporter_categories.{id_}"
        if id_ != f"m{n:02d}":
            c.add(f"{w}: ids must run m01, m02, ... in the guide's order (want m{n:02d})")
        no = c.integer(e, "no", w)
        if no != n:
            c.add(f"{w}: no must be {n}, got {no!r}")
        cat = MandatoryCategory(
            id=id_, no=n, group=c.text(e, "group", w), lines=c.text(e, "lines", w),
            guide_ko=c.text(e, "guide_ko", w), holder_ko=c.text(e, "holder_ko", w),
            new_in=c.integer(e, "new_in", w, required=False),
        )
        if cat.lines:
            c.line_ref(cat.lines, w)
        if cat.group:
            c.refs([cat.group], group_ids, w, "mandatory group")
        if cat.holder_ko and cat.holder_ko not in cat.guide_ko:
            c.add(f"{w}: holder_ko must be a phrase of guide_ko")
        categories.append(cat)
    for g in group_ids:
        if not any(cat.group == g for cat in categories):
            c.add(f"mandatory_groups.{g}: no category uses this group")

    raw = c.entries(data, "reporter_types")
    reporter_types = []
    for id_, e in zip(c.ids("reporter_types", raw), raw):
        w = f"reporter_types.{id_}"
        rt = ReporterType(id_, c.text(e, "source_term_ko", w),
                          c.line_refs(e, "source_lines", w, min_len=1),
                          c.texts(e, "overlaps_mandatory", w))
        c.refs(rt.overlaps_mandatory, category_ids, w, "mandatory category")
        reporter_types.append(rt)

    raw = c.entries(data, "household_types")
    household_types = []
    for id_, e in zip(c.ids("household_types", raw), raw):
        w = f"household_types.{id_}"
        ht = HouseholdType(id_, c.texts(e, "covers", w), c.line_refs(e, "lines", w),
                           bool(e.get("lives_alone", False)))
        c.refs(ht.covers, priority_ids, w, "priority type")
        household_types.append(ht)

    raw = c.entries(data, "age_bands")
    age_bands = []
    for id_, e in zip(c.ids("age_bands", raw), raw):
        w = f"age_bands.{id_}"
        lo = c.integer(e, "min_age", w, required=False)
        hi = c.integer(e, "max_age", w, required=False)
        if lo is None and hi is not None:
            c.add(f"{w}: max_age without min_age")
        if lo is not None and hi is not None and hi < lo:
            c.add(f"{w}: max_age < min_age")
        age_bands.append(AgeBand(id_, lo, hi))
    known_bands = [b for b in age_bands if not b.is_unknown]
    if sum(1 for b in age_bands if b.is_unknown) != 1:
        c.add("age_bands: need exactly one band without ages (unknown)")
    expected_lo = 0
    for b in known_bands:
        if b.min_age != expected_lo:
            c.add(f"age_bands.{b.id}: must start at {expected_lo} (no gaps or overlaps)")
        if b.max_age is None:
            if b is not known_bands[-1]:
                c.add(f"age_bands.{b.id}: only the last band may be open-ended")
            break
        expected_lo = b.max_age + 1
    else:
        if known_bands:
            c.add("age_bands: the last band must be open-ended")

    raw = c.entries(data, "genders")
    genders = tuple(Gender(id_) for id_ in c.ids("genders", raw))

    raw = c.entries(data, "household_sizes")
    household_sizes = []
    for id_, e in zip(c.ids("household_sizes", raw), raw):
        w = f"household_sizes.{id_}"
        persons = c.integer(e, "persons", w, required=False)
        at_least = c.flag(e, "at_least", w, False)
        if persons is not None and (persons < 1 or id_ != str(persons)):
            c.add(f"{w}: id must be the number of persons ({persons!r})")
        if persons is None and at_least:
            c.add(f"{w}: at_least needs persons")
        household_sizes.append(HouseholdSize(id_, persons, at_least))
    if sum(1 for s in household_sizes if s.at_least) > 1:
        c.add("household_sizes: at most one 'or more' entry")

    if c.problems:
        raise TaxonomyError(c.problems)
    return ReportTaxonomy(
        schema_version=SCHEMA_VERSION,
        source=source,
        crisis_item_groups=tuple(groups),
        crisis_items=tuple(items),
        situations=tuple(situations),
        urgent_signs=tuple(urgent_signs),
        hotlines=hotlines,
        reporter_kinds=reporter_kinds,
        reporter_types=tuple(reporter_types),
        mandatory_groups=mandatory_groups,
        mandatory_reporter_categories=tuple(categories),
        priority_types=priority_types,
        household_types=tuple(household_types),
        age_bands=tuple(age_bands),
        genders=genders,
        household_sizes=tuple(household_sizes),
    )


def read_report_taxonomy(path: str | Path) -> ReportTaxonomy:
    """Parse and validate a taxonomy file (not cached)."""
    with open(path, "rb") as fh:
        return parse_report_taxonomy(tomllib.load(fh))


@functools.lru_cache(maxsize=1)
def load_report_taxonomy() -> ReportTaxonomy:
    """The packaged taxonomy (welfare/data/report_taxonomy.toml), parsed once."""
    resource = resources.files(__package__ or "welfare") / "data" / DATA_FILE
    return parse_report_taxonomy(tomllib.loads(resource.read_text(encoding="utf-8")))
