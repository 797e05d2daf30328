"""The 읍면동 directory (시군구 → 읍면동): where a report is routed.

Pure data: loaded from the store (or a CSV) by the callers, queried here.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Dong:
    """One 읍면동 (eup/myeon/dong) with its outreach team (찾아가는 보건복지팀)."""

    code: str  # 행정기관코드, 10 digits
    name: str
    sigungu_code: str
    lat: float | None = None
    lon: float | None = None
    team_chat_id: int | None = None  # the team's Telegram group chat for PII-free alerts
    phone: str = ""
    region: str = ""  # 지역 구분 for 긴급복지지원: metropolitan / small_city / rural (see region_of)


@dataclass(frozen=True, slots=True)
class Sigungu:
    code: str
    name: str


class DirectoryError(ValueError):
    """A directory file that cannot be loaded; the message names the row."""


CSV_COLUMNS = ("sigungu_code", "sigungu_name", "dong_code", "dong_name", "lat", "lon", "team_chat_id", "phone", "region")
REGIONS = ("metropolitan", "small_city", "rural")  # 대도시 / 중소도시 / 농어촌


def region_of(sigungu_name: str) -> str:
    """The 지역 구분 of a 시군구 by its name: 특별시·광역시의 구 → 대도시; any 군 → 농어촌;
    the rest (도의 시, 세종특별자치시, 제주의 행정시) → 중소도시. A CSV ``region`` overrides it."""
    words = sigungu_name.split()
    if words and words[-1].endswith("군"):
        return "rural"
    if len(words) >= 2 and words[0].endswith(("특별시", "광역시")) and words[-1].endswith("구"):
        return "metropolitan"
    return "small_city"


@dataclass(frozen=True)
class Directory:
    sigungus: tuple[Sigungu, ...] = ()
    dongs: tuple[Dong, ...] = ()
    _by_code: dict[str, Dong] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, sigungus: list[Sigungu], dongs: list[Dong]) -> Directory:
        ordered = sorted(dongs, key=lambda d: (d.sigungu_code, d.code))
        return cls(tuple(sorted(sigungus, key=lambda s: s.code)), tuple(ordered), {d.code: d for d in ordered})

    def dong(self, code: str) -> Dong | None:
        return self._by_code.get(code)

    def with_team_chat_moved(self, old_chat_id: int, new_chat_id: int) -> Directory:
        """The directory after a team's Telegram group got a new id (it became a supergroup)."""
        dongs = [replace(d, team_chat_id=new_chat_id) if d.team_chat_id == old_chat_id else d for d in self.dongs]
        return Directory.build(list(self.sigungus), dongs)

    def sigungu(self, code: str) -> Sigungu | None:
        return next((s for s in self.sigungus if s.code == code), None)

    def dongs_of(self, sigungu_code: str) -> list[Dong]:
        return [d for d in self.dongs if d.sigungu_code == sigungu_code]

    def known_region(self, dong_code: str | None = None) -> str | None:
        """The 지역 구분 where a person is: their 읍면동's, or the one every 읍면동 of the
        directory shares (a 시군구's own service); None when it could be more than one."""
        dong = self.dong(dong_code or "")
        if dong is not None:
            return dong.region or None
        found = {d.region for d in self.dongs}
        return found.pop() if len(found) == 1 and "" not in found else None

    def nearest_dong(self, lat: float, lon: float, max_km: float = 5.0) -> Dong | None:
        """The 읍면동 whose centre is nearest to a location pin, if one lies within max_km.

        Centres, not boundaries: good enough to route a report; staff can re-route it.
        """
        best: tuple[float, Dong] | None = None
        for dong in self.dongs:
            if dong.lat is None or dong.lon is None:
                continue
            km = haversine_km(lat, lon, dong.lat, dong.lon)
            if best is None or km < best[0]:
                best = (km, dong)
        return best[1] if best and best[0] <= max_km else None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def parse_directory_csv(text: str) -> tuple[list[Sigungu], list[Dong]]:
    """Parse the directory CSV (docs/directory.md). Raises DirectoryError naming the bad row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        raise DirectoryError(f"missing columns: {', '.join(missing)}")
    sigungus: dict[str, Sigungu] = {}
    dongs: list[Dong] = []
    for line_no, row in enumerate(reader, start=2):
        try:
            code = (row["dong_code"] or "").strip()
            if not code.isdigit():
                raise ValueError("dong_code must be digits")
            lat = _optional_float(row.get("lat"))
            lon = _optional_float(row.get("lon"))
            if (lat is None) != (lon is None):
                raise ValueError("lat and lon go together")
            chat = (row.get("team_chat_id") or "").strip()
            sg_code = row["sigungu_code"].strip()
            sigungus[sg_code] = Sigungu(sg_code, row["sigungu_name"].strip())
            region = (row.get("region") or "").strip() or region_of(row["sigungu_name"].strip())
            if region not in REGIONS:
                raise ValueError(f"region must be one of {', '.join(REGIONS)}")
            dongs.append(Dong(code, row["dong_name"].strip(), sg_code, lat, lon,
                              int(chat) if chat else None, (row.get("phone") or "").strip(), region))
        except (ValueError, KeyError, AttributeError) as exc:
            raise DirectoryError(f"row {line_no}: {exc}") from None
    return list(sigungus.values()), dongs


def load_directory_csv(path: Path) -> Directory:
    return Directory.build(*parse_directory_csv(path.read_text(encoding="utf-8")))


def _optional_float(value: str | None) -> float | None:
    value = (value or "").strip()
    return float(value) if value else None
