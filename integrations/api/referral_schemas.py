"""Request and response shapes of the linkage API (organisations, consents, referrals)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class OrganisationOut(BaseModel):
    code: str
    name: str
    type: str
    sigungu_code: str
    area: list[str]
    needs: list[str]
    phone: str
    reply_days: int
    has_chat: bool


class ConsentRequest(BaseModel):
    """서식2: each of the four parts agreed or not, and the third parties named."""

    general_data: bool = Field(description="일반 개인정보 수집·이용")
    unique_identifiers: bool = Field(description="고유식별정보 수집·이용")
    sensitive_data: bool = Field(description="민감정보 수집·이용")
    third_party: bool = Field(description="제3자 제공")
    recipients: list[str] = Field(default_factory=list, max_length=50, description="organisation codes named")
    given_on: date | None = Field(default=None, description="the day it was signed (default: today in Korea)")


class ConsentOut(BaseModel):
    parts: dict[str, bool]
    recipients: list[str]
    given_on: date


class ReferRequest(BaseModel):
    """서식6 서비스 의뢰서: the receiving organisation, the need, what is asked for."""

    to_org: str = Field(min_length=1, max_length=24)
    need: str = Field(description="the need domain, e.g. mental_health")
    request: str = Field(default="", max_length=2000, description="main problem and the service requested")
    flags: list[str] = Field(default_factory=list, description="disabled, multicultural, north_korean_defector")
    is_change: bool = Field(default=False, description="서식6 변경 (not 신규)")


class ReplyRequest(BaseModel):
    action: str = Field(description="receive, accept, reject, start, complete, cancel, refer_onward")
    reason: str | None = Field(default=None, description="for reject: a RejectReason")
    outcome: str | None = Field(default=None, description="for complete: an Outcome")
    onward_to: str | None = Field(default=None, max_length=24, description="for refer_onward: the next organisation")
    request: str = Field(default="", max_length=2000)
    expected_version: int | None = None


class ReferralSummary(BaseModel):
    """No personal data: what lists show."""

    id: int
    case_id: int
    from_dong_code: str
    to_org_code: str
    state: str
    need: str
    sent_at: datetime
    due_on: date
    overdue: bool
    age_days: int
    reject_reason: str | None
    outcome: str | None
    previous_id: int | None
    version: int


class ReferralDetail(ReferralSummary):
    receipt_no: str
    request: str
    household_type: str | None
    flags: list[str]
    is_change: bool
    shared: list[str]
    details: dict[str, Any]


class MovedOut(BaseModel):
    referral: ReferralSummary
    onward: ReferralSummary | None = None


class OpenByOrganisationOut(BaseModel):
    org_code: str
    open: int
    overdue: int
    oldest_days: int


class CoordinationOut(BaseModel):
    by_organisation: list[OpenByOrganisationOut]
    referrals: list[ReferralSummary]


class LeadRequest(BaseModel):
    org: str | None = Field(default=None, max_length=24, description="organisation code; null: the 읍면동 team")


class LeadOut(BaseModel):
    case_id: int
    lead_org: str | None


class TransferRequest(BaseModel):
    to_dong: str = Field(min_length=10, max_length=10, pattern=r"^[0-9]{10}$", description="the new 읍면동's code")


class TransferOut(BaseModel):
    case_id: int
    from_dong: str
    to_dong: str
    partners_told: list[str]


class CoManagerRequest(BaseModel):
    org: str = Field(min_length=1, max_length=24, description="the organisation's code")
    role_kind: str = Field(description="service, counselling, health, care, resources, monitoring, co_visit, other")
    role_text: str = Field(default="", max_length=200, description="the stated role in a line (screened for danger)")


class CoManagerOut(BaseModel):
    org_code: str
    org_name: str
    role_kind: str
    role_text: str
    consented: bool = Field(description="the case's current consent still names this organisation")


class CoManagersOut(BaseModel):
    case_id: int
    lead_org: str | None = Field(description="주사례관리기관; null: the 읍면동 team")
    manager_member_id: int | None = Field(description="주사례관리자")
    manager_designated: bool = Field(description="designated by the team leader (L8576–8578)")
    co_managers: list[CoManagerOut]
    danger: list[str] = Field(default_factory=list, description="danger found in the role text just given")


class ReopenRequest(BaseModel):
    """재개입: the need domain of the new problem (one of the 11 욕구영역)."""

    problem: str = Field(max_length=40, description="need domain id, e.g. economy, safety")
    expected_version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class ReopenOut(BaseModel):
    case_id: int
    step: str
    cycle: int
    manager_member_id: int | None
    version: int
