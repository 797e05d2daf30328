"""Request and response shapes of the support ledger API."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class SupportRequest(BaseModel):
    kind: str = Field(max_length=24, description="a support kind id (welfare/data/support_kinds.toml)")
    given_on: date | None = Field(default=None, description="the day it was given (default: today in Korea)")
    amount: str | None = Field(default=None, max_length=200, description="how much or how often (≤ 60 characters)")
    referral_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="the referral it answers")
    national_checked: bool = Field(default=False, description="emergency support: other national programmes "
                                                              "were checked first (L10860–10864)")
    confirm: bool = Field(default=False, description="go on past a duplicate warning (with a reason)")
    reason: str | None = Field(default=None, max_length=32, description="why, as one of the listed reason codes")


class SupportEntryOut(BaseModel):
    id: int
    case_id: int | None
    referral_id: int | None
    kind: str
    given_on: date
    amount: str | None
    giver_code: str
    recorded_at: datetime
    national_checked: bool
    override_reason: str | None
    overrides: list[int]


class EarlierOut(BaseModel):
    """An earlier support a warning names: who gave it, and the month. Nothing else."""

    giver_code: str
    giver_name: str
    giver_is_dong_team: bool
    month: str


class ConfirmOut(BaseModel):
    refusal: str
    message: str
    kind: str
    earlier: list[EarlierOut]
    national_check: list[dict[str, str]]
    reasons: list[str]


class ServingOut(BaseModel):
    giver_code: str
    giver_name: str
    giver_is_dong_team: bool
    kinds: list[str]


class SupportLedgerOut(BaseModel):
    serving: list[ServingOut]
    entries: list[SupportEntryOut]
