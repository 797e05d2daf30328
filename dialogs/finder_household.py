"""The finder's answers as a household, screened: amount bands, candidates, the order of fit.

Amounts are answered as a band (``{"lo": a, "hi": b}``, ``hi`` None for "more than") or as
an exact figure the person typed (``{"exact": n}``). A band is screened at both ends, the
most favourable figure (lo) and the least (hi). Where both give the same status, the band
decides, and the reasons come from the end that holds for the whole band (hi for a positive
answer, lo for an exclusion), with the band shown in place of that figure. Where they
differ, a threshold lies inside the band: only the exact figure decides ("need more info").

The bands offered are cut at the thresholds the candidate services' own reasons name (the
domain explains itself, so probing a figure of 0 and a huge one lists every threshold that
applies), so a band chosen from the buttons seldom straddles one.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dialogs.finder_messages import Finding, amount_label, localized, reason_msg
from dialogs.replies import Msg
from welfare.eligibility import ScreeningResult, screen
from welfare.korea_time import kst_today
from welfare.eligibility_checks import Status
from welfare.eligibility_parameters import NoParametersInForce, ParameterHistory, ParameterSet, load_parameters
from welfare.screening_input import HOUSING, MAX_AMOUNT, REGIONS
from welfare.service_catalogue import Catalogue, Service, load_catalogue

AMOUNT_FIELDS = ("monthly_income", "applicant_income", "assets", "financial_assets")
# The reason param that shows each amount, and the params that name its thresholds.
_SHOWN_AS = {"monthly_income": "income", "applicant_income": "income", "assets": "assets",
             "financial_assets": "financial_assets"}
_EDGES_IN = {"monthly_income": ("threshold", "single_threshold", "couple_threshold"),
             "applicant_income": ("threshold", "single_threshold", "couple_threshold"),
             "assets": ("limit", "low_limit", "high_limit"), "financial_assets": ("limit",)}
_FALLBACK_EDGES = {"monthly_income": (1_000_000, 2_000_000, 3_000_000, 4_000_000),
                   "applicant_income": (1_000_000, 2_000_000, 3_000_000),
                   "assets": (20_000_000, 50_000_000, 100_000_000, 200_000_000),
                   "financial_assets": (5_000_000, 10_000_000)}
MAX_EDGES = 6  # at most 7 bands: one screen of buttons
MERGE_WITHIN = 0.05  # thresholds within 5% of each other make one edge (the band between would be tiny)

# The questions a result can still need, asked in this order; each maps to the flow's question.
QUESTION_OF = {
    "member_age": "ages", "monthly_income": "monthly_income", "income_exact": "income_exact",
    "member_disability": "disability", "member_severe_disability": "severe", "couple": "couple",
    "applicant_income": "applicant_income", "housing": "housing", "assets": "assets", "region": "region",
    "financial_assets": "financial_assets", "young_carer": "young_carer", "similar_care": "similar_care",
    "situations": "concerns",
}
# Asked for a "likely" result too (they often change the answer); others only when they decide.
REFINING = frozenset({"assets", "housing"})
RANK = {Status.ELIGIBLE: 0, Status.LIKELY: 1, Status.NEED_MORE_INFO: 2, Status.NOT_ELIGIBLE: 3}
MAX_SHOWN = 5


@dataclass(frozen=True)
class FinderData:
    """The catalogue and the dated figures the finder screens against (loaded once)."""

    catalogue: Catalogue
    parameters: ParameterHistory
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, catalogue: Catalogue | None = None, parameters: ParameterHistory | None = None) -> FinderData:
        catalogue = catalogue or load_catalogue(include_examples=False)
        return cls(catalogue, parameters or load_parameters(), {s.id: i for i, s in enumerate(catalogue)})

    def parameter_set(self, on: dt.date) -> ParameterSet:
        try:
            return self.parameters.in_force(on)
        except NoParametersInForce:  # outside the data we hold: the nearest year, with its note
            return self.parameters.sets[0] if on < self.parameters.first_date else self.parameters.sets[-1]

    def screen(self, household: Mapping[str, Any], on: dt.date) -> list[ScreeningResult]:
        return screen(household, self.catalogue, self.parameter_set(on), on)


def korean_date(now: dt.datetime) -> dt.date:
    return kst_today(now)


# -- answers → household ---------------------------------------------------------------------
def is_band(value: object) -> bool:
    return isinstance(value, Mapping) and "lo" in value


def amount_at(value: object, end: str) -> int | None:
    if not isinstance(value, Mapping):
        return None
    if value.get("exact") is not None:
        return int(value["exact"])
    if end == "lo":
        return int(value.get("lo") or 0)
    hi = value.get("hi")
    return MAX_AMOUNT if hi is None else int(hi)


def amounts(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The amount answers in force: a typed exact income replaces the band chosen first."""
    found = {f: answers.get(f) for f in AMOUNT_FIELDS if isinstance(answers.get(f), Mapping)}
    if answers.get("income_exact") is not None:
        found["monthly_income"] = {"exact": answers["income_exact"]}
    return found


