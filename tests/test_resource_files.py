"""Resource-directory files (docs/resources.md): TOML and CSV load with errors that name the line
and the field, export back to the same entries, and `salpim admin load-resources` /
`export-resources` / `resources` work on a store; the 종로구 sample loads as shipped."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salpim.cli import main
from salpim.settings import DEFAULT_ORGANISATIONS
from tests.test_cli import DIRECTORY, rows, store  # noqa: F401 - the fixture
from welfare.resource_search import Query, search
from welfare.resources import DEFAULT_FILE, ResourceError, parse_csv, parse_file, parse_toml, to_csv, to_toml

GOOD = """# a comment
[[resource]]
key = "a-banchan"
org_code = "jn-welfare"
name = "밑반찬 배달"
kind = "in_kind"
needs = ["economy"]
last_verified = 2026-11-01

[[resource]]
key = "b-lunch"
org_code = "jn-food"
name = "경로식당"
kind = "in_kind"
needs = ["economy", "nutrition"]
last_verified = 2026-11-01
"""


def test_toml_errors_name_the_line_and_field():
    with pytest.raises(ResourceError, match=r"^line 10: needs: unknown domain nutrition \(one of economy"):
        parse_toml(GOOD)
    with pytest.raises(ResourceError, match=r"^line 2: last_verified: missing"):
        parse_toml(GOOD.replace("last_verified = 2026-11-01\n", "", 1))
    with pytest.raises(ResourceError, match=r"^line 10: key b-lunch appears twice|^line 10: key a-banchan appears twice"):
        parse_toml(GOOD.replace('"b-lunch"', '"a-banchan"').replace('"nutrition"', '"care"'))
    with pytest.raises(ResourceError, match=r"^line 2: org_code: unknown organisation jn-welfare"):
        parse_toml(GOOD, known_orgs={"jn-food"})
    with pytest.raises(ResourceError, match=r"^line 2: kind: one of programme, in_kind"):
        parse_toml(GOOD.replace('"in_kind"', '"food"', 1))
    with pytest.raises(ResourceError, match="not valid TOML"):
        parse_toml("[[resource]\n")


def test_csv_errors_name_the_line_and_field():
    text = to_csv(parse_toml(GOOD.replace('"nutrition"', '"care"')))
    assert parse_csv(text)[1].needs == ("economy", "care")
    broken = text.replace("2026-11-01", "2026-13-01", 2).replace("2026-13-01", "2026-11-01", 1)
    with pytest.raises(ResourceError, match=r"^line 3: last_verified: a date, YYYY-MM-DD"):
        parse_csv(broken)
    with pytest.raises(ResourceError, match=r"^line 1: missing columns: needs"):
        parse_csv("key,org_code,name,kind,last_verified\n")
    with pytest.raises(ResourceError, match=r"^line 2: area: unknown 읍면동 code 123"):
        parse_csv(text.replace(",economy,,", ",economy,123,", 1), known_dongs={"1111065000"})


def test_the_sample_round_trips_through_both_formats():
    sample = parse_file(DEFAULT_FILE)
    assert len(sample) >= 6 and {r.org_code for r in sample} >= {"jn-welfare", "jn-food", "jn-elder-care"}
    assert parse_csv(to_csv(sample)) == sample and parse_toml(to_toml(sample)) == sample


def test_the_sample_answers_the_issues_example():
    found = search(parse_file(DEFAULT_FILE), Query(dong_code="1111051500", text="반찬"), org_names={}, org_areas={},
                   today=dt.date(2026, 12, 7))
    assert [f.resource.key for f in found] == ["jn-elder-care-banchan"]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_any_search_text_is_safe(text):
    found = search(parse_file(DEFAULT_FILE), Query(text=text), org_names={}, org_areas={}, today=dt.date(2026, 12, 7))
    assert all(f.resource.active for f in found)


def test_cli_loads_lists_and_exports(store, tmp_path, capsys):  # noqa: F811
    assert main(["load-directory", str(DIRECTORY)]) == 0
    assert main(["admin", "load-organisations", str(DEFAULT_ORGANISATIONS)]) == 0
    assert main(["admin", "load-resources", str(DEFAULT_FILE)]) == 0
    assert "8 resources loaded" in capsys.readouterr().out
    assert rows(store, "SELECT action FROM audit_log WHERE action = 'resources_loaded'") == [("resources_loaded",)]
    assert rows(store, "SELECT count(*) FROM timers WHERE kind = 'resource_stale'") == [(8,)]
    assert main(["admin", "resources"]) == 0
    assert "jn-welfare-banchan\tjn-welfare\t어르신 밑반찬 배달" in capsys.readouterr().out
    out = tmp_path / "export.csv"
    assert main(["admin", "export-resources", str(out)]) == 0
    by_key = lambda found: sorted(found, key=lambda r: r.key)  # noqa: E731
    assert by_key(parse_csv(out.read_text(encoding="utf-8"))) == by_key(parse_file(DEFAULT_FILE))
    # Loading the export again updates in place (same keys, no duplicates).
    assert main(["admin", "load-resources", str(out)]) == 0
    assert rows(store, "SELECT count(*), max(version) FROM resources") == [(8, 2)]


def test_cli_refuses_a_bad_file_clearly(store, tmp_path, capsys):  # noqa: F811
    assert main(["load-directory", str(DIRECTORY)]) == 0
    assert main(["admin", "load-organisations", str(DEFAULT_ORGANISATIONS)]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace('"jn-food"', '"jn-nowhere"'), encoding="utf-8")
    assert main(["admin", "load-resources", str(bad)]) == 1
    assert "bad.toml: line 10: org_code: unknown organisation jn-nowhere" in capsys.readouterr().err
    assert rows(store, "SELECT count(*) FROM resources") == [(0,)]  # nothing of a bad file is loaded
