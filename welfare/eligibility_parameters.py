"""Dated eligibility parameters (기준 중위소득, ratios, ages, limits) loaded from TOML.

Each figure lives in ``welfare/data/parameters/*.toml`` with its legal source, the date it
takes effect and whether we could verify it (conventions at the top of median_income.toml).
:func:`load_parameters` reads them all and builds, once, one :class:`ParameterSet` per date
on which anything changes, with every threshold the rules need precomputed, so screening a
household only looks values up.
"""
from __future__ import annotations

import bisect
import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

DEFAULT_PARAMETERS_DIR = Path(__file__).resolve().parent / "data" / "parameters"

# The notice publishes sizes 1..7; bigger households are derived (see median_income).
PUBLISHED_HOUSEHOLD_SIZES = 7
# Largest household the finder accepts; thresholds are precomputed up to it.
MAX_HOUSEHOLD_SIZE = 30

UNITS: frozenset[str] = frozenset(
    {
        "won",
        "won_per_month",
        "won_per_year",
        "won_per_month_per_child",
        "won_per_month_by_household_size",
        "percent_of_median",
        "percent_per_year",
        "per_10000_per_month",
        "years",
    }
)
_BY_SIZE_UNITS = frozenset({"won_per_month_by_household_size"})
_ALLOWED_KEYS = frozenset(
    {
        "name",
        "unit",
        "value",
        "values",
        "effective_from",
        "effective_until",
        "review_by",
        "legal_basis",
        "sources",
        "verified",
        "proxy",
        "note",
    }
)
MEDIAN_INCOME = "median_income"


class ParameterError(ValueError):
    """A parameter file is malformed; the message names the file and the entry."""


class NoParametersInForce(LookupError):
    """No parameter set covers the requested date."""


class ParameterMissing(KeyError):
    """A rule asked for a parameter that is not in force on the screening date."""


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    unit: str
    value: int | tuple[int, ...]
    effective_from: dt.date
    effective_until: dt.date | None
    review_by: dt.date | None
    legal_basis: str
    sources: tuple[str, ...]
    verified: bool
    proxy: bool
    note: str
    origin: str

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_until is None or on <= self.effective_until)


def round_half_up_percent(amount: int, percent: int) -> int:
    """amount × percent / 100, rounded half up to the won (as the published tables are)."""
    return (amount * percent + 50) // 100


def extend_median(published: tuple[int, ...], size: int) -> int:
    """기준 중위소득 for any household size: beyond 7, add the 6→7 difference per member."""
    if size < 1:
        raise ValueError("household size must be at least 1")
    if size <= len(published):
        return published[size - 1]
    step = published[-1] - published[-2]
    return published[-1] + step * (size - len(published))