def situations(answers: Mapping[str, Any]) -> list[str] | None:
    picked = answers.get("situations")
    if picked is None:
        return None
    found = list(picked)
    if answers.get("young_carer") == "yes" and "young_carer" not in found:
        found.append("young_carer")
    return found


def household(answers: Mapping[str, Any], end: str = "hi", override: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The public household dict (docs/screening-input.md) for one end of every band."""
    ages = list(answers.get("ages") or [])
    size = max(int(answers.get("household_size") or 1), len(ages))
    members: list[dict[str, Any]] = [{} for _ in range(size)]
    for member, age in zip(members, ages):
        member["age"] = age
    if answers.get("life_stage") == "pregnancy_birth":
        members[0]["pregnant"] = True
    who = answers.get("disability")
    if who in ("self", "other", "none"):
        disabled = {"self": 0, "other": 1 if size > 1 else 0}.get(who)
        for index, member in enumerate(members):
            member["disability"] = index == disabled
        if disabled is not None and answers.get("severe") in ("yes", "no"):
            members[disabled]["severe_disability"] = answers["severe"] == "yes"
    data: dict[str, Any] = {"members": members}
    picked = situations(answers)
    if picked is not None:
        data["situations"] = picked
    if answers.get("couple") in ("yes", "no"):
        data["couple"] = answers["couple"] == "yes"
    if answers.get("similar_care") in ("yes", "no"):
        data["similar_care"] = answers["similar_care"] == "yes"
    if answers.get("housing") in HOUSING:
        data["housing"] = answers["housing"]
    if answers.get("region") in REGIONS:
        data["region"] = answers["region"]
    for name, value in amounts(answers).items():
        data[name] = amount_at(value, end)
    data.update(override or {})
    return data


def _shown(answers: Mapping[str, Any], end: str) -> dict[tuple[str, int], Mapping[str, int | None]]:
    """Amount params to show as the band chosen (not as the band's edge)."""
    shown: dict[tuple[str, int], Mapping[str, int | None]] = {}
    for name, value in amounts(answers).items():
        if is_band(value):
            shown[(_SHOWN_AS[name], amount_at(value, end))] = value  # type: ignore[index]
    return shown


# -- screening --------------------------------------------------------------------------------
def is_candidate(service: Service, answers: Mapping[str, Any]) -> bool:
    """A service the person is looking for: their life stage, and a situation they named."""
    stage = answers.get("life_stage")
    if stage and stage not in service.life_stages:
        return False
    wanted = set(situations(answers) or ())
    if stage == "elderly":
        wanted.add("elderly")
    if answers.get("disability") in ("self", "other"):
        wanted.add("disability")
    return not wanted or not wanted.isdisjoint(service.situations)


def findings(answers: Mapping[str, Any], now: dt.datetime, data: FinderData) -> list[Finding]:
    on = korean_date(now)
    low, high = household(answers, "lo"), household(answers, "hi")
    at_lo = data.screen(low, on)
    at_hi = at_lo if high == low else data.screen(high, on)
    shown_lo, shown_hi = _shown(answers, "lo"), _shown(answers, "hi")
    declined = {q for q in ("young_carer",) if answers.get(QUESTION_OF[q]) == "no"}
    out: list[Finding] = []
    for index, (lo, hi) in enumerate(zip(at_lo, at_hi)):
        service = data.catalogue.services[index]
        candidate = is_candidate(service, answers)
        split = lo.status != hi.status and Status.NOT_ELIGIBLE in (lo.status, hi.status)
        if not split:
            # The same answer at both ends, or two positive ones: the less favourable end holds
            # for the whole band (for an exclusion, the most favourable end already fails).
            if lo.status is Status.NOT_ELIGIBLE:
                result, shown = lo, shown_lo
            else:
                result, shown = (lo, shown_lo) if RANK[lo.status] > RANK[hi.status] else (hi, shown_hi)
            status, missing = result.status, tuple(q.id for q in result.missing)
            reasons = tuple(reason_msg(r, shown) for r in result.reasons)
            if missing and set(missing) <= declined:  # they said no to what it needs
                status = Status.NOT_ELIGIBLE
        else:  # a threshold lies inside a band: only the exact figure decides
            deciding = _deciding_amounts(answers, index, lo.status, on, data)
            status, result = Status.NEED_MORE_INFO, hi
            reasons = tuple(Msg("finder.explain.amount_decides", {
                "amount": amount_label(amounts(answers)[f]), "what": Msg(f"finder.amount.{f}"),
                "service": localized(service.name)}) for f in deciding)
            missing = ("income_exact",) if "monthly_income" in deciding else ()
        out.append(Finding(service, status, reasons, missing, result.notes, candidate, index))
    return out


def _deciding_amounts(answers: Mapping[str, Any], index: int, low_status: Status, on: dt.date,
                      data: FinderData) -> list[str]:
    """Which banded amounts, moved alone to their high end, change this service's answer."""
    banded = [f for f, v in amounts(answers).items() if is_band(v)]
    deciding = []
    for name in banded:
        moved = household(answers, "lo", {name: amount_at(amounts(answers)[name], "hi")})  # type: ignore[dict-item]
        if data.screen(moved, on)[index].status != low_status:
            deciding.append(name)
    return deciding or banded


def next_question(answers: Mapping[str, Any], found: list[Finding]) -> str | None:
    """The flow question a candidate still needs answered, or None when the list is ready."""
    needed: set[str] = set()
    for f in found:
        if f.candidate and f.status is not Status.NOT_ELIGIBLE:
            needed.update(q for q in f.missing if f.status is Status.NEED_MORE_INFO or q in REFINING)
    for qid, question in QUESTION_OF.items():
        if qid in needed and question not in answers:
            return question
    return None


def ranked(found: list[Finding]) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """(shown, more, not_fit): fits in order of fit, candidates first at each level; the rest
    that fit; the candidates that do not."""
    fits = [f for f in found if f.status is not Status.NOT_ELIGIBLE
            and (f.candidate or f.status in (Status.ELIGIBLE, Status.LIKELY))]
    fits.sort(key=lambda f: (RANK[f.status], not f.candidate, f.order))
    not_fit = [f for f in found if f.candidate and f.status is Status.NOT_ELIGIBLE]
    return fits[:MAX_SHOWN], fits[MAX_SHOWN:], not_fit


# -- amounts: typed, or chosen as bands --------------------------------------------------------
def parse_won(text: str) -> int | None:
    """An amount as people type it: "150만원", "1,500,000", "2억 3천만", "150" (= 150만원)."""
    squashed = re.sub(r"[\s,]", "", text)[:40]
    if re.fullmatch(r"(소득)?없(어요|음|다|습니다)?\.?|0원?", squashed):
        return 0
    units = {"억": 100_000_000, "천만": 10_000_000, "백만": 1_000_000, "만": 10_000, "천": 1_000}
    parts = re.findall(r"(\d+(?:\.\d+)?)(억|천만|백만|만|천)?", squashed)
    if not parts or not re.fullmatch(r"(약|대략)?(\d+(\.\d+)?(억|천만|백만|만|천)?)+(원|정도|쯤)*", squashed):
        return None
    total = 0.0
    for number, unit in parts:
        total += float(number) * units.get(unit, 1)
    if len(parts) == 1 and not parts[0][1] and total < 10_000:
        total *= 10_000  # a bare "150" is 150만원: nobody means 150 won a month
    amount = round(total)
    return amount if 0 <= amount <= MAX_AMOUNT else None


def band_edges(answers: Mapping[str, Any], name: str, now: dt.datetime, data: FinderData) -> list[int]:
    """Where the candidate services' answers can change as amount ``name`` grows."""
    on = korean_date(now)
    edges: set[int] = set()
    for probe in (0, MAX_AMOUNT):
        results = data.screen(household(answers, "hi", {name: probe}), on)
        for service, result in zip(data.catalogue.services, results):
            if not is_candidate(service, answers):
                continue
            for reason in result.reasons:
                if reason.params.get(_SHOWN_AS[name]) != probe:
                    continue
                edges.update(v for p in _EDGES_IN[name] if isinstance(v := reason.params.get(p), int) and v > 0)
    merged: list[int] = []
    for edge in sorted(edges):
        if not merged or edge > merged[-1] * (1 + MERGE_WITHIN):
            merged.append(edge)
    return merged[:MAX_EDGES] or list(_FALLBACK_EDGES[name])


def bands(edges: list[int]) -> list[dict[str, int | None]]:
    cuts = [0, *edges]
    found: list[dict[str, int | None]] = [{"lo": 0 if i == 0 else cuts[i] + 1, "hi": cuts[i + 1]}
                                          for i in range(len(edges))]
    found.append({"lo": edges[-1] + 1, "hi": None})
    return found
