"""The 읍면동 directory: CSV loading (again = update in place), refusal of a bad file, and the
two-level choice (시군구, then 읍면동) when a directory holds more than one 시군구."""
from __future__ import annotations

import pytest

from salpim.cli import main
from tests.harness import TelegramUser, make_settings, running_app, texts
from welfare.directory import DirectoryError, parse_directory_csv

TWO_SIGUNGU = """sigungu_code,sigungu_name,dong_code,dong_name,lat,lon,team_chat_id,phone
11110,서울특별시 종로구,1111065000,혜화동,37.5870,127.0000,-100500,02-2148-5000
11110,서울특별시 종로구,1111064000,이화동,37.5785,127.0050,,
11140,서울특별시 중구,1114052000,소공동,37.5640,126.9790,,
"""


def test_bad_rows_are_named():
    with pytest.raises(DirectoryError, match="row 2"):
        parse_directory_csv("sigungu_code,sigungu_name,dong_code,dong_name,lat,lon\n1,a,x1,b,1,2\n")
    with pytest.raises(DirectoryError, match="lat and lon"):
        parse_directory_csv("sigungu_code,sigungu_name,dong_code,dong_name,lat,lon\n1,a,11,b,1,\n")
    with pytest.raises(DirectoryError, match="missing columns"):
        parse_directory_csv("code,name\n1,2\n")


def test_load_directory_cli_updates_in_place(tmp_path, monkeypatch, capsys):
    from salpim import settings as settings_module
    from state.migrate import upgrade
    url = f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"
    upgrade(url)
    monkeypatch.setenv("SALPIM_DATABASE_URL", url)
    settings_module.get_settings.cache_clear()
    try:
        csv = tmp_path / "dir.csv"
        csv.write_text(TWO_SIGUNGU, encoding="utf-8")
        assert main(["load-directory", str(csv)]) == 0
        assert "2 시군구 and 3 읍면동" in capsys.readouterr().out
        csv.write_text(TWO_SIGUNGU.replace("소공동", "소공동(개명)"), encoding="utf-8")
        assert main(["load-directory", str(csv)]) == 0
        bad = tmp_path / "bad.csv"
        bad.write_text("nope\n", encoding="utf-8")
        assert main(["load-directory", str(bad)]) == 1
    finally:
        settings_module.get_settings.cache_clear()
    import sqlite3
    rows = sqlite3.connect(tmp_path / "d.db").execute("select name from dongs order by code").fetchall()
    assert [r[0] for r in rows] == ["이화동", "혜화동", "소공동(개명)"]


async def test_two_level_choice_with_several_sigungu(tmp_path, fake_api):
    csv = tmp_path / "dir.csv"
    csv.write_text(TWO_SIGUNGU, encoding="utf-8")
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 't.db'}", fake_api, tmp_path, directory=csv)
    async with running_app(settings) as service:
        user = TelegramUser(service, fake_api)
        await user.say("/start report")
        for label in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성"):
            await user.press(label)
        assert "어느 시·군·구" in user.last_text()
        out = await user.press("서울특별시 중구")
        assert "어느 동" in texts(out) and "소공동" in user.buttons() and "혜화동" not in user.buttons()
        await user.press("소공동")
        await user.press("건너뛰기")
        await user.say("우편물이 쌓였어요")
        await user.press("아니요, 급하지 않아요")  # the 고독사 question: no same-day visit
        await user.press("익명")
        out = await user.press("동의하고 접수")
        assert "접수되었습니다" in texts(out)
        assert fake_api.sent(-100500) == []  # 혜화동's team is not told about 소공동


def test_admin_invite_accepts_the_short_role_name(tmp_path, monkeypatch, capsys):
    from salpim import settings as settings_module
    from state.migrate import upgrade
    url = f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"
    upgrade(url)
    monkeypatch.setenv("SALPIM_DATABASE_URL", url)
    monkeypatch.setenv("SALPIM_SECRET_KEY", "k" * 32)
    settings_module.get_settings.cache_clear()
    try:
        assert main(["load-directory", "welfare/data/directory_jongno.csv"]) == 0
        assert main(["admin", "invite", "--role", "honorary", "--dong", "1111065000"]) == 0
        out = capsys.readouterr().out
        assert "invite code:" in out and "start=invite-" in out
    finally:
        settings_module.get_settings.cache_clear()


def test_region_follows_the_sigungu_and_a_csv_column_overrides_it() -> None:
    from welfare.directory import Directory, parse_directory_csv, region_of

    assert region_of("서울특별시 종로구") == "metropolitan"
    assert region_of("부산광역시 기장군") == "rural"
    assert region_of("경기도 수원시 장안구") == "small_city"
    assert region_of("전라남도 해남군") == "rural"
    assert region_of("세종특별자치시") == "small_city"
    text = ("sigungu_code,sigungu_name,dong_code,dong_name,region\n"
            "11110,서울특별시 종로구,1111065000,혜화동,\n"
            "46820,전라남도 해남군,4682025000,해남읍,\n"
            "41111,경기도 수원시 장안구,4111156000,파장동,rural\n")
    directory = Directory.build(*parse_directory_csv(text))
    assert [d.region for d in directory.dongs] == ["metropolitan", "small_city", "rural"][:0] or \
        {d.code: d.region for d in directory.dongs} == {"1111065000": "metropolitan", "4682025000": "rural",
                                                         "4111156000": "rural"}
    assert directory.known_region("1111065000") == "metropolitan"
    assert directory.known_region() is None  # several regions and no 읍면동 chosen: ask
    jongno = Directory.build(*parse_directory_csv(text.splitlines()[0] + "\n" + text.splitlines()[1] + "\n"))
    assert jongno.known_region() == "metropolitan"