@dataclass(frozen=True, slots=True)
class ParameterSet:
    """Every parameter in force from ``valid_from`` (inclusive) to ``valid_until`` (inclusive)."""

    valid_from: dt.date
    valid_until: dt.date | None
    parameters: Mapping[str, Parameter]
    _medians: tuple[int, ...] = field(repr=False)
    _thresholds: Mapping[str, tuple[int, ...]] = field(repr=False)
    review_by: dt.date | None = None

    def get(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise ParameterMissing(f"parameter {name!r} is not in force from {self.valid_from}") from None

    def value(self, name: str) -> int:
        found = self.get(name).value
        if isinstance(found, tuple):
            raise ParameterError(f"parameter {name!r} is a table, not a single value")
        return found

    def values(self, name: str) -> tuple[int, ...]:
        found = self.get(name).value
        if not isinstance(found, tuple):
            raise ParameterError(f"parameter {name!r} is a single value, not a table")
        return found

    def verified(self, name: str) -> bool:
        return self.get(name).verified

    def median_income(self, size: int) -> int:
        if not self._medians:
            raise ParameterMissing(f"{MEDIAN_INCOME!r} is not in force from {self.valid_from}")
        if size <= MAX_HOUSEHOLD_SIZE:
            return self._medians[size - 1]
        return extend_median(self.values(MEDIAN_INCOME), size)

    def threshold(self, percent_name: str, size: int) -> int:
        """The monthly threshold of a ``percent_of_median`` parameter for a household size."""
        table = self._thresholds.get(percent_name)
        if table is None:
            raise ParameterMissing(f"parameter {percent_name!r} is not in force from {self.valid_from}")
        if size <= MAX_HOUSEHOLD_SIZE:
            return table[size - 1]
        return round_half_up_percent(self.median_income(size), self.value(percent_name))


@dataclass(frozen=True, slots=True)
class ParameterHistory:
    """All dated parameter sets, oldest first; :meth:`in_force` picks the one for a date."""

    sets: tuple[ParameterSet, ...]
    _starts: tuple[dt.date, ...] = field(repr=False)

    def in_force(self, on: dt.date) -> ParameterSet:
        if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
            raise TypeError("on must be a datetime.date")
        index = bisect.bisect_right(self._starts, on) - 1
        if index < 0:
            raise NoParametersInForce(f"no parameters in force on {on}; the earliest start is {self._starts[0]}")
        found = self.sets[index]
        if found.valid_until is not None and on > found.valid_until:
            raise NoParametersInForce(f"no parameters in force on {on}")
        return found

    @property
    def first_date(self) -> dt.date:
        return self._starts[0]


def load_parameters(paths: Iterable[str | Path] | None = None) -> ParameterHistory:
    """Read every ``*.toml`` in the given files or directories (default: the bundled ones)."""
    files = _collect_files([DEFAULT_PARAMETERS_DIR] if paths is None else paths)
    entries: list[Parameter] = []
    for path in files:
        with path.open("rb") as fh:
            try:
                document = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ParameterError(f"{path}: not valid TOML: {exc}") from exc
        unknown = set(document) - {"parameter"}
        if unknown:
            raise ParameterError(f"{path}: unknown top-level keys {sorted(unknown)}")
        raw_list = document.get("parameter", [])
        if not isinstance(raw_list, list):
            raise ParameterError(f"{path}: 'parameter' must be an array of tables")
        for position, raw in enumerate(raw_list):
            entries.append(_parse_entry(raw, f"{path.name}[{position}]"))
    if not entries:
        raise ParameterError("no parameters found")
    _check_duplicates(entries)
    return _build_history(entries)


def _collect_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
        elif path.is_file():
            files.append(path)
        else:
            raise ParameterError(f"{path}: no such file or directory")
    return files


def _parse_entry(raw: object, where: str) -> Parameter:
    if not isinstance(raw, dict):
        raise ParameterError(f"{where}: each parameter must be a table")
    unknown = set(raw) - _ALLOWED_KEYS
    if unknown:
        raise ParameterError(f"{where}: unknown keys {sorted(unknown)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise ParameterError(f"{where}: 'name' must be a non-empty string")
    where = f"{where} ({name})"
    unit = raw.get("unit")
    if unit not in UNITS:
        raise ParameterError(f"{where}: unit {unit!r} is not one of {sorted(UNITS)}")
    value = _parse_value(raw, unit, where)
    effective_from = _date(raw.get("effective_from"), where, "effective_from", required=True)
    assert effective_from is not None
    effective_until = _date(raw.get("effective_until"), where, "effective_until")
    if effective_until is not None and effective_until < effective_from:
        raise ParameterError(f"{where}: effective_until is before effective_from")
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) and s for s in sources):
        raise ParameterError(f"{where}: 'sources' must be a non-empty list of strings")
    legal_basis = raw.get("legal_basis")
    if not isinstance(legal_basis, str) or not legal_basis:
        raise ParameterError(f"{where}: 'legal_basis' is required")
    verified = raw.get("verified")
    if not isinstance(verified, bool):
        raise ParameterError(f"{where}: 'verified' must be true or false")
    note = raw.get("note", "")
    if not isinstance(note, str) or (not verified and not note):
        raise ParameterError(f"{where}: an unverified figure needs a 'note' saying what is missing")
    proxy = raw.get("proxy", False)
    if not isinstance(proxy, bool):
        raise ParameterError(f"{where}: 'proxy' must be true or false")
    return Parameter(
        name=name,
        unit=unit,
        value=value,
        effective_from=effective_from,
        effective_until=effective_until,
        review_by=_date(raw.get("review_by"), where, "review_by"),
        legal_basis=legal_basis,
        sources=tuple(sources),
        verified=verified,
        proxy=proxy,
        note=note,
        origin=where,
    )


