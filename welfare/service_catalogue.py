"""The service catalogue: national and local services as data (welfare/data/services/*.toml).

Entries follow the Open Referral HSDS shape — ``organization`` and ``service`` with
``description``, ``eligibility_description``, ``application_process``, ``required_documents``
and contacts (phones) — plus our fields: 복지로's three filters (``life_stages`` 생애주기,
``household_situations`` 가구상황, ``topics`` 관심주제), the crisis ``situations`` a service
answers, the ``eligibility_rule`` id with optional ``eligibility_params``, ``source`` and
``last_checked``. User-facing texts are ko/en field pairs (``name_ko`` / ``name_en``): it is
data an operator edits. :func:`load_catalogue` validates everything and binds the rules once.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from welfare.eligibility_rules import RULES, Rule
from welfare.screening_input import SITUATIONS

DEFAULT_SERVICES_DIR = Path(__file__).resolve().parent / "data" / "services"

# 복지로 생애주기 / 가구상황 / 관심주제 (labels: finder.life_stage.* etc. in finder.po).
LIFE_STAGES: tuple[str, ...] = ("pregnancy_birth", "infant", "child", "teen", "youth", "middle_aged", "elderly")
HOUSEHOLD_SITUATIONS: tuple[str, ...] = (
    "low_income", "disability", "single_parent_grandparent", "multi_child", "multicultural_defector", "veteran",
)
TOPICS: tuple[str, ...] = (
    "physical_health", "mental_health", "living_support", "housing", "jobs", "culture_leisure",
    "safety_crisis", "pregnancy_birth", "childcare", "education", "adoption_foster", "care_protection",
    "microfinance", "legal",
)
_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_TEXT_FIELDS = ("name", "description", "eligibility_description", "benefit_description", "application_process")
_SERVICE_KEYS = frozenset(
    {f"{f}_{lang}" for f in (*_TEXT_FIELDS, "required_documents", "service_area") for lang in ("ko", "en")}
    | {
        "id", "organization_id", "url", "life_stages", "household_situations", "topics", "situations",
        "eligibility_rule", "eligibility_params", "legal_basis", "source", "last_checked", "example", "contacts",
    }
)
_ORG_KEYS = frozenset({"id", "name_ko", "name_en", "url"})
_CONTACT_KEYS = frozenset({"name_ko", "name_en", "phone", "address_ko", "address_en"})


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message names the file, entry and field."""


