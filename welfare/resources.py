"""The resource directory (자원 목록): what each partner organisation can give — programmes and
in-kind help (반찬, 도시락, 김장, 물품, 상담, 방문 돌봄…) — so a worker can ask "who can take this?".

The field asked for "a list of service information for both public and private" and the city's
quarterly spreadsheet of it went stale (goyang-delivery-system.md P5). So every entry carries who
owns it and when it was last verified; an entry older than the set age (90 days by default) is
"확인 필요" wherever it is shown and its owner is reminded (core/resources.py).

Entries follow the HSDS shape the service catalogue uses (welfare/service_catalogue.py):
organisation, service (name, description), the area served (읍면동 codes), eligibility text, how
to ask (application process), capacity or a waiting list; tagged with the guide's 11 need domains
(welfare/followup_checklist.py DOMAIN_IDS). Pure data: parsed from TOML or CSV
(docs/resources.md), with errors naming the line.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from welfare.followup_checklist import DOMAIN_IDS

DEFAULT_MAX_AGE_DAYS = 90  # "older than a set age": a quarter, the spreadsheet's own rhythm (P5)
DEFAULT_FILE = Path(__file__).parent / "data" / "resources_jongno.toml"
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{1,47}$")
TEXT_MAX = 500
NAME_MAX = 80


class ResourceKind(StrEnum):
    PROGRAMME = "programme"  # 프로그램 (상담, 방문 돌봄, 교육…)
    IN_KIND = "in_kind"  # 현물 (반찬, 도시락, 김장, 물품…)

    @property
    def label_key(self) -> str:
        return f"resource.kind.{self.value}"


class ResourceError(ValueError):
    """A resource file or edit that cannot be taken; the message names the line and the field."""


@dataclass(frozen=True, slots=True)
class Resource:
    key: str  # stable, unique: what files, the API and buttons name
    org_code: str  # the owning organisation (welfare/organisations.py)
    name: str
    kind: ResourceKind
    needs: tuple[str, ...]  # need domains (DOMAIN_IDS), at least one
    last_verified: dt.date
    area: tuple[str, ...] = ()  # 읍면동 codes served; empty: wherever the organisation serves
    description: str = ""
    eligibility: str = ""  # HSDS eligibility_description
    how_to_ask: str = ""  # HSDS application_process
    capacity: str = ""  # "주 2회, 30가구"
    waiting_list: bool = False  # full now: new households wait
    active: bool = True
    id: int | None = None
    version: int = 1

    def stale(self, today: dt.date, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> bool:
        return (today - self.last_verified).days > max_age_days

    def stale_on(self, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> dt.date:
        """The first day it counts as stale (and its owner is reminded)."""
        return self.last_verified + dt.timedelta(days=max_age_days + 1)

    def serves(self, dong_code: str | None, org_area: tuple[str, ...] = ()) -> bool:
        area = self.area or org_area
        return dong_code is None or not area or dong_code in area

    @property
    def text(self) -> str:
        """What a text search reads."""
        return " ".join((self.name, self.description, self.eligibility, self.capacity))


# The need domains a finder situation points to: the resident-facing finder's "동네 자원"
# section shows verified entries of these domains (core/resources.py local_for_residents).
FINDER_NEEDS: dict[str, tuple[str, ...]] = {
    "money_basics": ("economy",), "isolation": ("relationships", "care"), "health": ("physical_health",),
    "mental_health": ("mental_health",), "care_gap": ("care",), "housing": ("housing",),
    "job_loss": ("employment", "economy"), "violence_abuse": ("safety",), "children_youth": ("childcare_education",),
    "disability": ("care", "physical_health"), "single_parent": ("childcare_education", "economy"),
    "elderly": ("care",), "young_carer": ("care", "childcare_education"), "energy": ("economy", "housing"),
    "dementia": ("care", "physical_health"),
}


def needs_for_situations(situations: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for s in situations for n in FINDER_NEEDS.get(s, ())))


# The fields of a file, in the order of the CSV columns and the TOML keys.
FIELDS = ("key", "org_code", "name", "kind", "needs", "area", "description", "eligibility", "how_to_ask",
          "capacity", "waiting_list", "last_verified", "active")
REQUIRED = ("key", "org_code", "name", "kind", "needs", "last_verified")
EDITABLE = frozenset(FIELDS) - {"key", "org_code"}


def build(values: dict[str, object], *, known_orgs: set[str] | None = None,
          known_dongs: set[str] | None = None) -> Resource:
    """A resource from raw values (a file row, an API body); ValueError names the field."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]}")
    missing = [f for f in REQUIRED if values.get(f) in (None, "", [], ())]
    if missing:
        raise ValueError(f"{missing[0]}: missing")
    key = _text(values, "key", 48)
    if not KEY.match(key):
        raise ValueError("key: 2–48 lower-case ASCII letters, digits, - or _")
    org = _text(values, "org_code", 24)
    if known_orgs is not None and org not in known_orgs:
        raise ValueError(f"org_code: unknown organisation {org}")
    try:
        kind = ResourceKind(_text(values, "kind", 16))
    except ValueError:
        raise ValueError(f"kind: one of {', '.join(k.value for k in ResourceKind)}") from None
    needs = _codes(values.get("needs"))
    if bad := [n for n in needs if n not in DOMAIN_IDS]:
        raise ValueError(f"needs: unknown domain {bad[0]} (one of {', '.join(DOMAIN_IDS)})")
    area = _codes(values.get("area"))
    if known_dongs is not None and (bad := [d for d in area if d not in known_dongs]):
        raise ValueError(f"area: unknown 읍면동 code {bad[0]}")
    return Resource(key=key, org_code=org, name=_text(values, "name", NAME_MAX), kind=kind,
                    needs=tuple(dict.fromkeys(needs)), last_verified=_date(values.get("last_verified")),
                    area=tuple(dict.fromkeys(area)), description=_text(values, "description"),
                    eligibility=_text(values, "eligibility"), how_to_ask=_text(values, "how_to_ask"),
                    capacity=_text(values, "capacity", NAME_MAX), waiting_list=_flag(values.get("waiting_list")),
                    active=_flag(values.get("active", True)))


