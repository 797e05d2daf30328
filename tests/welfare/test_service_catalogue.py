"""The service catalogue: every entry valid, every rule known, every message key translated."""
from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from welfare.eligibility import message_keys, screen
from welfare.eligibility_parameters import load_parameters
from welfare.eligibility_rules import RULES
from welfare.finder_format import format_params
from welfare.service_catalogue import CatalogueError, load_catalogue

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
REQUIRED_SERVICES = {
    "livelihood_benefit", "medical_benefit", "housing_benefit", "education_benefit",
    "emergency_livelihood_support", "emergency_medical_support", "emergency_housing_support",
    "basic_pension", "disability_pension", "single_parent_child_support", "energy_voucher",
    "elderly_customized_care", "near_poor_copay_reduction", "integrated_case_management",
    "young_carer_support", "isolated_youth_support", "example_food_bank", "example_middle_aged_social_program",
}


def po_messages(lang: str) -> dict[str, str]:
    with (LOCALES / lang / "LC_MESSAGES" / "finder.po").open("rb") as fh:
        catalog = read_po(fh)
    assert str(catalog.locale) == lang
    return {m.id: m.string for m in catalog if m.id}


KO, EN = po_messages("ko"), po_messages("en")
CATALOGUE = load_catalogue()
PARAMETERS = load_parameters()


def test_po_headers() -> None:
    for lang in ("ko", "en"):
        text = (LOCALES / lang / "LC_MESSAGES" / "finder.po").read_text(encoding="utf-8")
        assert '"Content-Type: text/plain; charset=UTF-8\\n"' in text
        assert f'"Language: {lang}\\n"' in text


def test_catalogue_has_every_required_service() -> None:
    assert REQUIRED_SERVICES <= {s.id for s in CATALOGUE}


def test_every_entry_is_complete_and_its_rule_exists() -> None:
    for service in CATALOGUE:
        assert service.eligibility_rule in RULES
        assert service.name.ko and service.name.en and service.description.ko and service.application_process.en
        assert service.contacts and service.life_stages and service.topics
        assert service.last_checked <= dt.date.today()
        assert service.organization_id in CATALOGUE.organizations


def test_local_examples_are_marked_and_can_be_left_out() -> None:
    examples = {s.id for s in CATALOGUE if s.example}
    assert examples == {"example_food_bank", "example_middle_aged_social_program"}
    assert not examples & {s.id for s in load_catalogue(include_examples=False)}


def test_rule_parameters_are_in_force_every_day_we_cover() -> None:
    day = dt.date(2025, 1, 1)
    while day <= dt.date(2026, 12, 31):
        ps = PARAMETERS.in_force(day)
        for rule in RULES.values():
            for name in rule.parameters:
                ps.get(name)
        day += dt.timedelta(days=29)


def test_every_key_exists_and_is_not_empty_in_both_languages() -> None:
    keys = message_keys()
    for lang, messages in (("ko", KO), ("en", EN)):
        missing = sorted(k for k in keys if not messages.get(k, "").strip())
        assert not missing, f"{lang}: {missing}"
    # Both languages use the same placeholders.
    for key in keys:
        ko_fields = {f for _, f, _, _ in string.Formatter().parse(KO[key]) if f}
        en_fields = {f for _, f, _, _ in string.Formatter().parse(EN[key]) if f}
        assert ko_fields == en_fields, key


def test_every_key_literal_in_the_code_is_declared() -> None:
    literal = re.compile(r'"(finder\.[a-z_]+\.[a-z_]+)"')
    found: set[str] = set()
    for path in (ROOT / "welfare").glob("eligibility*.py"):
        found.update(literal.findall(path.read_text(encoding="utf-8")))
    assert found and found <= message_keys(), sorted(found - message_keys())


