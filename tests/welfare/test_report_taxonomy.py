"""The report taxonomy data, its loader and its two catalogs (ko, en)."""
from __future__ import annotations

import copy
import functools
import os
import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from welfare.report_taxonomy import (
    LABEL_PREFIXES,
    ReportTaxonomy,
    TaxonomyError,
    line_range,
    load_report_taxonomy,
    parse_report_taxonomy,
    read_report_taxonomy,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "welfare" / "data" / "report_taxonomy.toml"
LOCALES = ROOT / "locales"
LANGS = ("ko", "en")
GUIDE = Path(os.environ.get(
    "SALPIM_GUIDE_TEXT", "/work/shared/domain/seeds/002_ff312c2d39bc6182.txt"))

HANGUL = re.compile(r"[\uac00-\ud7a3]")

# Ids the dialog code relies on: fixed, in display order.
FIXED_IDS = {
    "situations": ("money_basics", "isolation", "health", "mental_health", "care_gap",
                   "housing", "job_loss", "violence_abuse", "children_youth", "other"),
    "urgent_signs": ("suicide_risk", "violence_abuse", "medical_emergency"),
    "reporter_kinds": ("self", "neighbour"),
    "reporter_types": ("resident", "honorary_officer", "tongban_jang", "mandatory_reporter",
                       "partner_staff", "council_member"),
    "mandatory_reporter_categories": tuple(f"m{n:02d}" for n in range(1, 27)),
    "age_bands": ("child", "youth", "young_adult", "middle_aged", "older", "very_old",
                  "unknown"),
    "genders": ("female", "male", "unknown"),
    "household_sizes": ("1", "2", "3", "4", "5", "unknown"),
}


@pytest.fixture(scope="module")
def tax() -> ReportTaxonomy:
    return load_report_taxonomy()


@pytest.fixture(scope="module")
def raw() -> dict:
    with open(DATA, "rb") as fh:
        return tomllib.load(fh)


@functools.lru_cache(maxsize=None)
def _read_catalog(lang: str):
    with open(LOCALES / lang / "LC_MESSAGES" / "taxonomy.po", "rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module", params=LANGS)
def catalog(request):
    lang = request.param
    return lang, LOCALES / lang / "LC_MESSAGES" / "taxonomy.po", _read_catalog(lang)


def _messages(cat) -> dict[str, str]:
    return {m.id: m.string for m in cat if m.id}


def _po(lang: str) -> dict[str, str]:
    return _messages(_read_catalog(lang))


# --------------------------------------------------------------------------- loader


def test_loads_once_and_is_cached(tax):
    assert isinstance(tax, ReportTaxonomy)
    assert load_report_taxonomy() is tax
    assert read_report_taxonomy(DATA) == tax


@pytest.mark.parametrize("section", sorted(FIXED_IDS))
def test_fixed_ids_in_order(tax, section):
    assert tax.ids(section) == FIXED_IDS[section]


def test_lookups_by_id(tax):
    assert tax.situation("isolation").label_key == "situation.isolation"
    assert tax.situation("isolation").examples_key == "situation.isolation.examples"
    assert tax.urgent_sign("suicide_risk").call_key == "urgent.suicide_risk.call"
    assert tax.mandatory_category("m26").holder_ko == "우편집배원"
    assert tax.mandatory_category("m26").new_in == 2025
    assert tax.reporter_type("tongban_jang").overlaps_mandatory == ("m21",)
    assert tax.household_size("5").at_least
    assert tax.crisis_item(1).label_ko == "단전"
    assert tax.get("genders", "female").label_key == "gender.female"
    assert tax.has("situations", "other") and not tax.has("situations", "nope")
    with pytest.raises(KeyError):
        tax.situation("nope")
    with pytest.raises(KeyError):
        tax.ids("nope")


def test_situations_are_never_urgent_and_urgent_signs_are(tax):
    assert all(s.urgent is False for s in tax.situations)
    assert all(u.urgent is True for u in tax.urgent_signs)
    assert tax.is_urgent(["medical_emergency"])
    assert not tax.is_urgent([])
    with pytest.raises(KeyError):
        tax.is_urgent(["isolation"])  # a situation id is not an urgent sign


def test_situation_details(tax):
    for s in tax.situations:
        assert s.source_term_ko and s.need_domains_ko and s.source_lines
        assert 2 <= len(s.examples_ko) <= 4
        if s.suggests_urgent:
            tax.urgent_sign(s.suggests_urgent)
    assert tax.situation("mental_health").suggests_urgent == "suicide_risk"
    assert tax.situation("violence_abuse").suggests_urgent == "violence_abuse"
    assert tax.situation("health").suggests_urgent == "medical_emergency"
    assert tax.situation("other").crisis_items == ()


def test_whom_to_call(tax):
    assert tax.urgent_sign("suicide_risk").call_now[0] == "109"
    assert "119" in tax.urgent_sign("suicide_risk").call_now
    assert tax.urgent_sign("violence_abuse").call_now == ("112",)
    assert tax.urgent_sign("medical_emergency").call_now == ("119",)
    assert {"112", "119", "109", "129"} <= set(tax.ids("hotlines"))
    # the immediate-report rule for violence and abuse
    assert "L3702-3709" in tax.urgent_sign("violence_abuse").guide_lines


def test_46_crisis_items_all_accounted_for(tax):
    assert [i.no for i in tax.crisis_items] == list(range(1, 47))
    assert len(tax.crisis_item_groups) == 10
    per_group = [sum(1 for i in tax.crisis_items if i.group == g.no)
                 for g in tax.crisis_item_groups]
    assert per_group == [5, 5, 3, 6, 5, 5, 5, 5, 6, 1]
    assert {i.no for i in tax.crisis_items if i.sensitive} == {11, 12, 13}
    assert {i.no for i in tax.crisis_items if i.reconstructed} == set(range(19, 40))
    for item in tax.crisis_items:
        mapped = tax.situations_for_crisis_item(item.no)
        assert bool(mapped) != item.admin_only, item


def test_26_mandatory_categories(tax):
    cats = tax.mandatory_reporter_categories
    assert len(cats) == 26
    assert [c.no for c in cats] == list(range(1, 27))
    assert all(c.holder_ko in c.guide_ko for c in cats)
    groups = tax.ids("mandatory_groups")
    assert 2 <= len(groups) <= 6
    assert sorted(c.id for g in groups for c in tax.mandatory_categories_in(g)) == \
        [c.id for c in cats]
    assert tax.mandatory_category("m07").group == "public_safety"
    assert tax.mandatory_category("m21").group == "utilities_housing"


def test_household_types_cover_every_priority_type(tax):
    assert len(tax.household_types) <= 9  # 장애가 있는 가족 joined (L8019)
    assert tax.household_types[-1].id == "unknown"
    assert len(tax.priority_types) == 9
    reached = {p for h in tax.household_types for p in h.covers}
    reached |= {p for s in tax.situations for p in s.priority_types}
    assert reached == set(tax.ids("priority_types"))


def test_age_bands_and_sizes(tax):
    assert tax.age_band_for(0).id == "child"
    assert tax.age_band_for(12).id == "child"
    assert tax.age_band_for(13).id == "youth"
    assert tax.age_band_for(18).id == "youth"
    assert tax.age_band_for(19).id == "young_adult"
    assert tax.age_band_for(64).id == "middle_aged"
    assert tax.age_band_for(65).id == "older"
    assert tax.age_band_for(80).id == "very_old"
    assert tax.age_band_for(104).id == "very_old"
    assert tax.age_band_for(-1).id == "unknown"
    assert tax.household_size_for(1).id == "1"
    assert tax.household_size_for(5).id == "5"
    assert tax.household_size_for(9).id == "5"
    assert tax.household_size("unknown").persons is None


def test_line_refs_parse(tax):
    assert line_range("L5554") == range(5554, 5555)
    assert line_range("L5560-5564") == range(5560, 5565)
    with pytest.raises(ValueError):
        line_range("5554")


# --------------------------------------------------------------------------- validation


def _broken(raw, mutate):
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(TaxonomyError) as exc:
        parse_report_taxonomy(data)
    return exc.value.problems


def test_rejects_duplicate_ids(raw):
    def dup(d):
        d["situations"][1]["id"] = "money_basics"
    assert any("duplicate id 'money_basics'" in p for p in _broken(raw, dup))


def test_rejects_missing_fields_and_bad_refs(raw):
    def mutate(d):
        del d["situations"][0]["source_term_ko"]
        d["situations"][1]["crisis_items"].append(99)
        d["situations"][2]["urgent"] = True
        d["urgent_signs"][0]["call_now"] = ["999"]
        d["mandatory_reporter_categories"][3]["group"] = "nowhere"
        d["household_types"][0]["covers"] = ["nobody"]
        d["age_bands"][1]["min_age"] = 14
        del d["genders"]
    problems = _broken(raw, mutate)
    for needle in ("source_term_ko", "unknown crisis item 99", "never urgent",
                   "unknown hotline '999'", "unknown mandatory group 'nowhere'",
                   "unknown priority type 'nobody'", "age_bands.youth", "genders"):
        assert any(needle in p for p in problems), (needle, problems)


def test_rejects_renumbered_mandatory_categories(raw):
    def mutate(d):
        d["mandatory_reporter_categories"][0], d["mandatory_reporter_categories"][1] = (
            d["mandatory_reporter_categories"][1], d["mandatory_reporter_categories"][0])
    assert any("m01" in p for p in _broken(raw, mutate))


# --------------------------------------------------------------------------- catalogs


def test_catalog_header(catalog):
    lang, path, cat = catalog
    text = path.read_text(encoding="utf-8")
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in text
    assert f'"Language: {lang}\\n"' in text
    assert str(cat.locale) == lang
    assert cat.charset.lower() == "utf-8"


def test_every_key_present_and_non_empty(tax, catalog):
    lang, _, cat = catalog
    msgs = _messages(cat)
    assert tax.missing_label_keys(msgs) == ()
    assert not [k for k in tax.label_keys() if not msgs[k].strip()], lang
    assert not [m.id for m in cat if m.id and m.fuzzy], lang
    orphans = set(msgs) - set(tax.label_keys())
    assert not orphans, f"{lang}: keys not in the taxonomy: {sorted(orphans)}"
    assert all(k.split(".")[0] in LABEL_PREFIXES.values() for k in msgs)


def _button_keys(tax):
    for section, prefix in LABEL_PREFIXES.items():
        if section == "hotlines":
            continue
        for id_ in tax.ids(section):
            yield section, f"{prefix}.{id_}"


def test_korean_button_labels_are_short(tax):
    msgs = _po("ko")
    too_long = []
    for section, key in _button_keys(tax):
        limit = 12 if section == "situations" else 14
        if len(msgs[key]) > limit:
            too_long.append((key, msgs[key], len(msgs[key])))
    assert not too_long
    for u in tax.urgent_signs:  # one short line each
        assert len(msgs[u.call_key]) <= 45 and len(msgs[u.examples_key]) <= 40
    for s in tax.situations:
        assert len(msgs[s.examples_key]) <= 45, s.id


def test_english_button_labels_fit_a_phone(tax):
    msgs = _po("en")
    assert not [k for _, k in _button_keys(tax) if len(msgs[k]) > 45]


def test_languages_are_what_they_claim(tax):
    ko, en = _po("ko"), _po("en")
    skip = {"household_size.2", "household_size.3", "household_size.4"}
    assert not [k for k in tax.label_keys() if HANGUL.search(en[k])], "Hangul in en"
    assert not [k for k in tax.label_keys()
                if k not in skip and not k.startswith("hotline.") and not HANGUL.search(ko[k])]


def test_catalog_agrees_with_data(tax, catalog):
    lang, _, cat = catalog
    msgs = _messages(cat)
    for u in tax.urgent_signs:  # the call line names the numbers to call now
        for number in u.call_now:
            assert number in msgs[u.call_key], (lang, u.id, number)
    for h in tax.hotlines:
        assert h.number in msgs[h.label_key]
    for band in tax.age_bands:
        if band.min_age is not None:
            assert str(band.min_age) in msgs[band.label_key]
            if band.max_age is not None:
                assert str(band.max_age) in msgs[band.label_key]
    for size in tax.household_sizes:
        if size.persons is not None:
            assert str(size.persons) in msgs[size.label_key]
    if lang == "ko":
        for item in (*tax.situations, *tax.urgent_signs):
            for example in item.examples_ko:
                assert example in msgs[item.examples_key], (item.id, example)


# --------------------------------------------------------------------------- the guide


@pytest.fixture(scope="module")
def guide_lines() -> list[str]:
    if not GUIDE.exists():
        pytest.skip(f"guide text not available at {GUIDE}")
    return GUIDE.read_text(encoding="utf-8").split("\n")


def _text(lines: list[str], ref: str, sep: str = " ") -> str:
    return sep.join(lines[n - 1].strip() for n in line_range(ref) if lines[n - 1].strip())


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_mandatory_wording_is_verbatim(tax, guide_lines):
    for c in tax.mandatory_reporter_categories:
        assert _text(guide_lines, c.lines) == f"{c.no}. {c.guide_ko}", c.id


def test_crisis_item_labels_are_at_their_lines(tax, guide_lines):
    for item in tax.crisis_items:
        assert _squash(item.label_ko) in _squash(_text(guide_lines, item.lines)), item.no
    for g in tax.crisis_item_groups:
        assert _squash(g.label_ko) in _squash(_text(guide_lines, g.lines)), g.no


def test_priority_types_are_at_their_lines(tax, guide_lines):
    for p in tax.priority_types:
        assert _squash(p.term_ko) in _squash(_text(guide_lines, p.lines[0])), p.id


def test_hotlines_in_guide_are_at_their_lines(tax, guide_lines):
    for h in tax.hotlines:
        if h.in_guide:
            assert h.number in _text(guide_lines, h.source_lines[0]), h.id
