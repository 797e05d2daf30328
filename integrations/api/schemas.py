"""The back-office API's request and response shapes (they make its OpenAPI document)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class ReportSummary(BaseModel):
    """What lists show: no name, phone, address or free text."""

    receipt_no: str
    dong_code: str
    status: str
    urgent: bool
    same_day_visit: bool = False  # the reporter asked for a check on the person today
    listen_same_day: bool = False  # described only by a recording: the team listens to it today
    situations: list[str]
    household: str | None
    age_band: str | None
    reporter_type: str
    created_at: datetime
    possible_duplicate_of: int | None
    case_id: int | None = None


class ReportDetail(ReportSummary):
    """The full intake record; every read is written to the audit log."""

    gender: str | None
    household_size: int | None
    description: str
    address: str | None
    location: list[float] | None
    contact_mode: str
    phone: str | None
    consent_version: str
    consent_at: datetime
    has_photo: bool
    has_voice: bool = False  # a spoken description (voice or video note) is kept with the record
    voice_seconds: int | None = None
    reporter_locale: str | None = None  # the reporter's language (ko, en, vi, zh_Hans); None before it was kept
    status_history: list[dict[str, Any]]


class DeadlineOut(BaseModel):
    clock: str
    due: date
    kind: str
    open: bool
    overdue: bool


class CaseSummary(BaseModel):
    id: int
    receipt_no: str
    dong_code: str
    step: str
    manager_member_id: int | None
    urgent: bool
    same_day_visit: bool = False
    listen_same_day: bool = False
    hard_case: bool
    version: int
    manager_designated: bool = Field(default=False, description="the team leader designated the 주사례관리자 "
                                                                  "(L8576–8578); until then the survey waits")
    next_due: date | None
    overdue: bool


class CaseDetail(CaseSummary):
    state: dict[str, Any]
    facts: dict[str, Any]
    deadlines: list[DeadlineOut]
    allowed_actions: list[str]
    history: list[dict[str, Any]]
    followups: list[dict[str, Any]]


class TakeRequest(BaseModel):
    manager_member_id: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                          description="team leaders may assign someone else")


class ActionRequest(BaseModel):
    action: str = Field(description="a CaseAction value, e.g. accept_intake, approve_closure")
    on_date: date | None = Field(default=None, description="the day it counts for (default: today in Korea)")
    facts: dict[str, Any] = Field(default_factory=dict, description="consents, reasons (CaseFacts fields)")
    expected_version: int | None = Field(default=None, description="refuse if the case changed meanwhile")


class FactRequest(BaseModel):
    fact: str = Field(description="personal_data_consent, service_use_consent, crisis_resurveyed or "
                                  "short_term_reason_recorded")
    value: bool
    expected_version: int | None = Field(default=None, description="refuse if the case changed meanwhile")


class FollowupRequest(BaseModel):
    submission: dict[str, Any] = Field(description="checklist answers (template version 1), as the bot sends")


class VoidRequest(BaseModel):
    reason: str = Field(min_length=2, max_length=500)


class RefusalOut(BaseModel):
    detail: str
    message: str
