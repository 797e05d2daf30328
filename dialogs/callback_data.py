"""Button values for casework, and the callback data Telegram carries, within its 64 bytes.

Telegram refuses an inline button whose callback_data is over 64 bytes (the whole message is
refused: a case card never reaches the worker). A readable value like
``case:act:12345:1:refer_elsewhere:self_sufficiency_case_management`` is 65 bytes, so case
buttons are encoded compactly: ids in base 36, actions and reasons as their position in the
domain enum. The longest possible value — every id at 2^63-1, the longest action and reason —
plus the conversation version in front stays within the limit (tests/test_callback_data.py).

Ids are parsed strictly: ASCII digits (or base-36 letters) only, never ``str.isdigit`` (which
is true for "²"), and bounded to 64 bits so no store ever sees a number it cannot hold.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from welfare.case_lifecycle import (
    CaseAction, ClosureReason, EarlyClosureReason, HardCaseReason, NotSelectedReason, ReferralTarget, PlanReturnReason,
)
from welfare.followup_checklist import DOMAIN_IDS
from welfare.referral_lifecycle import Outcome, RejectReason

# 재개입's reason: the need domain of the new problem, by position like every reason.
ReopenProblem = Enum("ReopenProblem", {d: d for d in DOMAIN_IDS})

CALLBACK_MAX_BYTES = 64  # Telegram's limit for callback_data
MAX_ID = 2 ** 63 - 1  # a signed 64-bit integer: what BIGINT columns (and Telegram's ids) hold
CASE_PREFIX = "case:"
_DIGITS = "0123456789"
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"

# Codes are positions in these tuples and enums: APPEND ONLY, or buttons already in chats change
# meaning (a pinned test keeps a few codes fixed).
KINDS = ("take", "assign", "assignto", "open", "record", "followup", "fact", "act", "refer", "support", "serving",
         "lead", "leadto", "move", "moveto", "conference", "minutes")
FACTS = ("personal_data_consent", "service_use_consent", "crisis_resurveyed", "short_term_reason_recorded")
ACTIONS: tuple[str, ...] = tuple(a.value for a in CaseAction)
# Actions that need a reason chosen first, and the enum of its reasons.
REASON_ENUMS: dict[str, type[Enum]] = {
    "select_not_selected": NotSelectedReason,
    "register_closure_review": ClosureReason,
    "close_internally": EarlyClosureReason,
    "refer_elsewhere": ReferralTarget,
    "escalate_hard_case": HardCaseReason,
    "return_service_plan": PlanReturnReason,
    "reopen": ReopenProblem,  # 재개입: the need domain of the new problem (core/reopening.py)
}


def parse_id(text: str) -> int | None:
    """A decimal id typed or carried by a person: ASCII digits only, 1..2^63-1; else None."""
    if not text or len(text) > 19 or any(ch not in _DIGITS for ch in text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def _b36(value: int) -> str:
    if not 0 <= value <= MAX_ID:
        raise ValueError("id out of range")
    out = ""
    while True:
        value, digit = divmod(value, 36)
        out = _B36[digit] + out
        if value == 0:
            return out


def _from_b36(text: str) -> int | None:
    if not text or len(text) > 13 or any(ch not in _B36 for ch in text) or (len(text) > 1 and text[0] == "0"):
        return None
    value = int(text, 36)
    return value if value <= MAX_ID else None


def _code(options: tuple[str, ...], value: str) -> str:
    return _b36(options.index(value))


def _decode(options: tuple[str, ...], code: str) -> str | None:
    index = _from_b36(code)
    return options[index] if index is not None and index < len(options) else None


@dataclass(frozen=True, slots=True)
class CaseButton:
    """What a casework button means. `subject` is a report id (take, assign, assignto) or a
    case id (the rest); `second` the worker (assignto) or the case version (act); `name` the
    fact (fact) or the action (act); `reason` the chosen reason of an act that needs one; `name`
    also the organisation code (leadto; "-" for the 읍면동 team) or the 읍면동 code (moveto)."""

    kind: str
    subject: int
    second: int | None = None
    name: str | None = None
    reason: str | None = None

    def value(self) -> str:
        parts = [_code(KINDS, self.kind), _b36(self.subject)]
        if self.kind == "assignto":
            parts.append(_b36(self._need(self.second)))
        elif self.kind == "fact":
            parts.append(_code(FACTS, self._need(self.name)))
        elif self.kind in ("leadto", "moveto"):
            parts.append(self._need(self.name))
        elif self.kind == "act":
            action = self._need(self.name)
            parts += [_b36(self._need(self.second)), _code(ACTIONS, action)]
            if self.reason is not None:
                parts.append(_code(_reasons(action), self.reason))
        return CASE_PREFIX + ":".join(parts)

    @staticmethod
    def _need(value):
        if value is None:
            raise ValueError("incomplete case button")
        return value


def _reasons(action: str) -> tuple[str, ...]:
    enum = REASON_ENUMS.get(action)
    if enum is None:
        raise ValueError("this action takes no reason")
    return tuple(str(m.value) for m in enum)


def take(report_id: int) -> str:
    return CaseButton("take", report_id).value()


def assign(report_id: int) -> str:
    return CaseButton("assign", report_id).value()


def assign_to(report_id: int, worker_id: int) -> str:
    return CaseButton("assignto", report_id, worker_id).value()


def open_case(case_id: int) -> str:
    return CaseButton("open", case_id).value()


def full_record(case_id: int) -> str:
    return CaseButton("record", case_id).value()


def followup(case_id: int) -> str:
    return CaseButton("followup", case_id).value()


def toggle_fact(case_id: int, fact: str) -> str:
    return CaseButton("fact", case_id, name=fact).value()


def act(case_id: int, version: int, action: str, reason: str | None = None) -> str:
    return CaseButton("act", case_id, version, action, reason).value()


def refer(case_id: int) -> str:
    """🤝 의뢰하기 on a case card: opens the referral dialog."""
    return CaseButton("refer", case_id).value()


def support(case_id: int) -> str:
    """🎁 지원 기록 on a case card or an accepted referral: opens the support dialog."""
    return CaseButton("support", case_id).value()


def serving(case_id: int) -> str:
    """👥 누가 돕고 있나요? on a case card or a referral."""
    return CaseButton("serving", case_id).value()


def lead_menu(case_id: int) -> str:
    """The coordinator's choice of the case's 주사례관리기관 (and the transfer with it)."""
    return CaseButton("lead", case_id).value()


def lead_to(case_id: int, org_code: str | None) -> str:
    return CaseButton("leadto", case_id, name=org_code or TEAM_LEADS).value()


def move_menu(case_id: int) -> str:
    """이관: the 읍면동 the household moved to, picked by button."""
    return CaseButton("move", case_id).value()


def move_to(case_id: int, dong_code: str) -> str:
    return CaseButton("moveto", case_id, name=dong_code).value()


TEAM_LEADS = "-"  # leadto: the 읍면동 team leads again (no organisation)


def _org_code(text: str) -> bool:
    """An organisation code as the directory allows it (welfare/organisations.py): ASCII letters,
    digits, - and _, at most 24; never ":" or "|", so it cannot break the button's fields."""
    return 0 < len(text) <= 24 and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in text)


