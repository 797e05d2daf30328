"""The `salpim` command's rough edges, as an administrator meets them: a directory saved by
Korean Excel, a token for an account that does not exist, a staff account made without the
읍면동 it works for. Each answer is a clear line and an exit code, never a traceback."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from salpim import settings as settings_module
from salpim.cli import main
from state.migrate import upgrade

DIRECTORY = Path(__file__).resolve().parents[1] / "welfare" / "data" / "directory_jongno.csv"


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    """A migrated SQLite store the CLI is pointed at (settings are read once: cleared around)."""
    database = tmp_path / "cli.db"
    url = f"sqlite+aiosqlite:///{database}"
    upgrade(url)
    monkeypatch.setenv("SALPIM_DATABASE_URL", url)
    monkeypatch.setenv("SALPIM_SECRET_KEY", "cli-test-key-at-least-32-bytes-long")
    settings_module.get_settings.cache_clear()
    yield database
    settings_module.get_settings.cache_clear()


def rows(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize("encoding", ["cp949", "utf-8-sig", "utf-8"])
def test_load_directory_reads_what_korean_excel_saves(store, tmp_path, capsys, encoding):
    csv_file = tmp_path / f"directory-{encoding}.csv"
    csv_file.write_bytes(DIRECTORY.read_text(encoding="utf-8").encode(encoding))
    assert main(["load-directory", str(csv_file)]) == 0
    assert "loaded 1 시군구 and 17 읍면동" in capsys.readouterr().out
    assert rows(store, "SELECT name FROM dongs WHERE code = '1111065000'") == [("혜화동",)]
    assert rows(store, "SELECT name FROM sigungus") == [("서울특별시 종로구",)]


def test_load_directory_says_how_to_save_a_file_it_cannot_read(store, tmp_path, capsys):
    csv_file = tmp_path / "unicode-text.csv"
    csv_file.write_bytes(DIRECTORY.read_text(encoding="utf-8").encode("utf-16"))
    assert main(["load-directory", str(csv_file)]) == 1
    err = capsys.readouterr().err
    assert "UTF-16" in err and "CSV UTF-8" in err and "Traceback" not in err
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"sigungu_code,\xff\xfe\xfa\n")
    assert main(["load-directory", str(garbage)]) == 1
    assert "neither UTF-8 nor CP949" in capsys.readouterr().err
    assert rows(store, "SELECT count(*) FROM dongs") == [(0,)]


def test_a_token_for_no_such_member_is_a_clear_refusal(store, capsys):
    assert main(["admin", "token", "--member", "99"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == "no active staff account 99 (see `salpim admin create-staff`)"
    assert captured.out == ""  # no token printed
    assert rows(store, "SELECT count(*) FROM api_tokens") == [(0,)]


def test_a_token_only_for_an_active_staff_account(store, capsys):
    assert main(["load-directory", str(DIRECTORY)]) == 0
    assert main(["admin", "create-staff", "--role", "caseworker", "--dong", "1111065000"]) == 0
    [(member_id,)] = rows(store, "SELECT id FROM members")
    capsys.readouterr()
    assert main(["admin", "token", "--member", str(member_id)]) == 0
    assert capsys.readouterr().out.startswith("sp_")
    assert main(["admin", "deactivate", "--member", str(member_id)]) == 0
    assert main(["admin", "token", "--member", str(member_id)]) == 1
    assert f"no active staff account {member_id}" in capsys.readouterr().err
    assert rows(store, "SELECT count(*), sum(revoked) FROM api_tokens") == [(1, 1)]
    assert main(["admin", "deactivate", "--member", "99"]) == 1


@pytest.mark.parametrize("role", ["caseworker", "team_leader"])
def test_a_dong_role_without_its_dong_is_refused(store, capsys, role):
    assert main(["load-directory", str(DIRECTORY)]) == 0
    assert main(["admin", "create-staff", "--role", role]) == 1
    err = capsys.readouterr().err
    assert f"a {role} works for one 읍면동: give its code with --dong" in err
    assert rows(store, "SELECT count(*) FROM members") == [(0,)]


def test_staff_accounts_get_the_scope_they_work_in(store, capsys):
    assert main(["load-directory", str(DIRECTORY)]) == 0
    assert main(["admin", "create-staff", "--role", "sigungu_admin"]) == 1
    assert "--sigungu" in capsys.readouterr().err
    assert main(["admin", "create-staff", "--role", "sigungu_admin", "--sigungu", "99999"]) == 1
    assert main(["admin", "create-staff", "--role", "team_leader", "--dong", "1111065000", "--sigungu", "26110"]) == 1
    assert main(["admin", "create-staff", "--role", "team_leader", "--dong", "1111065000"]) == 0
    assert main(["admin", "create-staff", "--role", "sigungu_admin", "--sigungu", "11110"]) == 0
    assert main(["admin", "create-staff", "--role", "auditor"]) == 0  # the audit log has no scope
    assert rows(store, "SELECT role, dong_code, sigungu_code FROM members ORDER BY id") == [
        ("team_leader", "1111065000", "11110"), ("sigungu_admin", None, "11110"), ("auditor", None, None)]
