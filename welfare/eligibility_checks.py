"""The vocabulary of screening: statuses, reasons, questions, and the checks rules share.

A rule records what it found in an :class:`Assessment`; the assessment turns that into one
status by a fixed precedence — any failed check → ``not_eligible``; else any unanswered
question that decides → ``need_more_info``; else anything uncertain → ``likely``; else
``eligible``. A missing answer is therefore never a reason for ``not_eligible``.
Every key here is a catalog message id (locales/*/LC_MESSAGES/finder.po); no text lives in code.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from welfare.eligibility_parameters import MEDIAN_INCOME, ParameterSet
from welfare.screening_input import Household


class Status(StrEnum):
    ELIGIBLE = "eligible"
    LIKELY = "likely"
    NOT_ELIGIBLE = "not_eligible"
    NEED_MORE_INFO = "need_more_info"


@dataclass(frozen=True, slots=True)
class Reason:
    """A catalog key and its params (amounts as ints in won; see welfare.finder_format)."""

    key: str
    params: dict[str, int | str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"key": self.key, "params": dict(self.params)}


@dataclass(frozen=True, slots=True)
class Question:
    """A question to ask; ``id`` names the input field it fills (docs/screening-input.md)."""

    id: str

    @property
    def key(self) -> str:
        return f"finder.question.{self.id}"

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "key": self.key}


QUESTION_IDS: tuple[str, ...] = (
    "member_age",
    "member_disability",
    "member_severe_disability",
    "monthly_income",
    "applicant_income",
    "assets",
    "financial_assets",
    "region",
    "housing",
    "couple",
    "situations",
    "young_carer",
    "similar_care",
)
Q: dict[str, Question] = {qid: Question(qid) for qid in QUESTION_IDS}

# Reason and note keys used by the shared checks (rules add their own in eligibility_rules).
R_INCOME_AT_OR_BELOW = "finder.reason.income_at_or_below"
R_INCOME_ABOVE = "finder.reason.income_above"
R_PENSION_INCOME_AT_OR_BELOW = "finder.reason.pension_income_at_or_below"
R_PENSION_INCOME_ABOVE = "finder.reason.pension_income_above"
R_PENSION_INCOME_BETWEEN = "finder.reason.pension_income_between"
R_PENSION_INCOME_ABOVE_BOTH = "finder.reason.pension_income_above_both"
R_INCOME_INCLUDES_OTHERS = "finder.reason.income_includes_others"
R_NO_ASSETS = "finder.reason.no_assets"
R_ASSETS_WITHIN_DEDUCTION = "finder.reason.assets_within_deduction"
R_ASSETS_MAY_COUNT = "finder.reason.assets_may_count"
R_ASSETS_COUNTED = "finder.reason.assets_counted"
R_ASSETS_PUSH_OVER = "finder.reason.assets_push_over_threshold"
R_AGE_AT_OR_ABOVE = "finder.reason.age_at_or_above"
R_NO_MEMBER_AT_OR_ABOVE_AGE = "finder.reason.no_member_at_or_above_age"
R_MEMBER_IN_AGE_RANGE = "finder.reason.member_in_age_range"
R_NO_MEMBER_IN_AGE_RANGE = "finder.reason.no_member_in_age_range"
R_SITUATION_REPORTED = "finder.reason.situation_reported"
R_SITUATION_NOT_REPORTED = "finder.reason.situation_not_reported"
N_SCREENING_ONLY = "finder.note.screening_only"
N_THRESHOLD_UNVERIFIED = "finder.note.threshold_unverified"
N_PARAMETERS_MAY_BE_OUTDATED = "finder.note.parameters_may_be_outdated"
HOUSEHOLD_TYPE_SINGLE = "finder.household_type.single"
HOUSEHOLD_TYPE_COUPLE = "finder.household_type.couple"

_RANK = {Status.ELIGIBLE: 0, Status.LIKELY: 1, Status.NEED_MORE_INFO: 2, Status.NOT_ELIGIBLE: 3}


class Assessment:
    """What one rule found for one household; :meth:`outcome` gives status, reasons, missing, notes."""

    __slots__ = ("_reasons", "_failed", "_missing", "_notes", "_worst", "_failed_unverified")

    def __init__(self) -> None:
        self._reasons: list[Reason] = []
        self._failed: list[Reason] = []
        self._missing: list[Question] = []
        self._notes: list[Reason] = []
        self._worst = Status.ELIGIBLE
        self._failed_unverified = False

    def _raise_to(self, status: Status) -> None:
        if _RANK[status] > _RANK[self._worst]:
            self._worst = status

    def passed(self, key: str, **params: int | str) -> None:
        self._reasons.append(Reason(key, params))

    def soft(self, key: str, **params: int | str) -> None:
        """A check that passes but leaves the answer at "likely" (someone else decides)."""
        self._reasons.append(Reason(key, params))
        self._raise_to(Status.LIKELY)

    def failed(self, key: str, **params: int | str) -> None:
        self._failed.append(Reason(key, params))
        self._raise_to(Status.NOT_ELIGIBLE)

    def unknown(self, question: Question, key: str | None = None, **params: int | str) -> None:
        """An unanswered question that decides the result: ask it."""
        if key is not None:
            self._reasons.append(Reason(key, params))
        if question not in self._missing:
            self._missing.append(question)
        self._raise_to(Status.NEED_MORE_INFO)

    def ask(self, question: Question) -> None:
        """An unanswered question that would only refine a positive answer: "likely", and ask."""
        if question not in self._missing:
            self._missing.append(question)
        self._raise_to(Status.LIKELY)

    def note(self, key: str, **params: int | str) -> None:
        if not any(n.key == key for n in self._notes):
            self._notes.append(Reason(key, params))

    def unverified(self, failed: bool) -> None:
        """A figure we could not verify was used; say so (and remember if it excluded)."""
        self.note(N_THRESHOLD_UNVERIFIED)
        self._failed_unverified = self._failed_unverified or failed

    def check(self, ok: bool, verified: bool, pass_key: str, fail_key: str, **params: int | str) -> None:
        """Compare against a threshold; an unverified threshold never yields "eligible"."""
        if not verified:
            self.unverified(failed=not ok)
        if not ok:
            self.failed(fail_key, **params)
        elif verified:
            self.passed(pass_key, **params)
        else:
            self.soft(pass_key, **params)

    def outcome(self) -> tuple[Status, tuple[Reason, ...], tuple[Question, ...], tuple[Reason, ...]]:
        status = self._worst
        if status is Status.NOT_ELIGIBLE:
            # Lead with what excluded the household; nothing left to ask. The unverified-figure
            # note stays only if such a figure took part in the exclusion.
            notes = self._notes
            if not self._failed_unverified:
                notes = [n for n in notes if n.key != N_THRESHOLD_UNVERIFIED]
            return status, tuple(self._failed + self._reasons), (), tuple(notes)
        return status, tuple(self._reasons), tuple(self._missing), tuple(self._notes)


# ---- Shared checks ---------------------------------------------------------------------------


def household_income(h: Household, ps: ParameterSet, a: Assessment, percent_name: str, benefit: str) -> bool | None:
    """Household income against ``percent_name`` of the median for the household size."""
    if h.monthly_income is None:
        a.unknown(Q["monthly_income"])
        return None
    threshold = ps.threshold(percent_name, h.size)
    ok = h.monthly_income <= threshold
    a.check(
        ok,
        ps.verified(percent_name) and ps.verified(MEDIAN_INCOME),
        R_INCOME_AT_OR_BELOW,
        R_INCOME_ABOVE,
        household_size=h.size,
        income=h.monthly_income,
        benefit=benefit,
        threshold=threshold,
    )
    return ok


def assets_generic(h: Household, a: Assessment) -> None:
    """Assets for a programme whose deductions we could not verify: only zero is conclusive."""
    if h.assets is None:
        a.ask(Q["assets"])
    elif h.assets == 0:
        a.passed(R_NO_ASSETS)
    else:
        a.soft(R_ASSETS_COUNTED, assets=h.assets)


def assets_with_bounds(
    h: Household,
    a: Assessment,
    *,
    no_effect_limit: int,
    deduction_max: int,
    monthly_rate: tuple[int, int],
    income_floor: int | None,
    threshold: int,
    benefit: str,
    rate_verified: bool,
) -> None:
    """Assets: at or below ``no_effect_limit`` they add nothing; above it they may count.

    If even the most favourable conversion (largest deduction, lowest rate
    ``monthly_rate = (numerator, denominator)``) lifts ``income_floor`` over the threshold,
    the household is not eligible whatever the 읍면동 finds.
    """
    if h.assets is None:
        a.ask(Q["assets"])
        return
    if h.assets <= no_effect_limit:
        a.passed(R_ASSETS_WITHIN_DEDUCTION, assets=h.assets, limit=no_effect_limit)
        return
    excess = h.assets - deduction_max
    if income_floor is not None and excess > 0:
        numerator, denominator = monthly_rate
        converted = excess * numerator // denominator
        if income_floor + converted > threshold:
            if not rate_verified:
                a.unverified(failed=True)
            a.failed(R_ASSETS_PUSH_OVER, assets=h.assets, converted=converted, benefit=benefit, threshold=threshold)
            return
    a.soft(R_ASSETS_MAY_COUNT, assets=h.assets, limit=no_effect_limit)


def oldest_at_least(h: Household, a: Assessment, min_age: int, verified: bool = True) -> bool | None:
    """Is some member at least ``min_age``? Unknown ages are asked, never assumed young."""
    ages = [m.age for m in h.members if m.age is not None]
    oldest = max(ages, default=None)
    if oldest is not None and oldest >= min_age:
        a.check(True, verified, R_AGE_AT_OR_ABOVE, R_NO_MEMBER_AT_OR_ABOVE_AGE, age=oldest, min_age=min_age)
        return True
    if h.any_age_unknown:
        a.unknown(Q["member_age"])
        return None
    a.failed(R_NO_MEMBER_AT_OR_ABOVE_AGE, min_age=min_age)
    return False


def member_in_range(h: Household, a: Assessment, min_age: int, max_age: int, verified: bool = True) -> bool | None:
    """Is some member aged ``min_age``..``max_age`` (inclusive)?"""
    for m in h.members:
        if m.age is not None and min_age <= m.age <= max_age:
            a.check(True, verified, R_MEMBER_IN_AGE_RANGE, R_NO_MEMBER_IN_AGE_RANGE, age=m.age, min_age=min_age, max_age=max_age)
            return True
    if h.any_age_unknown:
        a.unknown(Q["member_age"])
        return None
    a.failed(R_NO_MEMBER_IN_AGE_RANGE, min_age=min_age, max_age=max_age)
    return False


def situation_any(h: Household, a: Assessment, wanted: Iterable[str], wanted_label: str) -> bool | None:
    """Is one of ``wanted`` reported? Asks when situations are unknown."""
    if h.situations is None:
        a.unknown(Q["situations"])
        return None
    for sid in wanted:
        if sid in h.situations:
            a.passed(R_SITUATION_REPORTED, situation=f"finder.situation.{sid}")
            return True
    a.failed(R_SITUATION_NOT_REPORTED, situation=f"finder.situation.{wanted_label}")
    return False


def pension_unit_income(
    h: Household,
    a: Assessment,
    *,
    single_threshold: int,
    couple_threshold: int,
    verified: bool,
    benefit: str,
) -> tuple[bool | None, int | None]:
    """Income of the person and spouse against a 단독/부부 선정기준액 (기초연금, 장애인연금).

    The household's income is exact for the unit only when nobody else lives there; with
    others it is an upper bound, enough to say yes but not no. Returns (result, income floor).
    """
    exact_income: int | None = h.applicant_income
    if exact_income is None and (h.size == 1 or (h.size == 2 and h.couple is True)):
        exact_income = h.monthly_income
    bound = exact_income if exact_income is not None else h.monthly_income
    if bound is None:
        a.unknown(Q["monthly_income"])
        return None, None
    couple = False if h.size == 1 else h.couple
    if couple is None:
        if bound <= single_threshold:
            a.check(True, verified, R_PENSION_INCOME_AT_OR_BELOW, R_PENSION_INCOME_ABOVE, household_type=HOUSEHOLD_TYPE_SINGLE, income=bound, benefit=benefit, threshold=single_threshold)
            return True, exact_income
        if exact_income is not None and exact_income > couple_threshold:
            a.check(False, verified, R_PENSION_INCOME_AT_OR_BELOW, R_PENSION_INCOME_ABOVE, household_type=HOUSEHOLD_TYPE_COUPLE, income=exact_income, benefit=benefit, threshold=couple_threshold)
            return False, exact_income
        if bound <= couple_threshold:
            # single < income ≤ couple: only here does "it depends on a spouse" hold.
            a.unknown(Q["couple"], R_PENSION_INCOME_BETWEEN, income=bound, benefit=benefit, single_threshold=single_threshold, couple_threshold=couple_threshold)
        else:
            # Above both: a couple is excluded; only if others' income is mixed in could the
            # person's own income still be low enough. Ask which, never say "between".
            a.unknown(Q["couple"], R_PENSION_INCOME_ABOVE_BOTH, income=bound, benefit=benefit, couple_threshold=couple_threshold)
        if exact_income is None and h.size > 2:
            a.unknown(Q["applicant_income"])
        return None, exact_income
    threshold = couple_threshold if couple else single_threshold
    kind = HOUSEHOLD_TYPE_COUPLE if couple else HOUSEHOLD_TYPE_SINGLE
    if bound <= threshold or exact_income is not None:
        ok = bound <= threshold
        a.check(ok, verified, R_PENSION_INCOME_AT_OR_BELOW, R_PENSION_INCOME_ABOVE, household_type=kind, income=bound, benefit=benefit, threshold=threshold)
        return ok, exact_income
    a.unknown(Q["applicant_income"], R_INCOME_INCLUDES_OTHERS, benefit=benefit)
    return None, None