def conference(case_id: int) -> str:
    """🗓 사례회의 on a case card: opens the conference dialog."""
    return CaseButton("conference", case_id).value()


def minutes(case_id: int) -> str:
    """📋 회의록 on a case card: the case's minutes (the read is audited)."""
    return CaseButton("minutes", case_id).value()


def is_case_button(value: str) -> bool:
    """A casework button (case cards, team alerts, referrals): handled by the casework effects."""
    return value.startswith((CASE_PREFIX, REFERRAL_PREFIX, RESOURCE_PREFIX))


def _head(value: str, prefix: str, kinds: tuple[str, ...]) -> tuple[str, int, list[str]] | None:
    """A button's kind and subject id, and what follows them; None for a forged or malformed one."""
    if not value.startswith(prefix) or len(value) > CALLBACK_MAX_BYTES:
        return None
    parts = value[len(prefix):].split(":")
    kind = _decode(kinds, parts[0])
    subject = _from_b36(parts[1]) if len(parts) > 1 else None
    if kind is None or subject is None:
        return None
    return kind, subject, parts[2:]


def parse_case_button(value: str) -> CaseButton | None:
    """The meaning of a case button's value, or None for anything forged, old or malformed."""
    head = _head(value, CASE_PREFIX, KINDS)
    if head is None:
        return None
    kind, subject, rest = head
    if kind in ("take", "assign", "open", "record", "followup", "refer", "support", "serving", "lead", "move",
                "conference", "minutes"):
        return CaseButton(kind, subject) if not rest else None
    if kind == "leadto":
        ok = len(rest) == 1 and (rest[0] == TEAM_LEADS or _org_code(rest[0]))
        return CaseButton(kind, subject, name=rest[0]) if ok else None
    if kind == "moveto":
        ok = len(rest) == 1 and len(rest[0]) == 10 and all(ch in _DIGITS for ch in rest[0])
        return CaseButton(kind, subject, name=rest[0]) if ok else None
    if kind == "assignto":
        worker = _from_b36(rest[0]) if len(rest) == 1 else None
        return CaseButton(kind, subject, worker) if worker is not None else None
    if kind == "fact":
        fact = _decode(FACTS, rest[0]) if len(rest) == 1 else None
        return CaseButton(kind, subject, name=fact) if fact is not None else None
    # act: version, action[, reason]
    if len(rest) not in (2, 3):
        return None
    version, action = _from_b36(rest[0]), _decode(ACTIONS, rest[1])
    if version is None or action is None:
        return None
    reason = None
    if len(rest) == 3:
        if action not in REASON_ENUMS:
            return None
        reason = _decode(_reasons(action), rest[2])
        if reason is None:
            return None
    return CaseButton(kind, subject, version, action, reason)


