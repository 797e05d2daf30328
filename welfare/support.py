"""The household support ledger (지원 이력) as the domain has it: the kinds of support, each
with its duplicate window; which earlier support a new one would duplicate; the check against
other national programmes before emergency support; and what identifies a household, which
the store only ever keeps as a keyed hash.

Duplicated in-kind help to older people is the field's best-documented waste (Goyang P8:
물품 28.8%, 후원품 23.8%, 김장 15%; 36.5% blame client information not being shared), so a giver
is warned *before* a second support of one kind inside its window, told only by which
organisation and in which month — never what or how much.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "support_kinds.toml"
AMOUNT_MAX = 60  # "10kg", "주 2회", "50,000원": a short note, not a story


@dataclass(frozen=True, slots=True)
class SupportKind:
    id: str
    ko: str  # the field's word, for staff documents and audit; what people read is the catalog
    en: str
    window_days: int  # 0: recurring support (도시락, 반찬), never a duplicate
    national_check: bool = False  # emergency support: other national programmes first (L10860–10864)

    @property
    def label_key(self) -> str:
        return f"support.kind.{self.id}"

    def window(self) -> timedelta | None:
        return timedelta(days=self.window_days) if self.window_days > 0 else None


@dataclass(frozen=True, slots=True)
class SupportKinds:
    kinds: tuple[SupportKind, ...]
    national_items: tuple[str, ...]
    override_reasons: tuple[str, ...]

    def get(self, kind_id: str) -> SupportKind | None:
        return next((k for k in self.kinds if k.id == kind_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.kinds)


class SupportDataError(ValueError):
    """The kinds file is malformed: the message says which entry and why."""


def parse_support_kinds(data: dict) -> SupportKinds:
    kinds: list[SupportKind] = []
    for n, raw in enumerate(data.get("kind", []), 1):
        try:
            kind = SupportKind(str(raw["id"]), str(raw["ko"]), str(raw["en"]), int(raw["window_days"]),
                               bool(raw.get("national_check", False)))
        except (KeyError, TypeError, ValueError) as exc:
            raise SupportDataError(f"support kind #{n}: {exc!r}") from None
        if not re.fullmatch(r"[a-z_]{2,24}", kind.id) or kind.window_days < 0:
            raise SupportDataError(f"support kind #{n}: id {kind.id!r} or window {kind.window_days} is not valid")
        if any(k.id == kind.id for k in kinds):
            raise SupportDataError(f"support kind {kind.id!r} appears twice")
        kinds.append(kind)
    if not kinds:
        raise SupportDataError("no support kinds")
    national = tuple(data.get("national_check", {}).get("items", ()))
    reasons = tuple(data.get("override", {}).get("reasons", ()))
    if not national or not reasons:
        raise SupportDataError("national_check.items and override.reasons must not be empty")
    return SupportKinds(tuple(kinds), national, reasons)


@lru_cache(maxsize=1)
def load_support_kinds() -> SupportKinds:
    with DATA_FILE.open("rb") as fh:
        return parse_support_kinds(tomllib.load(fh))


@dataclass(frozen=True, slots=True)
class Given:
    """An earlier support of the household as the duplicate check sees it: the entry, when, and
    who gave it (an organisation code, or a 읍면동 team)."""

    entry_id: int
    kind: str
    given_on: date
    giver: str


def duplicates(kind: SupportKind, on: date, earlier: list[Given]) -> list[Given]:
    """Earlier support of the same kind within the kind's window either side of `on` (a late
    entry for last month still meets this month's), newest first."""
    window = kind.window()
    if window is None:
        return []
    found = [g for g in earlier if g.kind == kind.id and abs(on - g.given_on) < window]
    return sorted(found, key=lambda g: (g.given_on, g.entry_id), reverse=True)


_NOT_IDENTIFYING = re.compile(r"[\s\-_.,·()\[\]#/]+")


def normalise_address(address: str) -> str:
    """One spelling per address: NFKC (full-width digits), lower case, no spaces or punctuation,
    so "명륜길 12, 2층" and "명륜길12 2층" are one household."""
    text = unicodedata.normalize("NFKC", address).casefold()
    return _NOT_IDENTIFYING.sub("", text)


def household_identity(*, address: str | None, case_id: int) -> str:
    """What identifies the household, to be hashed with the project's key and never stored in
    clear. Salpim keeps no names or birth dates (a neighbour's report rarely has them), so the
    address the case holds identifies the household across cases and organisations; a case
    without one is its own household."""
    normal = normalise_address(address) if address else ""
    return f"household:address:{normal}" if len(normal) >= 4 else f"household:case:{case_id}"
