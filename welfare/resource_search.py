"""Finding resources by need domain, area and words (welfare/resources.py).

Words are read with the finder's Korean analyser (welfare/free_text.py, Kiwi): "반찬이 필요해요"
and "반찬" search alike. A word of the query hits an entry when the entry's text has it as a
word, contains it ("반찬" is in "밑반찬"), or has a word of the same group in
data/resource_words.toml ("도시락" finds a 경로식당 entry). When no word hits anything, the
finder's own synonyms decide: an entry whose text points to the same crisis situation as the
query ("끼니" and "결식" both say money_basics) is found, ranked after word hits.
"""
from __future__ import annotations

import datetime as dt
import threading
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from welfare import free_text
from welfare.resources import DEFAULT_MAX_AGE_DAYS, Found, Resource

WORDS_FILE = Path(__file__).resolve().parent / "data" / "resource_words.toml"
_LOCK = threading.Lock()
_GROUPS: tuple[frozenset[str], ...] | None = None
# Particles and filler the analyser keeps as nouns or adverbs but that say nothing of the help.
_IGNORED = frozenset({"것", "곳", "데", "좀", "많이", "너무", "필요", "지원", "도움", "서비스", "프로그램"})


def word_groups() -> tuple[frozenset[str], ...]:
    global _GROUPS
    if _GROUPS is None:
        with _LOCK, WORDS_FILE.open("rb") as fh:
            _GROUPS = tuple(frozenset(g["words"]) for g in tomllib.load(fh).get("group", []))
    return _GROUPS


@dataclass(frozen=True, slots=True)
class Query:
    need: str | None = None  # a need domain (DOMAIN_IDS)
    dong_code: str | None = None
    text: str = ""


def query_words(text: str) -> tuple[str, ...]:
    """The words of a query worth matching, each with its group's other words after it."""
    found = [w for w in sorted(free_text.lemmas(text)) if w not in _IGNORED and len(w) > 1]
    if not found and (bare := free_text.squashed(text)) and len(bare) > 1:
        found = [bare]  # a word the analyser split oddly: matched as written
    return tuple(found)


def _entry_words(text: str) -> tuple[frozenset[str], str, frozenset[str]]:
    """An entry's words, its squashed text and the finder situations it points to."""
    try:
        return _analysed_entry_words(text)
    except free_text.LemmasUnavailable:  # the analyser is down: words as written, not cached
        return frozenset(), free_text.squashed(text), frozenset()


@lru_cache(maxsize=4096)
def _analysed_entry_words(text: str) -> tuple[frozenset[str], str, frozenset[str]]:
    # Cached: an entry's text changes only with an edit, and a new text is a new key.
    return free_text.lemmas(text, strict=True), free_text.squashed(text), frozenset(free_text.map_free_text(text).ids)


def _hits(word: str, words: frozenset[str], squashed: str) -> bool:
    if word in words or word in squashed:
        return True
    return any(word in group and (group & words or any(g in squashed for g in group)) for group in word_groups())


def search(resources: Iterable[Resource], query: Query, *, org_names: Mapping[str, str],
           org_areas: Mapping[str, tuple[str, ...]], today: dt.date,
           max_age_days: int = DEFAULT_MAX_AGE_DAYS, fresh_only: bool = False) -> list[Found]:
    """Active entries matching the need, serving the 읍면동 and hitting the words; best first
    (more words hit, then verified before stale, then by name)."""
    words = query_words(query.text) if query.text.strip() else ()
    situations = frozenset(free_text.map_free_text(query.text).ids) if words else frozenset()
    scored: list[tuple[int, Found]] = []
    fallback: list[tuple[int, Found]] = []
    for r in resources:
        if not r.active or (query.need and query.need not in r.needs):
            continue
        if not r.serves(query.dong_code, org_areas.get(r.org_code, ())):
            continue
        stale = r.stale(today, max_age_days)
        if fresh_only and stale:
            continue
        if not words:
            scored.append((0, Found(r, org_names.get(r.org_code, r.org_code), stale, ())))
            continue
        entry_words, squashed, entry_situations = _entry_words(r.text)
        hit = tuple(w for w in words if _hits(w, entry_words, squashed))
        if hit:
            scored.append((len(hit), Found(r, org_names.get(r.org_code, r.org_code), stale, hit)))
        elif shared := situations & entry_situations:
            fallback.append((0, Found(r, org_names.get(r.org_code, r.org_code), stale, tuple(sorted(shared)))))
    chosen = scored or fallback
    chosen.sort(key=lambda pair: (-pair[0], pair[1].stale, pair[1].resource.name))
    return [found for _, found in chosen]