def edited(resource: Resource, changes: dict[str, object], **known: set[str] | None) -> Resource:
    """The resource with `changes` applied and checked as a whole (key and owner never change)."""
    if bad := sorted(set(changes) - EDITABLE):
        raise ValueError(f"{bad[0]}: cannot be changed")
    values = {**as_values(resource), **changes}
    return replace(build(values, **known), id=resource.id, version=resource.version)


def as_values(resource: Resource) -> dict[str, object]:
    return {"key": resource.key, "org_code": resource.org_code, "name": resource.name, "kind": resource.kind.value,
            "needs": list(resource.needs), "area": list(resource.area), "description": resource.description,
            "eligibility": resource.eligibility, "how_to_ask": resource.how_to_ask, "capacity": resource.capacity,
            "waiting_list": resource.waiting_list, "last_verified": resource.last_verified.isoformat(),
            "active": resource.active}


def _text(values: dict[str, object], name: str, limit: int = TEXT_MAX) -> str:
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name}: text")
    value = " ".join(value.split())
    if len(value) > limit:
        raise ValueError(f"{name}: at most {limit} characters")
    return value


def _codes(value: object) -> list[str]:
    """A list, or a CSV cell of codes separated by ';'."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise ValueError("a list of codes")


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError("last_verified: a date, YYYY-MM-DD") from None


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in ("", "0", "no", "false", "아니요"):
        return False
    if text in ("1", "yes", "true", "예"):
        return True
    raise ValueError(f"a yes/no value, not {text!r}")


def _check_unique(found: list[Resource], key: str, where: str) -> None:
    if any(r.key == key for r in found):
        raise ResourceError(f"{where}: key {key} appears twice")


def parse_toml(text: str, **known: set[str] | None) -> list[Resource]:
    """`[[resource]]` tables (docs/resources.md); errors name the line of the table's header."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ResourceError(f"not valid TOML: {exc}") from None
    if unknown := sorted(set(document) - {"resource"}):
        raise ResourceError(f"line 1: unknown top-level key {unknown[0]} (only [[resource]] tables)")
    headers = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip().startswith("[[resource]]")]
    found: list[Resource] = []
    entries = document.get("resource", [])
    if not isinstance(entries, list):
        raise ResourceError("line 1: resource must be [[resource]] tables")
    for position, raw in enumerate(entries):
        where = f"line {headers[position]}" if position < len(headers) else f"resource {position + 1}"
        try:
            resource = build(raw, **known)
        except ValueError as exc:
            raise ResourceError(f"{where}: {exc}") from None
        _check_unique(found, resource.key, where)
        found.append(resource)
    return found


def parse_csv(text: str, **known: set[str] | None) -> list[Resource]:
    """One resource a row, the columns of FIELDS; lists (needs, area) separated by ';'."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = reader.fieldnames or []
    if missing := [c for c in REQUIRED if c not in columns]:
        raise ResourceError(f"line 1: missing columns: {', '.join(missing)}")
    if unknown := [c for c in columns if c not in FIELDS]:
        raise ResourceError(f"line 1: unknown column {unknown[0]}")
    found: list[Resource] = []
    for row in reader:
        where = f"line {reader.line_num}"
        try:
            resource = build({k: v for k, v in row.items() if k is not None and v not in (None, "")}, **known)
        except ValueError as exc:
            raise ResourceError(f"{where}: {exc}") from None
        _check_unique(found, resource.key, where)
        found.append(resource)
    return found


def parse_file(path: Path, **known: set[str] | None) -> list[Resource]:
    """TOML or CSV by the file's suffix."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        return parse_csv(text, **known)
    if path.suffix.lower() == ".toml":
        return parse_toml(text, **known)
    raise ResourceError(f"{path.name}: a .toml or .csv file")


def to_csv(resources: Iterable[Resource]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in resources:
        values = as_values(r)
        values.update(needs=";".join(r.needs), area=";".join(r.area), waiting_list="yes" if r.waiting_list else "no",
                      active="yes" if r.active else "no")
        writer.writerow(values)
    return out.getvalue()


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def to_toml(resources: Iterable[Resource]) -> str:
    blocks = []
    for r in resources:
        values = as_values(r)
        lines = ["[[resource]]"]
        for name in FIELDS:
            value = values[name]
            if value in ("", []) and name not in REQUIRED:
                continue
            lines.append(f"{name} = {value if name == 'last_verified' else _toml_value(value)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


@dataclass(frozen=True, slots=True)
class Found:
    """A search hit: the resource, its organisation's name, whether it needs checking, and why it
    matched (the words or need)."""

    resource: Resource
    org_name: str
    stale: bool
    matched: tuple[str, ...] = field(default=())