def _parse_value(raw: dict[str, object], unit: str, where: str) -> int | tuple[int, ...]:
    has_value, has_values = "value" in raw, "values" in raw
    if has_value == has_values:
        raise ParameterError(f"{where}: give exactly one of 'value' or 'values'")
    if unit in _BY_SIZE_UNITS:
        values = raw.get("values")
        if not isinstance(values, list) or len(values) != PUBLISHED_HOUSEHOLD_SIZES:
            raise ParameterError(f"{where}: 'values' must list household sizes 1..{PUBLISHED_HOUSEHOLD_SIZES}")
        if not all(_is_amount(v) and v > 0 for v in values):
            raise ParameterError(f"{where}: 'values' must be positive integers")
        if any(b <= a for a, b in zip(values, values[1:])):
            raise ParameterError(f"{where}: 'values' must grow with household size")
        return tuple(values)  # type: ignore[arg-type]
    value = raw.get("value")
    if not _is_amount(value):
        raise ParameterError(f"{where}: 'value' must be a non-negative integer")
    assert isinstance(value, int)
    if unit == "percent_of_median" and not 1 <= value <= 300:
        raise ParameterError(f"{where}: a percent of the median must be between 1 and 300")
    return value


def _is_amount(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _date(value: object, where: str, key: str, required: bool = False) -> dt.date | None:
    if value is None and not required:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ParameterError(f"{where}: {key!r} must be a TOML date (YYYY-MM-DD)")
    return value


def _check_duplicates(entries: list[Parameter]) -> None:
    seen: dict[tuple[str, dt.date], str] = {}
    for entry in entries:
        key = (entry.name, entry.effective_from)
        if key in seen:
            raise ParameterError(f"{entry.origin}: same name and effective_from as {seen[key]}")
        seen[key] = entry.origin


def _build_history(entries: list[Parameter]) -> ParameterHistory:
    change_points: set[dt.date] = set()
    for entry in entries:
        change_points.add(entry.effective_from)
        if entry.effective_until is not None:
            change_points.add(entry.effective_until + dt.timedelta(days=1))
    starts = sorted(change_points)
    by_name: dict[str, list[Parameter]] = {}
    for entry in entries:
        by_name.setdefault(entry.name, []).append(entry)
    for versions in by_name.values():
        versions.sort(key=lambda p: p.effective_from)
    sets: list[ParameterSet] = []
    for index, start in enumerate(starts):
        until = starts[index + 1] - dt.timedelta(days=1) if index + 1 < len(starts) else None
        in_force: dict[str, Parameter] = {}
        for name, versions in by_name.items():
            current = [p for p in versions if p.effective_from <= start]
            if current and current[-1].in_force(start):
                in_force[name] = current[-1]
        sets.append(_build_set(start, until, in_force))
    return ParameterHistory(sets=tuple(sets), _starts=tuple(starts))


def _build_set(start: dt.date, until: dt.date | None, in_force: dict[str, Parameter]) -> ParameterSet:
    # Precompute every threshold the rules can ask for, for every accepted household size,
    # so that screening is lookups only.
    medians: tuple[int, ...] = ()
    thresholds: dict[str, tuple[int, ...]] = {}
    median = in_force.get(MEDIAN_INCOME)
    if median is not None and isinstance(median.value, tuple):
        medians = tuple(extend_median(median.value, n) for n in range(1, MAX_HOUSEHOLD_SIZE + 1))
        for name, parameter in in_force.items():
            if parameter.unit == "percent_of_median" and isinstance(parameter.value, int):
                pct = parameter.value
                thresholds[name] = tuple(round_half_up_percent(m, pct) for m in medians)
    reviews = [p.review_by for p in in_force.values() if p.review_by is not None]
    return ParameterSet(
        valid_from=start,
        valid_until=until,
        parameters=MappingProxyType(in_force),
        _medians=medians,
        _thresholds=MappingProxyType(thresholds),
        review_by=min(reviews) if reviews else None,
    )
