"""Korean particles follow the word they attach to: "스티커는", "음성 메시지는", never "은(는)"."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import Catalogs
from bot.korean_particles import with_particle
from dialogs.replies import Msg

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("word, particle, expected", [
    ("스티커", "은", "스티커는"), ("음성 메시지", "은", "음성 메시지는"), ("사진", "는", "사진은"),
    ("동영상", "은", "동영상은"), ("파일", "은", "파일은"),
    ("혜화동", "이", "혜화동이"), ("종로구", "가", "종로구가"),
    ("위치", "을", "위치를"), ("연락처", "를", "연락처를"), ("접수번호", "을", "접수번호를"), ("신고", "을", "신고를"),
    ("'잘 모르겠어요'", "을", "'잘 모르겠어요'를"), ("'선택 완료'", "를", "'선택 완료'를"),  # past the quote
    ("어르신", "과", "어르신과"), ("이웃", "와", "이웃과"), ("가족", "와", "가족과"), ("친구", "과", "친구와"),
    ("혜화동", "으로", "혜화동으로"), ("서울", "으로", "서울로"), ("부산", "로", "부산으로"), ("학교", "으로", "학교로"),
    ("'비슷함'", "으로", "'비슷함'으로"), ("'⬅ 이전'", "으로", "'⬅ 이전'으로"), ("'✖ 그만두기'", "로", "'✖ 그만두기'로"),
    ("주민", "이에요", "주민이에요"), ("통장", "예요", "통장이에요"), ("반장", "이에요", "반장이에요"), ("이장", "이에요", "이장이에요"),
    ("모두", "이에요", "모두예요"),
    ("1", "을", "1을"), ("2", "을", "2를"), ("3", "이", "3이"), ("5", "이", "5가"), ("6", "으로", "6으로"),
    ("7", "으로", "7로"), ("10", "은", "10은"), ("20,000", "은", "20,000은"), ("100", "을", "100을"),
    ("1000", "과", "1000과"), ("112", "로", "112로"), ("109", "으로", "109로"), ("119", "로", "119로"), ("129", "로", "129로"),
    ("SMS", "를", "SMS를"), ("URL", "을", "URL을"), ("PDF", "을", "PDF를"), ("QR", "을", "QR을"),
    ("🙂", "은", "🙂는"),  # nothing to go by: the vowel form
])
def test_particle_table(word, particle, expected):
    assert with_particle(word, particle) == expected


def test_messages_pick_the_particle_when_they_are_rendered():
    catalogs = Catalogs(strict=True)
    for kind, expected in (("sticker", "스티커는 받을 수 없어요"), ("voice", "음성 메시지는 받을 수 없어요"),
                           ("photo", "사진은 받을 수 없어요"), ("other", "이 메시지는 받을 수 없어요"),
                           ("location", "위치는 받을 수 없어요"), ("document", "파일은 받을 수 없어요")):
        text = catalogs.render("ko", Msg("input.unsupported", {"kind": Msg(f"input.kind.{kind}"),
                                                               "wanted": Msg("input.wanted.text")}))
        assert text.startswith(expected), text
    english = catalogs.render("en", Msg("input.unsupported", {"kind": Msg("input.kind.sticker"),
                                                              "wanted": Msg("input.wanted.text")}))
    assert english.startswith("I can't use a sticker here") or "sticker" in english


def test_no_korean_catalog_writes_both_particles():
    pair = re.compile(r"[가-힣'’)}](은\(는\)|는\(은\)|이\(가\)|가\(이\)|을\(를\)|를\(을\)|과\(와\)|와\(과\)|\(으\)로|\(이\)에요)")
    found = [(po.name, n, line.strip()) for po in (ROOT / "locales" / "ko" / "LC_MESSAGES").glob("*.po")
             for n, line in enumerate(po.read_text(encoding="utf-8").splitlines(), 1)
             if line.startswith(("msgstr", '"')) and pair.search(line)]
    assert found == []