@dataclass(frozen=True, slots=True)
class LocalizedText:
    ko: str
    en: str

    def get(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.ko

    def to_json(self) -> dict[str, str]:
        return {"ko": self.ko, "en": self.en}


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    name: LocalizedText
    url: str | None


@dataclass(frozen=True, slots=True)
class Contact:
    name: LocalizedText
    phone: str | None
    address: LocalizedText | None


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    organization_id: str
    name: LocalizedText
    description: LocalizedText
    eligibility_description: LocalizedText
    benefit_description: LocalizedText
    application_process: LocalizedText
    required_documents: tuple[LocalizedText, ...]
    contacts: tuple[Contact, ...]
    url: str | None
    life_stages: tuple[str, ...]
    household_situations: tuple[str, ...]
    topics: tuple[str, ...]
    situations: tuple[str, ...]
    eligibility_rule: str
    eligibility_params: Mapping[str, object]
    legal_basis: str
    source: str
    last_checked: dt.date
    example: bool
    service_area: LocalizedText | None
    origin: str

    @property
    def rule(self) -> Rule:
        return RULES[self.eligibility_rule]


@dataclass(frozen=True, slots=True)
class Catalogue:
    services: tuple[Service, ...]
    organizations: Mapping[str, Organization]
    _by_id: Mapping[str, Service]
    _by_situation: Mapping[str, tuple[Service, ...]]

    def __iter__(self) -> Iterator[Service]:
        return iter(self.services)

    def __len__(self) -> int:
        return len(self.services)

    def service(self, service_id: str) -> Service:
        return self._by_id[service_id]

    def for_situations(self, situations: Iterable[str]) -> tuple[Service, ...]:
        """Services that answer any of the given situations, in catalogue order."""
        wanted = set(situations)
        return tuple(s for s in self.services if not wanted.isdisjoint(s.situations))

    def filter(
        self,
        *,
        life_stage: str | None = None,
        household_situation: str | None = None,
        topic: str | None = None,
    ) -> tuple[Service, ...]:
        """복지로-style filtering by 생애주기, 가구상황 and 관심주제."""
        return tuple(
            s
            for s in self.services
            if (life_stage is None or life_stage in s.life_stages)
            and (household_situation is None or household_situation in s.household_situations)
            and (topic is None or topic in s.topics)
        )


def load_catalogue(
    paths: Iterable[str | Path] = (),
    *,
    bundled: bool = True,
    include_examples: bool = True,
) -> Catalogue:
    """Load the bundled catalogue plus every extra file or directory in ``paths``.

    A local directory (a city's own food banks, 복지관 programmes) uses the same format; its
    service ids must not repeat any other. ``include_examples=False`` drops entries marked
    ``example = true`` (the bundled local_example.toml).
    """
    sources: list[Path] = [DEFAULT_SERVICES_DIR] if bundled else []
    sources.extend(Path(p) for p in paths)
    files: list[Path] = []
    for path in sources:
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
        elif path.is_file():
            files.append(path)
        else:
            raise CatalogueError(f"{path}: no such file or directory")
    organizations: dict[str, Organization] = {}
    raw_services: list[tuple[dict[str, object], str]] = []
    for path in files:
        with path.open("rb") as fh:
            try:
                document = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise CatalogueError(f"{path}: not valid TOML: {exc}") from exc
        unknown = set(document) - {"organization", "service"}
        if unknown:
            raise CatalogueError(f"{path}: unknown top-level keys {sorted(unknown)}")
        for position, raw in enumerate(_tables(document.get("organization", []), f"{path.name}: organization")):
            org = _organization(raw, f"{path.name}: organization[{position}]")
            if org.id in organizations:
                raise CatalogueError(f"{path.name}: organization {org.id!r} is defined twice")
            organizations[org.id] = org
        for position, raw in enumerate(_tables(document.get("service", []), f"{path.name}: service")):
            raw_services.append((raw, f"{path.name}: service[{position}]"))
    services: list[Service] = []
    by_id: dict[str, Service] = {}
    for raw, where in raw_services:
        service = _service(raw, where, organizations)
        if service.id in by_id:
            raise CatalogueError(f"{where}: service id {service.id!r} already used in {by_id[service.id].origin}")
        by_id[service.id] = service
        if include_examples or not service.example:
            services.append(service)
    if not services:
        raise CatalogueError("the catalogue has no services")
    kept = {s.id: s for s in services}
    by_situation = {sid: tuple(s for s in services if sid in s.situations) for sid in SITUATIONS}
    return Catalogue(
        services=tuple(services),
        organizations=MappingProxyType(organizations),
        _by_id=MappingProxyType(kept),
        _by_situation=MappingProxyType(by_situation),
    )


def _tables(value: object, where: str) -> list[dict[str, object]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CatalogueError(f"{where}: must be an array of tables")
    return value


def _text(raw: Mapping[str, object], field: str, where: str, required: bool = True) -> LocalizedText | None:
    ko, en = raw.get(f"{field}_ko"), raw.get(f"{field}_en")
    if ko is None and en is None and not required:
        return None
    if not isinstance(ko, str) or not ko.strip() or not isinstance(en, str) or not en.strip():
        raise CatalogueError(f"{where}: {field}_ko and {field}_en must both be non-empty strings")
    return LocalizedText(ko.strip(), en.strip())


def _ids(raw: Mapping[str, object], field: str, allowed: Iterable[str], where: str, required: bool) -> tuple[str, ...]:
    value = raw.get(field, [])
    allowed_set = set(allowed)
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed_set for v in value):
        raise CatalogueError(f"{where}: {field} must be a list of {sorted(allowed_set)}")
    if required and not value:
        raise CatalogueError(f"{where}: {field} must not be empty")
    return tuple(value)


def _url(raw: Mapping[str, object], where: str) -> str | None:
    url = raw.get("url")
    if url is None:
        return None
    if not isinstance(url, str) or not url.startswith("https://"):
        raise CatalogueError(f"{where}: url must start with https://")
    return url


def _organization(raw: dict[str, object], where: str) -> Organization:
    unknown = set(raw) - _ORG_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
    org_id = raw.get("id")
    if not isinstance(org_id, str) or not _ID.match(org_id):
        raise CatalogueError(f"{where}: id must match {_ID.pattern}")
    name = _text(raw, "name", where)
    assert name is not None
    return Organization(org_id, name, _url(raw, where))


def _service(raw: dict[str, object], where: str, organizations: Mapping[str, Organization]) -> Service:
    unknown = set(raw) - _SERVICE_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
    service_id = raw.get("id")
    if not isinstance(service_id, str) or not _ID.match(service_id):
        raise CatalogueError(f"{where}: id must match {_ID.pattern}")
    where = f"{where} ({service_id})"
    org_id = raw.get("organization_id")
    if org_id not in organizations:
        raise CatalogueError(f"{where}: organization_id {org_id!r} is not defined")
    texts = {f: _text(raw, f, where) for f in _TEXT_FIELDS}
    docs_ko, docs_en = raw.get("required_documents_ko", []), raw.get("required_documents_en", [])
    if (
        not isinstance(docs_ko, list)
        or not isinstance(docs_en, list)
        or len(docs_ko) != len(docs_en)
        or not all(isinstance(d, str) and d.strip() for d in [*docs_ko, *docs_en])
    ):
        raise CatalogueError(f"{where}: required_documents_ko/_en must be lists of the same length")
    rule_id = raw.get("eligibility_rule")
    if not isinstance(rule_id, str) or rule_id not in RULES:
        raise CatalogueError(f"{where}: eligibility_rule {rule_id!r} is not a known rule: {sorted(RULES)}")
    params = raw.get("eligibility_params", {})
    if not isinstance(params, dict):
        raise CatalogueError(f"{where}: eligibility_params must be a table")
    options = RULES[rule_id].options
    for key, value in params.items():
        expected = options.get(key)
        if expected is None or not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise CatalogueError(f"{where}: eligibility_params.{key} is not allowed for {rule_id} ({dict(options)})")
    situations_any = params.get("situations_any", [])
    if not all(isinstance(s, str) and s in SITUATIONS for s in situations_any):  # type: ignore[union-attr]
        raise CatalogueError(f"{where}: eligibility_params.situations_any has unknown situation ids")
    last_checked = raw.get("last_checked")
    if isinstance(last_checked, dt.datetime) or not isinstance(last_checked, dt.date):
        raise CatalogueError(f"{where}: last_checked must be a TOML date")
    source = raw.get("source")
    legal_basis = raw.get("legal_basis", "")
    if not isinstance(source, str) or not source.strip() or not isinstance(legal_basis, str):
        raise CatalogueError(f"{where}: source (non-empty) and legal_basis must be strings")
    example = raw.get("example", False)
    if not isinstance(example, bool):
        raise CatalogueError(f"{where}: example must be true or false")
    contacts = tuple(_contact(c, f"{where}: contacts[{i}]") for i, c in enumerate(_tables(raw.get("contacts", []), f"{where}: contacts")))
    if not contacts:
        raise CatalogueError(f"{where}: at least one contact (129, the 읍면동, the provider) is required")
    return Service(
        id=service_id,
        organization_id=str(org_id),
        name=texts["name"],  # type: ignore[arg-type]
        description=texts["description"],  # type: ignore[arg-type]
        eligibility_description=texts["eligibility_description"],  # type: ignore[arg-type]
        benefit_description=texts["benefit_description"],  # type: ignore[arg-type]
        application_process=texts["application_process"],  # type: ignore[arg-type]
        required_documents=tuple(LocalizedText(k.strip(), e.strip()) for k, e in zip(docs_ko, docs_en)),
        contacts=contacts,
        url=_url(raw, where),
        life_stages=_ids(raw, "life_stages", LIFE_STAGES, where, required=True),
        household_situations=_ids(raw, "household_situations", HOUSEHOLD_SITUATIONS, where, required=False),
        topics=_ids(raw, "topics", TOPICS, where, required=True),
        situations=_ids(raw, "situations", SITUATIONS, where, required=False),
        eligibility_rule=rule_id,
        eligibility_params=MappingProxyType(dict(params)),
        legal_basis=legal_basis,
        source=source.strip(),
        last_checked=last_checked,
        example=example,
        service_area=_text(raw, "service_area", where, required=False),
        origin=where,
    )


def _contact(raw: dict[str, object], where: str) -> Contact:
    unknown = set(raw) - _CONTACT_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
    name = _text(raw, "name", where)
    assert name is not None
    phone = raw.get("phone")
    if phone is not None and (not isinstance(phone, str) or not re.fullmatch(r"[0-9-]{3,20}", phone)):
        raise CatalogueError(f"{where}: phone must be digits and dashes")
    return Contact(name=name, phone=phone, address=_text(raw, "address", where, required=False))