HOUSEHOLDS = [
    {"members": [{"age": 72, "disability": False}], "monthly_income": 500_000, "assets": 0, "housing": "monthly_rent", "situations": ["isolation"]},
    {"members": [{"age": 41}, {"age": 39}, {"age": 12}, {"age": 8}], "monthly_income": 1_800_000, "assets": 30_000_000, "financial_assets": 2_000_000,
     "housing": "jeonse", "region": "rural", "situations": ["job_loss", "money_basics", "violence_abuse"]},
    {"members": [{"age": 35, "disability": True, "severe_disability": True}, {"age": 63}], "monthly_income": 2_000_000, "assets": 150_000_000, "situations": ["health"]},
    {"members": [{"age": 29}, {"age": 3, "disability": True}], "monthly_income": 1_500_000, "situations": ["single_parent"], "housing": "free_of_charge"},
    {"members": [{"age": 19}, {"age": 20}], "situations": ["young_carer", "care_gap"]},
    {"members": [{"age": 70}, {"age": 68}], "monthly_income": 3_000_000, "assets": 400_000_000, "receives": ["medical_benefit"], "situations": []},
    {"members": [{"age": 80}, {"age": 50}, {"age": 20}], "monthly_income": 9_000_000, "assets": 200_000_000, "couple": None},
    {"members": [{}]},
]


@pytest.mark.parametrize("household", HOUSEHOLDS)
def test_every_emitted_message_renders_in_both_languages(household: dict[str, object]) -> None:
    for result in screen(household, CATALOGUE, PARAMETERS, dt.date(2026, 5, 1)):
        for reason in (*result.reasons, *result.notes):
            for lang, messages in (("ko", KO), ("en", EN)):
                text = messages[reason.key].format_map(format_params(reason.params, lang, messages.__getitem__))
                assert text and "{" not in text and "finder." not in text
        for question in result.missing:
            assert KO[question.key] and EN[question.key]
        assert KO[f"finder.status.{result.status.value}"]


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "local.toml"
    path.write_text(body, encoding="utf-8")
    return tmp_path


LOCAL = '''
[[organization]]
id = "gu_center"
name_ko = "구립 복지관"
name_en = "District welfare centre"

[[service]]
id = "gu_lunch"
organization_id = "gu_center"
name_ko = "경로식당"
name_en = "Lunch for older people"
description_ko = "어르신 점심"
description_en = "Lunch"
eligibility_description_ko = "65세 이상"
eligibility_description_en = "65+"
benefit_description_ko = "점심"
benefit_description_en = "Lunch"
application_process_ko = "복지관"
application_process_en = "At the centre"
life_stages = ["elderly"]
topics = ["living_support"]
situations = ["money_basics"]
eligibility_rule = "{rule}"
source = "test"
last_checked = 2026-11-01

[service.eligibility_params]
{params}

[[service.contacts]]
name_ko = "복지관"
name_en = "Centre"
phone = "02-000-0000"
'''


def test_an_extra_directory_is_loaded_and_screened(tmp_path: Path) -> None:
    directory = _write(tmp_path, LOCAL.format(rule="local_resource", params="min_age = 65\nsituations_any = [\"money_basics\"]"))
    catalogue = load_catalogue([directory])
    assert catalogue.service("gu_lunch").name.ko == "경로식당"
    results = {r.service_id: r for r in screen({"members": [{"age": 70}], "situations": ["money_basics"]}, catalogue, PARAMETERS, dt.date(2026, 5, 1))}
    assert results["gu_lunch"].status.value == "likely"
    assert catalogue.for_situations(["money_basics"])


@pytest.mark.parametrize(
    "rule, params, problem",
    [
        ("no_such_rule", "", "eligibility_rule"),
        ("local_resource", "min_age = \"65\"", "eligibility_params"),
        ("local_resource", "situations_any = [\"hunger\"]", "situations_any"),
        ("local_resource", "colour = 1", "eligibility_params"),
    ],
)
def test_bad_local_entries_are_refused(tmp_path: Path, rule: str, params: str, problem: str) -> None:
    directory = _write(tmp_path, LOCAL.format(rule=rule, params=params))
    with pytest.raises(CatalogueError, match=problem):
        load_catalogue([directory])


def test_duplicate_service_ids_are_refused(tmp_path: Path) -> None:
    body = LOCAL.format(rule="local_resource", params="").replace('id = "gu_lunch"', 'id = "basic_pension"')
    with pytest.raises(CatalogueError, match="already used"):
        load_catalogue([_write(tmp_path, body)])


def test_filters_follow_bokjiro() -> None:
    elderly = {s.id for s in CATALOGUE.filter(life_stage="elderly")}
    assert {"basic_pension", "elderly_customized_care"} <= elderly
    assert "single_parent_child_support" in {s.id for s in CATALOGUE.filter(household_situation="single_parent_grandparent")}
    assert "housing_benefit" in {s.id for s in CATALOGUE.filter(topic="housing")}
