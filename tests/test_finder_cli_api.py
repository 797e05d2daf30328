"""`salpim screen`, `salpim load-services` and POST /api/screen: the same results, as JSON, for
the public household format (docs/screening-input.md)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from salpim.cli import main
from salpim.settings import get_settings
from tests.harness import make_settings, running_app

HOUSEHOLD = {"members": [{"age": 72, "disability": False}], "monthly_income": 500000, "assets": 0,
             "housing": "monthly_rent", "situations": ["isolation"]}
LOCAL_SERVICES = '''
[[organization]]
id = "jongno_food_bank"
name_ko = "종로구 기초푸드뱅크"
name_en = "Jongno basic food bank"

[[service]]
id = "jongno_food_bank_groceries"
organization_id = "jongno_food_bank"
name_ko = "종로 푸드뱅크 식품 지원"
name_en = "Jongno food bank groceries"
description_ko = "기부받은 식품과 생필품을 나눕니다."
description_en = "Donated food and daily necessities."
eligibility_description_ko = "저소득 가구와 위기가구."
eligibility_description_en = "Low-income households and households in crisis."
benefit_description_ko = "한 달에 한 번 식품 꾸러미."
benefit_description_en = "A food parcel once a month."
application_process_ko = "동 주민센터의 의뢰서를 받아 방문합니다."
application_process_en = "Visit with a referral from your community centre."
life_stages = ["youth", "middle_aged", "elderly"]
topics = ["living_support"]
situations = ["money_basics"]
eligibility_rule = "local_resource"
source = "종로구 복지정책과, 2026-11"
last_checked = 2026-11-20

[service.eligibility_params]
situations_any = ["money_basics"]

[[service.contacts]]
name_ko = "종로구 기초푸드뱅크"
name_en = "Jongno basic food bank"
phone = "02-000-0000"
'''


@pytest.fixture
def services_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "services"
    monkeypatch.setenv("SALPIM_SERVICES_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def household_file(tmp_path: Path, data: object) -> str:
    path = tmp_path / "household.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_screen_prints_every_service_as_json(capsys, tmp_path, services_dir):
    code, out, _ = run(capsys, "screen", "--json", household_file(tmp_path, HOUSEHOLD), "--on", "2026-03-01")
    assert code == 0
    results = {r["service_id"]: r for r in json.loads(out)}
    assert "example_food_bank" not in results  # placeholder examples are not offered
    livelihood = results["livelihood_benefit"]
    assert livelihood["name"] == "생계급여" and livelihood["status"] == "eligible"
    first = livelihood["reasons"][0]
    assert first["key"] == "finder.reason.income_at_or_below"
    assert first["params"] == {"household_size": 1, "income": 500000, "benefit": "finder.benefit.livelihood",
                               "threshold": 820556}
    assert first["text"] == "1인 가구 월 소득 50만원은 생계급여 선정기준 820,556원 이하입니다"
    assert livelihood["missing"] == [] and livelihood["parameters_from"] == "2026-01-01"
    assert livelihood["notes"][0]["key"] == "finder.note.screening_only" and "모의계산" in livelihood["notes"][0]["text"]
    pension = results["basic_pension"]
    assert pension["status"] in ("eligible", "likely")
    assert {r["status"] for r in results.values()} <= {"eligible", "likely", "not_eligible", "need_more_info"}


def test_screen_in_english_and_on_an_earlier_year(capsys, tmp_path, services_dir):
    path = household_file(tmp_path, {"members": [{}, {}, {}, {}], "monthly_income": 1800000})
    code, out, _ = run(capsys, "screen", "--json", path, "--on", "2025-06-01", "--locale", "en")
    assert code == 0
    livelihood = next(r for r in json.loads(out) if r["service_id"] == "livelihood_benefit")
    assert livelihood["name"] == "Livelihood benefit" and livelihood["parameters_from"] == "2025-01-01"
    assert "₩1,800,000" in livelihood["reasons"][0]["text"] and "₩1,951,287" in livelihood["reasons"][0]["text"]
    missing = next(r for r in json.loads(out) if r["service_id"] == "basic_pension")["missing"]
    assert missing and missing[0]["id"] == "member_age" and missing[0]["text"]


def test_screen_refuses_invalid_input_with_the_field(capsys, tmp_path, services_dir):
    code, out, err = run(capsys, "screen", "--json", household_file(tmp_path, {"members": [{"age": 200}]}))
    assert code == 1 and out == "" and "members.0.age" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "screen", "--json", str(bad))
    assert code == 1 and "cannot read" in err


def test_load_services_checks_copies_and_screen_includes_it(capsys, tmp_path, services_dir):
    source = tmp_path / "jongno_food.toml"
    source.write_text(LOCAL_SERVICES, encoding="utf-8")
    code, out, err = run(capsys, "load-services", str(source))
    assert code == 0, err
    assert "jongno_food_bank_groceries: 종로 푸드뱅크 식품 지원 / Jongno food bank groceries" in out
    assert "(1 local)" in out and (services_dir / "jongno_food.toml").read_text(encoding="utf-8") == LOCAL_SERVICES
    path = household_file(tmp_path, {"members": [{"age": 50}], "situations": ["money_basics"]})
    code, out, _ = run(capsys, "screen", "--json", path)
    local = next(r for r in json.loads(out) if r["service_id"] == "jongno_food_bank_groceries")
    assert local["status"] == "likely" and local["name"] == "종로 푸드뱅크 식품 지원"
    # Loading the same file again replaces it; a file repeating an id elsewhere is refused.
    assert run(capsys, "load-services", str(source))[0] == 0
    clash = tmp_path / "clash.toml"
    clash.write_text(LOCAL_SERVICES.replace('id = "jongno_food_bank"', 'id = "other_org"')
                     .replace('organization_id = "jongno_food_bank"', 'organization_id = "other_org"'),
                     encoding="utf-8")
    code, _, err = run(capsys, "load-services", str(clash))
    assert code == 1 and "jongno_food_bank_groceries" in err and "already used" in err
    assert not (services_dir / "clash.toml").exists()


def test_load_services_refuses_a_malformed_file(capsys, tmp_path, services_dir):
    broken = tmp_path / "broken.toml"
    broken.write_text(LOCAL_SERVICES.replace('eligibility_rule = "local_resource"', 'eligibility_rule = "nope"'),
                      encoding="utf-8")
    code, _, err = run(capsys, "load-services", str(broken))
    assert code == 1 and "eligibility_rule" in err and not services_dir.exists()
    assert run(capsys, "load-services", str(tmp_path / "missing.toml"))[0] == 1


@pytest.fixture
async def api(tmp_path):
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'api.db'}", None, tmp_path,
                             services_dir=tmp_path / "services")
    async with running_app(settings) as service:
        yield service


async def test_api_screen_is_public_and_answers_like_the_cli(api):
    response = await api.client.post("/api/screen", json=HOUSEHOLD)
    assert response.status_code == 200
    results = {r["service_id"]: r for r in response.json()}
    livelihood = results["livelihood_benefit"]
    assert livelihood["status"] == "eligible" and livelihood["name"] == "생계급여"
    assert livelihood["reasons"][0]["text"].startswith("1인 가구 월 소득 50만원은 생계급여 선정기준 820,556원")
    english = (await api.client.post("/api/screen?locale=en", json=HOUSEHOLD)).json()
    assert english[0]["name"] == "Livelihood benefit" and "₩820,556" in english[0]["reasons"][0]["text"]
    spec = (await api.client.get("/openapi.json")).json()
    assert "/api/screen" in spec["paths"]


@pytest.mark.parametrize(("body", "field", "problem"), [
    ({"members": []}, "members", "count"),
    ({"monthly_income": 100}, "members", "required"),
    ({"members": [{"age": "old"}]}, "members.0.age", "not_a_number"),
    ({"members": [{}], "housing": "castle"}, "housing", "unknown_value"),
    ({"members": [{}], "income": 5}, "'income'", "unknown_field"),
    ([1, 2], "household", "not_an_object"),
])
async def test_api_screen_refuses_invalid_input_clearly(api, body, field, problem):
    response = await api.client.post("/api/screen", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["field"] == field and detail["problem"] == problem and detail["message"]


async def test_api_screen_refuses_what_is_not_json(api):
    response = await api.client.post("/api/screen", content=b"{members", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["detail"]["problem"] == "not_json"
    huge = await api.client.post("/api/screen", content=b" " * (65 * 1024))
    assert huge.status_code == 413
    assert (await api.client.post("/api/screen?locale=fr", json=HOUSEHOLD)).status_code == 422
