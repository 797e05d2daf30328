"""What a turn asks the outside world to do. The engine only describes; the caller executes
these inside the same database transaction that stores the conversation."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from welfare.crisis_report import CrisisReport


@dataclass(frozen=True, slots=True)
class FileReport:
    """File the report; the store gives it its receipt number."""

    report: CrisisReport

    @property
    def urgent(self) -> bool:
        return self.report.urgent


@dataclass(frozen=True, slots=True)
class ShowStatus:
    receipt_no: str


@dataclass(frozen=True, slots=True)
class ListMyReports:
    pass


@dataclass(frozen=True, slots=True)
class RegisterInvite:
    code: str


@dataclass(frozen=True, slots=True)
class WithdrawConsent:
    """The reporter withdraws consent for a report they filed (after confirming)."""

    receipt_no: str


@dataclass(frozen=True, slots=True)
class ShowCases:
    """A staff member's open cases with their next due dates."""


@dataclass(frozen=True, slots=True)
class ShowCase:
    case_ref: str


@dataclass(frozen=True, slots=True)
class OpenFollowup:
    case_ref: str


@dataclass(frozen=True, slots=True)
class CaseButton:
    """A press on a casework button (team alert, case card); authorised by the effect."""

    value: str


@dataclass(frozen=True, slots=True)
class SubmitFollowup:
    case_id: int
    submission: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OfficeLink:
    """A staff member asks for a sign-in link to the web office (sent to their private chat)."""


@dataclass(frozen=True, slots=True)
class SubmitReferral:
    """The referral dialog's end: send it (after recording the new consent naming `org`, when asked)."""

    case_id: int
    org: str
    need: str
    note: str
    with_new_consent: bool = False


@dataclass(frozen=True, slots=True)
class ShowReferrals:
    """/referrals: what I sent and what my organisation owes."""


@dataclass(frozen=True, slots=True)
class ShowResources:
    """/resources 반찬 청운효자동: search the resource directory (words, and a 읍면동 by name)."""

    query: str


@dataclass(frozen=True, slots=True)
class ShowLocalResources:
    """The finder's "동네 자원" section: verified resource-directory entries of these need
    domains in the person's 읍면동, once they said which (no personal data either way)."""

    needs: tuple[str, ...]
    dong_code: str


@dataclass(frozen=True, slots=True)
class SubmitSupport:
    """The support dialog's end (or its warning's): record support through the core."""

    case_id: int
    kind: str
    given_on: str  # ISO date
    amount: str
    referral_id: int | None = None
    national_checked: bool = False
    confirm: bool = False  # going on past a duplicate warning, with `reason`
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SubmitConference:
    """The 🗓 사례회의 dialog's end: record the conference on the case (bot/conferences.py)."""

    case_id: int
    held_on: str
    orgs: tuple[str, ...]
    decisions: tuple[str, ...]
    note: str


@dataclass(frozen=True, slots=True)
class CountDropOff:
    """A report or finder dialog given up at `question` ("cancelled" or "expired"): counted,
    PII-free, so the coordinator sees where people give up (issue 15)."""

    flow: str
    question: str
    how: str


Command = (FileReport | ShowStatus | ListMyReports | RegisterInvite | WithdrawConsent | ShowCases | ShowCase | OpenFollowup
           | CaseButton | SubmitFollowup | OfficeLink | SubmitReferral | ShowReferrals
           | ShowResources | ShowLocalResources | SubmitSupport | SubmitConference | CountDropOff)
