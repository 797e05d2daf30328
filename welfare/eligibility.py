"""Screening a household against the whole service catalogue ("which service fits me?").

:func:`screen` validates the public household dict (welfare.screening_input), picks the
parameters in force on the date and runs every service's rule. Each result carries a status
(eligible / likely / not_eligible / need_more_info), reasons and notes as catalog keys with
params, and the questions still to ask. Every result also carries the note that this is a
screening, not the 소득인정액 decision, which the 읍면동 makes (복지로 모의계산 helps).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from welfare.eligibility_checks import (
    N_PARAMETERS_MAY_BE_OUTDATED,
    N_SCREENING_ONLY,
    QUESTION_IDS,
    Assessment,
    Question,
    Reason,
    Status,
)
from welfare.eligibility_parameters import ParameterHistory, ParameterSet
from welfare.eligibility_rules import RULES
from welfare.screening_input import HOUSING, REGIONS, SITUATIONS, InvalidHousehold, parse_household
from welfare.service_catalogue import HOUSEHOLD_SITUATIONS, LIFE_STAGES, TOPICS, Catalogue, LocalizedText

__all__ = [
    "InvalidHousehold",
    "Question",
    "Reason",
    "ScreeningResult",
    "Status",
    "message_keys",
    "screen",
]

_SCREENING_NOTE = Reason(N_SCREENING_ONLY)
_OUTDATED_NOTE = Reason(N_PARAMETERS_MAY_BE_OUTDATED)


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    service_id: str
    name: LocalizedText
    status: Status
    reasons: tuple[Reason, ...]
    missing: tuple[Question, ...]
    notes: tuple[Reason, ...]
    parameters_from: dt.date

    def to_json(self) -> dict[str, object]:
        return {
            "service_id": self.service_id,
            "name": self.name.to_json(),
            "status": self.status.value,
            "reasons": [r.to_json() for r in self.reasons],
            "missing": [q.to_json() for q in self.missing],
            "notes": [n.to_json() for n in self.notes],
            "parameters_from": self.parameters_from.isoformat(),
        }


def screen(
    household: Mapping[str, object],
    catalogue: Catalogue,
    parameters: ParameterHistory | ParameterSet,
    on: dt.date,
) -> list[ScreeningResult]:
    """Screen one household (public dict format) over every service in the catalogue.

    Raises :class:`InvalidHousehold` for malformed input and
    :class:`~welfare.eligibility_parameters.NoParametersInForce` for a date we hold no
    figures for. Results are in catalogue order.
    """
    h = parse_household(household)
    ps = parameters.in_force(on) if isinstance(parameters, ParameterHistory) else parameters
    common_notes: tuple[Reason, ...] = (_SCREENING_NOTE,)
    if ps.review_by is not None and on > ps.review_by:
        common_notes += (_OUTDATED_NOTE,)
    results: list[ScreeningResult] = []
    for service in catalogue.services:
        assessment = Assessment()
        RULES[service.eligibility_rule].function(h, ps, assessment, service.eligibility_params)
        status, reasons, missing, notes = assessment.outcome()
        results.append(
            ScreeningResult(
                service_id=service.id,
                name=service.name,
                status=status,
                reasons=reasons,
                missing=missing,
                notes=notes + common_notes,
                parameters_from=ps.valid_from,
            )
        )
    return results


def message_keys() -> frozenset[str]:
    """Every catalog key the finder can emit (for the .po completeness test and translators)."""
    from welfare import eligibility_checks, eligibility_rules, eligibility_rules_care

    keys: set[str] = set()
    for module in (eligibility_checks, eligibility_rules, eligibility_rules_care):
        for name, value in vars(module).items():
            if name.startswith(("R_", "N_", "HOUSEHOLD_TYPE_")) and isinstance(value, str):
                keys.add(value)
    keys.update(f"finder.status.{s.value}" for s in Status)
    keys.update(f"finder.question.{q}" for q in QUESTION_IDS)
    keys.update(f"finder.situation.{s}" for s in SITUATIONS)
    keys.update(f"finder.housing.{h}" for h in HOUSING)
    keys.update(f"finder.region.{r}" for r in (*REGIONS, "any"))
    keys.update(f"finder.trait.{t}" for t in ("elderly", "infant", "disability", "pregnant", "single_parent"))
    keys.update(
        f"finder.benefit.{b}"
        for b in (
            "livelihood", "medical", "housing", "education", "near_poor", "emergency", "basic_pension",
            "disability_pension", "single_parent", "elderly_care", "case_management", "young_carer",
            "dementia_care_centre", "long_term_care",
        )
    )
    keys.update(f"finder.life_stage.{x}" for x in LIFE_STAGES)
    keys.update(f"finder.household_situation.{x}" for x in HOUSEHOLD_SITUATIONS)
    keys.update(f"finder.topic.{x}" for x in TOPICS)
    return frozenset(keys)
