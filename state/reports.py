"""Intake records (위기가구 신고): filing, the reporter's view of the status, duplicates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.crypto import FieldCipher
from state.merged_lists import merged_by_dong
from state.models import PhotoRow, Report, ReportStatusChange, priority_first
from welfare.crisis_report import CrisisReport, SpokenNote
from welfare.receipt import new_receipt_no

T = Report.__table__
H = ReportStatusChange.__table__
P = PhotoRow.__table__

# What a reporter may see: the stage only (접수됨 → 확인 중 → 상담·지원 연계 → 종결).
REPORTER_STAGES = ("received", "checking", "linked", "closed")
DUPLICATE_WINDOW = timedelta(days=14)
CELL_DEGREES = 0.003  # about 300 m in Korea: near enough to be "the same household, maybe"


@dataclass(frozen=True, slots=True)
class FiledReport:
    id: int
    receipt_no: str
    dong_code: str
    urgent: bool
    possible_duplicate_of: int | None
    same_day_visit: bool = False
    listen_same_day: bool = False  # described only by a recording (dialogs/report_voice.py)


def area_cell(location: list[float] | None) -> str | None:
    if not location:
        return None
    lat, lon = location
    return f"{round(lat / CELL_DEGREES)}:{round(lon / CELL_DEGREES)}"


def reporter_key(cipher: FieldCipher, channel: str, chat_id: str) -> str:
    """Who filed it, as a keyed hash: enough to answer "is this their report?", nothing more."""
    return cipher.lookup_hash(f"reporter:{channel}:{chat_id}")


def reporter_keys(cipher: FieldCipher, channel: str, chat_id: str) -> list[str]:
    """The same under every configured key (reports filed before a key rotation)."""
    return cipher.lookup_hashes(f"reporter:{channel}:{chat_id}")


async def file_report(conn: AsyncConnection, cipher: FieldCipher, *, channel: str, chat_id: str,
                      member_id: int | None, report: CrisisReport, now: datetime) -> FiledReport:
    receipt_no = await _unused_receipt_no(conn)
    location = list(report.location) if report.location else None
    cell = area_cell(location)
    duplicate_of = await _possible_duplicate(conn, report, cell, now)
    phone = report.phone
    values = {
        "receipt_no": receipt_no, "channel": channel,
        "reporter_chat_hash": reporter_key(cipher, channel, chat_id), "reporter_member_id": member_id,
        "reporter_kind": report.reporter_kind, "reporter_type": report.reporter_type,
        "mandatory_category": report.mandatory_category, "situations": list(report.situations),
        "urgent": report.urgent, "same_day_visit": report.same_day_visit,
        "listen_same_day": report.listen_same_day,
        "household": report.household, "household_size": report.household_size,
        "age_band": report.age_band, "gender": report.gender, "dong_code": report.dong_code,
        "reporter_locale": report.reporter_locale,
        "area_cell": cell,
        "location_enc": cipher.encrypt(orjson.dumps(location).decode(), "reports.location") if location else None,
        "address_enc": cipher.encrypt(report.address, "reports.address"),
        "description_enc": cipher.encrypt(report.description, "reports.description"),
        "contact_mode": report.contact,
        "phone_enc": cipher.encrypt(phone, "reports.phone"),
        "phone_hash": cipher.lookup_hash(f"phone:{phone}") if phone else None,
        "reporter_chat_enc": cipher.encrypt(f"{channel}:{chat_id}", "reports.reporter_chat")
        if report.contact != "anonymous" else None,
        "consent_version": report.consent_version, "consent_at": report.consent_at,
        "status": "received", "possible_duplicate_of": duplicate_of, "created_at": now,
    }
    report_id = (await conn.execute(insert(T).returning(T.c.id), [values])).scalar_one()
    await conn.execute(insert(H).values(report_id=report_id, status="received", at=now))
    if report.photo:
        await conn.execute(insert(P).values(report_id=report_id, source_ref=report.photo, kind="photo"))
    if report.voice:
        await conn.execute(insert(P).values(report_id=report_id, source_ref=report.voice.ref, kind=report.voice.kind,
                                            duration=report.voice.duration))
    return FiledReport(report_id, receipt_no, report.dong_code, report.urgent, duplicate_of, report.same_day_visit,
                       report.listen_same_day)


async def _unused_receipt_no(conn: AsyncConnection) -> str:
    while True:  # 387 million numbers: a second try is already rare
        candidate = new_receipt_no()
        if (await conn.execute(select(T.c.id).where(T.c.receipt_no == candidate))).first() is None:
            return candidate


async def _possible_duplicate(conn: AsyncConnection, report: CrisisReport, cell: str | None,
                              now: datetime) -> int | None:
    """A recent report in the same 읍면동 about what looks like the same household: the same
    ~300 m cell if both were pinned, otherwise the same household type and age band with a
    crisis sign in common. Staff confirm; nothing is dropped."""
    rows = await conn.execute(
        select(T.c.id, T.c.area_cell, T.c.household, T.c.age_band, T.c.situations)
        .where(T.c.dong_code == report.dong_code, T.c.created_at >= now - DUPLICATE_WINDOW)
        .order_by(T.c.id))
    signs = set(report.situations)
    for rid, other_cell, household, age_band, situations in rows:
        if cell and other_cell:
            if cell == other_cell:
                return rid
            continue
        if (report.household and household == report.household
                and age_band == report.age_band and signs & set(situations or ())):
            return rid
    return None


@dataclass(frozen=True, slots=True)
class ReporterView:
    receipt_no: str
    stage: str
    filed_at: datetime
    changed_at: datetime


async def status_for_reporter(conn: AsyncConnection, cipher: FieldCipher, receipt_no: str, channel: str,
                              chat_id: str) -> ReporterView | None:
    """The stage of a report, only for the chat that filed it (None for anyone else, the same
    answer as for a receipt that does not exist, so receipts cannot be probed)."""
    row = (await conn.execute(select(T.c.id, T.c.receipt_no, T.c.status, T.c.created_at)
                              .where(T.c.receipt_no == receipt_no,
                                     T.c.reporter_chat_hash.in_(reporter_keys(cipher, channel, chat_id))))).first()
    if row is None:
        return None
    return await _view(conn, row)


async def reports_of_reporter(conn: AsyncConnection, cipher: FieldCipher, channel: str, chat_id: str,
                              limit: int = 10) -> list[ReporterView]:
    rows = await conn.execute(select(T.c.id, T.c.receipt_no, T.c.status, T.c.created_at)
                              .where(T.c.reporter_chat_hash.in_(reporter_keys(cipher, channel, chat_id)))
                              .order_by(T.c.id.desc()).limit(limit))
    return [await _view(conn, r) for r in rows.all()]


async def _view(conn: AsyncConnection, row: Any) -> ReporterView:
    changed = (await conn.execute(select(func.max(H.c.at)).where(H.c.report_id == row.id))).scalar_one()
    return ReporterView(row.receipt_no, row.status, row.created_at, changed or row.created_at)


async def set_status(conn: AsyncConnection, report_id: int, status: str, now: datetime,
                     by_member_id: int | None = None) -> bool:
    if status not in REPORTER_STAGES:
        raise ValueError(f"unknown report status {status!r}")
    result = await conn.execute(update(T).where(T.c.id == report_id, T.c.status != status).values(status=status))
    if result.rowcount:
        await conn.execute(insert(H).values(report_id=report_id, status=status, at=now, by_member_id=by_member_id))
    return bool(result.rowcount)


async def count_recent_by_reporter(conn: AsyncConnection, cipher: FieldCipher, channel: str, chat_id: str,
                                   since: datetime) -> int:
    return (await conn.execute(select(func.count()).select_from(T).where(
        T.c.reporter_chat_hash.in_(reporter_keys(cipher, channel, chat_id)), T.c.created_at >= since))).scalar_one()


async def withdraw_consent(conn: AsyncConnection, cipher: FieldCipher, receipt_no: str, channel: str, chat_id: str,
                           now: datetime) -> str | None:
    """The reporter withdraws consent. Returns "erased" (no case yet: the whole report is
    anonymised and closed), "contact_removed" (a case is open: the 읍면동 keeps what it needs
    for the household under its own consent; the reporter's contact and chat link are dropped
    and they are not contacted again), or None if this chat did not file that receipt."""
    from state.models import Case
    row = (await conn.execute(select(T.c.id, T.c.consent_withdrawn_at).where(
        T.c.receipt_no == receipt_no, T.c.reporter_chat_hash.in_(reporter_keys(cipher, channel, chat_id))))).first()
    if row is None:
        return None
    has_case = (await conn.execute(select(Case.id).where(Case.report_id == row.id))).first() is not None
    values: dict[str, Any] = {"phone_enc": None, "phone_hash": None, "reporter_chat_enc": None,
                              "contact_mode": "anonymous", "consent_withdrawn_at": now}
    if not has_case:
        values |= {"description_enc": cipher.encrypt("", "reports.description"), "address_enc": None,
                   "location_enc": None, "area_cell": None, "anonymised_at": now}
        await conn.execute(P.delete().where(P.c.report_id == row.id))
    else:  # a recording is the reporter's own voice: it identifies them like their contact does
        await conn.execute(P.delete().where(P.c.report_id == row.id, P.c.kind != "photo"))
    await conn.execute(update(T).where(T.c.id == row.id).values(**values))
    if not has_case:
        await set_status(conn, row.id, "closed", now)
    return "contact_removed" if has_case else "erased"


@dataclass(frozen=True)
class FullRecord:
    """A report with its sensitive fields decrypted: for the staff who may read it (the read is
    audited by the caller), never for logs or group chats."""

    id: int
    receipt_no: str
    dong_code: str
    status: str
    urgent: bool
    situations: list[str]
    household: str | None
    household_size: int | None
    age_band: str | None
    gender: str | None
    reporter_type: str
    reporter_kind: str
    created_at: datetime
    possible_duplicate_of: int | None
    description: str
    address: str | None
    location: list[float] | None
    contact_mode: str
    phone: str | None
    consent_version: str
    consent_at: datetime
    has_photo: bool
    same_day_visit: bool = False
    reporter_locale: str | None = None  # the language the report was made in
    listen_same_day: bool = False
    voice: SpokenNote | None = None  # a recorded description (its file id, for the caseworker's chat)


async def read_full(conn: AsyncConnection, cipher: FieldCipher, report_id: int) -> FullRecord | None:
    row = (await conn.execute(select(T).where(T.c.id == report_id))).mappings().first()
    if row is None:
        return None
    has_photo = (await conn.execute(select(P.c.id).where(P.c.report_id == report_id, P.c.kind == "photo"))
                 ).first() is not None
    spoken = (await conn.execute(select(P.c.source_ref, P.c.kind, P.c.duration)
                                 .where(P.c.report_id == report_id, P.c.kind != "photo").order_by(P.c.id))).first()
    location = cipher.decrypt(row["location_enc"], "reports.location")
    return FullRecord(
        id=row["id"], receipt_no=row["receipt_no"], dong_code=row["dong_code"], status=row["status"],
        urgent=bool(row["urgent"]), situations=list(row["situations"] or []), household=row["household"],
        household_size=row["household_size"], age_band=row["age_band"], gender=row["gender"],
        reporter_type=row["reporter_type"], reporter_kind=row["reporter_kind"], created_at=row["created_at"],
        possible_duplicate_of=row["possible_duplicate_of"],
        description=cipher.decrypt(row["description_enc"], "reports.description") or "",
        address=cipher.decrypt(row["address_enc"], "reports.address"),
        location=orjson.loads(location) if location else None, contact_mode=row["contact_mode"],
        phone=cipher.decrypt(row["phone_enc"], "reports.phone"), consent_version=row["consent_version"],
        consent_at=row["consent_at"], has_photo=has_photo, same_day_visit=bool(row["same_day_visit"]),
        reporter_locale=row["reporter_locale"], listen_same_day=bool(row["listen_same_day"]),
        voice=SpokenNote(spoken.source_ref, spoken.kind, spoken.duration) if spoken else None)


async def signs_and_size(conn: AsyncConnection, report_id: int) -> tuple[list[str], int | None]:
    """What casework needs of a report without decrypting anything: its signs and household size."""
    row = (await conn.execute(select(T.c.situations, T.c.household_size).where(T.c.id == report_id))).one()
    return list(row.situations or []), row.household_size


async def status_history(conn: AsyncConnection, report_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(H).where(H.c.report_id == report_id).order_by(H.c.id))
    return [{"status": h.status, "at": h.at.isoformat(), "by": h.by_member_id} for h in rows]


async def list_in_dongs(conn: AsyncConnection, dong_codes: list[str], *, status: str | None = None,
                        urgent: bool | None = None, limit: int = 100) -> list[Any]:
    """Report rows of these 읍면동: urgent ones (and same-day visits) first, then newest first
    (callers show only their non-personal columns). Each 읍면동 is read in that order from
    ix_reports_dong_priority, or ix_reports_dong_status_priority with a status (migrations 0012,
    0015), and several are merged (state/merged_lists.py)."""
    query = select(T, priority_first(T).label("priority"))
    if status:
        query = query.where(T.c.status == status)
    if urgent is not None:
        query = query.where(T.c.urgent.is_(urgent))
    return list((await conn.execute(merged_by_dong(conn, query, T.c.dong_code, dong_codes, ("priority", "id"),
                                                   limit))).all())


async def by_receipt(conn: AsyncConnection, receipt_no: str) -> Any | None:
    return (await conn.execute(select(T).where(T.c.receipt_no == receipt_no))).first()


async def photos_to_fetch(conn: AsyncConnection, limit: int = 10) -> list[tuple[int, str]]:
    rows = await conn.execute(select(P.c.id, P.c.source_ref).where(P.c.fetched_at.is_(None), P.c.kind == "photo")
                              .order_by(P.c.id).limit(limit))
    return [(photo_id, ref) for photo_id, ref in rows]


async def recordings_to_fetch(conn: AsyncConnection, limit: int = 10) -> list[tuple[int, str, str]]:
    """(row id, file id, kind) of spoken descriptions not stored yet."""
    rows = await conn.execute(select(P.c.id, P.c.source_ref, P.c.kind)
                              .where(P.c.fetched_at.is_(None), P.c.kind != "photo").order_by(P.c.id).limit(limit))
    return [(row_id, ref, kind) for row_id, ref, kind in rows]


async def store_photo(conn: AsyncConnection, photo_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(P).where(P.c.id == photo_id).values(**values))


async def reporter_chat(conn: AsyncConnection, cipher: FieldCipher, report_id: int) -> tuple[str, str] | None:
    """(channel, chat id) of a reporter who left a way back (not an anonymous report)."""
    stored = (await conn.execute(select(T.c.reporter_chat_enc).where(T.c.id == report_id))).scalar_one_or_none()
    plain = cipher.decrypt(stored, "reports.reporter_chat") if stored else None
    if not plain or ":" not in plain:
        return None
    channel, chat_id = plain.split(":", 1)
    return channel, chat_id