# -- referral buttons: "ref:<kind>:<referral id>[:<version>[:<choice>]]" ---------------------------
REFERRAL_PREFIX = "ref:"
# APPEND ONLY, like KINDS. "open" shows the referral; the rest are the replies (and the sender's
# cancel); reject and complete carry their reason / outcome as its position in the enum.
REFERRAL_KINDS = ("open", "receive", "accept", "reject", "start", "complete", "cancel", "refer_onward")
# refer_onward carries the next organisation's code as its choice (ids are 32-bit in the store,
# so it fits in 64 bytes with any real referral id and version).
REFERRAL_CHOICES: dict[str, type[Enum]] = {"reject": RejectReason, "complete": Outcome}


@dataclass(frozen=True, slots=True)
class ReferralButton:
    kind: str
    referral: int
    version: int | None = None
    choice: str | None = None

    def value(self) -> str:
        parts = [_code(REFERRAL_KINDS, self.kind), _b36(self.referral)]
        if self.kind != "open":
            parts.append(_b36(CaseButton._need(self.version)))
            if self.choice is not None and self.kind == "refer_onward":
                parts.append(self.choice)
            elif self.choice is not None:
                parts.append(_code(_choices(self.kind), self.choice))
        return REFERRAL_PREFIX + ":".join(parts)


def _choices(kind: str) -> tuple[str, ...]:
    enum = REFERRAL_CHOICES.get(kind)
    if enum is None:
        raise ValueError("this reply takes no choice")
    return tuple(str(m.value) for m in enum)


def referral_button(kind: str, referral_id: int, version: int | None = None, choice: str | None = None) -> str:
    return ReferralButton(kind, referral_id, version, choice).value()


def is_referral_button(value: str) -> bool:
    return value.startswith(REFERRAL_PREFIX)


def parse_referral_button(value: str) -> ReferralButton | None:
    """The meaning of a referral button, or None for anything forged, old or malformed."""
    head = _head(value, REFERRAL_PREFIX, REFERRAL_KINDS)
    if head is None:
        return None
    kind, referral, rest = head
    if kind == "open":
        return ReferralButton(kind, referral) if not rest else None
    if len(rest) not in (1, 2):
        return None
    version = _from_b36(rest[0])
    if version is None:
        return None
    if len(rest) == 1:
        return ReferralButton(kind, referral, version)
    if kind == "refer_onward":
        return ReferralButton(kind, referral, version, rest[1]) if _org_code(rest[1]) else None
    if kind not in REFERRAL_CHOICES:
        return None
    choice = _decode(_choices(kind), rest[1])
    return ReferralButton(kind, referral, version, choice) if choice is not None else None


# -- the callback data itself: "<conversation version>|<button value>" ---------------------------
def encode_callback(version: int | None, value: str) -> str:
    """Callback data for a button drawn at this conversation version (None: any version)."""
    data = f"{_b36(version) if version is not None else ''}|{value}"
    if len(data.encode()) > CALLBACK_MAX_BYTES:
        raise ValueError("callback data over Telegram's 64 bytes")
    return data


def decode_callback(data: str) -> tuple[int | None, str] | None:
    """(version, value), or None for data we never made (forged, truncated, or over 64 bytes)."""
    if len(data.encode()) > CALLBACK_MAX_BYTES:
        return None
    version, sep, value = data.partition("|")
    if not sep or not value:
        return None
    if version == "":
        return None, value
    number = _from_b36(version)
    return (number, value) if number is not None else None


# -- resource-directory buttons: "res:<kind>:<resource id>:<version>" ------------------------------
RESOURCE_PREFIX = "res:"
RESOURCE_KINDS = ("verify",)  # APPEND ONLY. ✅ 확인했어요 on a stale reminder (core/resources.py verify)


@dataclass(frozen=True, slots=True)
class ResourceButton:
    kind: str
    resource: int
    version: int


def resource_button(kind: str, resource_id: int, version: int) -> str:
    return RESOURCE_PREFIX + ":".join((_code(RESOURCE_KINDS, kind), _b36(resource_id), _b36(version)))


def is_resource_button(value: str) -> bool:
    return value.startswith(RESOURCE_PREFIX)


def parse_resource_button(value: str) -> ResourceButton | None:
    head = _head(value, RESOURCE_PREFIX, RESOURCE_KINDS)
    if head is None or len(head[2]) != 1:
        return None
    version = _from_b36(head[2][0])
    return ResourceButton(head[0], head[1], version) if version else None
