"""Free text → situations and topics (kiwipiepy lemmas + the synonym list in data)."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from welfare.free_text import SynonymError, load_synonyms, map_free_text, warm_up

# (text, situations that must be found, topics that must be found)
PHRASES = [
    ("월세가 밀렸어요", {"housing", "money_basics"}, set()),
    ("월세가밀렸어요", {"housing", "money_basics"}, set()),  # no spaces
    ("혼자 사는 어머니가 걱정돼요", {"isolation"}, {"elderly"}),
    ("일자리를 잃었어요", {"job_loss"}, set()),
    ("회사에서 짤렸어요", {"job_loss"}, set()),  # colloquial
    ("회사에서잘렸어", {"job_loss"}, set()),
    ("권고사직 당했어요", {"job_loss"}, set()),
    ("가게 폐업했어요", {"job_loss"}, set()),
    ("밥을 며칠째 못 먹었어요", {"money_basics"}, set()),
    ("먹을 게 없어요", {"money_basics"}, set()),
    ("전기가 끊겼어요", {"money_basics"}, set()),
    ("관리비 3달 밀림", {"money_basics"}, set()),
    ("죽고 싶어요", {"mental_health"}, set()),
    ("살기싫다", {"mental_health"}, set()),
    ("우울해서 아무것도 못하겠어", {"mental_health"}, set()),
    ("남편이 때려요", {"violence_abuse"}, set()),
    ("아빠가 술 먹고 때림", {"violence_abuse"}, set()),
    # 치매 is a 정신적 건강 need (guide L11243), its own finder topic: not a physical illness
    ("할머니가 치매 같아요", set(), {"elderly", "dementia"}),
    ("엄마가 치매인 것 같아요", set(), {"dementia"}),
    ("요즘 기억을 못 하세요", set(), {"dementia"}),
    ("병원비가 없어요", {"health", "money_basics"}, set()),
    ("아들이 방에서 안 나와요", {"isolation"}, set()),
    ("옆집 할아버지가 며칠째 안 보여요", {"isolation"}, {"elderly"}),
    ("외로워요", {"isolation"}, set()),
    ("쫓겨나게 생겼어요", {"housing"}, set()),
    ("집주인이 나가래요", {"housing"}, set()),
    ("애 혼자 키우는데 힘들어요", set(), {"single_parent"}),
    ("엄마 간병하느라 학교를 못 가요", {"care_gap"}, {"young_carer"}),
    ("아이가 학교에 안 가고 밥도 못 먹는 것 같아요", {"children_youth", "money_basics"}, set()),
    ("난방비가 너무 많이 나와요", set(), {"energy"}),
    ("장애가 있는 동생이 있어요", set(), {"disability"}),
    ("보일러가 고장났는데 돈이 없어요", {"money_basics", "housing"}, {"energy"}),
]


@pytest.mark.parametrize("text, situations, topics", PHRASES, ids=[p[0] for p in PHRASES])
def test_phrasings(text: str, situations: set[str], topics: set[str]) -> None:
    found = map_free_text(text)
    assert situations <= {m.id for m in found.situations}, found
    assert topics <= {m.id for m in found.topics}, found
    for match in (*found.situations, *found.topics):
        assert match.matched_words  # the words that matched are reported
    assert set(found.ids) >= situations | topics


def test_matched_words_are_the_lemmas() -> None:
    found = map_free_text("월세가 밀렸어요")
    money = next(m for m in found.situations if m.id == "money_basics")
    assert set(money.matched_words) == {"월세", "밀리다"}


@pytest.mark.parametrize(
    "text",
    ["", "   ", "ㅋㅋㅋㅋ", "🙏🙏😭", "!!!???", "asdf qwer", "안녕하세요", "1234 5678", "회사 때려치웠어요", "오늘 날씨 좋네요", "ㅠㅠ" * 500],
)
def test_nothing_to_find(text: str) -> None:
    assert map_free_text(text).is_empty


def test_long_text_is_cut_not_refused() -> None:
    found = map_free_text("월세가 밀렸어요. " + "가" * 10_000)
    assert "money_basics" in found.ids


def test_not_a_string() -> None:
    with pytest.raises(TypeError):
        map_free_text(None)  # type: ignore[arg-type]


def test_threads_share_one_kiwi() -> None:
    warm_up()
    errors: list[BaseException] = []
    results: list[tuple[str, ...]] = []

    def work() -> None:
        try:
            for _ in range(20):
                results.append(map_free_text("일자리를 잃었어요").ids)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 160 and all(r == ("job_loss",) for r in results)


def test_synonym_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text('[[entry]]\nid = "hunger"\nkind = "situation"\nterms = ["배고프다"]\n', encoding="utf-8")
    with pytest.raises(SynonymError):
        load_synonyms(bad)
    good = tmp_path / "g.toml"
    good.write_text('[[entry]]\nid = "money_basics"\nkind = "situation"\nterms = ["배고프다"]\n', encoding="utf-8")
    assert map_free_text("너무 배고파요", load_synonyms(good)).ids == ("money_basics",)
