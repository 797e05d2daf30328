"""Danger in free text (위험 신호): suicide or self-harm, violence or abuse, a medical emergency.

Every text a person sends is screened here before anything else reads it. The phrases are data
(welfare/data/danger_phrases.toml, with their sources); this module only normalises and
matches. Matching is deliberately simple and fast (no morphological analysis, so it works in
the first second after start and costs microseconds): both the phrase and the text are
folded the same way (spacing, punctuation and stray jamo removed, common misspellings folded)
and a phrase matches anywhere in the text, whatever ending follows it.

The 고독사 pattern (not seen for days, mail piling up, a smell, an older person living alone) is
not an emergency call by itself: :func:`lonely_death_pattern` tells the dialog to ask whether
someone should check on the person today.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path

DEFAULT_PHRASES = Path(__file__).resolve().parent / "data" / "danger_phrases.toml"
WELFARE_LINE = "129"  # 보건복지상담센터: shown with every danger notice
MAX_SCREENED_CHARS = 4000  # a message is a few sentences; a longer one is screened in its first part


class DangerKind(str, Enum):
    """What kind of danger a text shows, in the order the notice names them."""

    SUICIDE = "suicide"  # 자살·자해
    VIOLENCE = "violence"  # 폭력·학대
    MEDICAL = "medical"  # 응급 상황


class DangerPhrasesError(ValueError):
    """danger_phrases.toml is malformed."""


@dataclass(frozen=True, slots=True)
class Danger:
    """The result of screening one text: empty (falsy) when nothing was found."""

    kinds: tuple[DangerKind, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def numbers(self, phrases: DangerPhrases | None = None) -> tuple[str, ...]:
        """The numbers to call, most urgent first, 129 last; no number twice."""
        table = phrases or load_danger_phrases()
        ordered: list[str] = []
        for kind in self.kinds:
            ordered += [n for n in table.calls[kind] if n not in ordered]
        return (*ordered, WELFARE_LINE) if WELFARE_LINE not in ordered else tuple(ordered)


# -- normalisation -------------------------------------------------------------------------------
_S_BASE, _V_COUNT, _T_COUNT = 0xAC00, 21, 28
# Vowels folded where Koreans often misspell: ㅢ→ㅣ, ㅚ/ㅞ→ㅙ (되/돼/뒈). ㅐ/ㅔ are kept apart:
# folding them makes 데려(가요) read as 때려 once tense initials are folded too.
_VOWEL_FOLD = {19: 20, 11: 10, 15: 10}
# Final consonants folded to the sound they make at the end of a syllable (싶→십, 쓰러졌→쓰러졋,
# 갇혀→갖혀, 싫→실): the misspellings of people who write as they speak.
_FINAL_FOLD = {2: 1, 3: 1, 9: 1, 24: 1,  # ㄲ ㄳ ㄺ ㅋ → ㄱ
               5: 4, 6: 4,  # ㄵ ㄶ → ㄴ
               19: 7, 20: 7, 22: 7, 23: 7, 25: 7, 27: 7,  # ㅅ ㅆ ㅈ ㅊ ㅌ ㅎ → ㄷ
               11: 8, 12: 8, 13: 8, 15: 8,  # ㄼ ㄽ ㄾ ㅀ → ㄹ
               10: 16,  # ㄻ → ㅁ
               14: 17, 18: 17, 26: 17}  # ㄿ ㅄ ㅍ → ㅂ
# Spacing, punctuation, emoji and stray jamo (ㅠㅠ, ㅋㅋ) go. Kept: Hangul syllables, Latin letters
# with their Vietnamese diacritics (Latin-1 to Extended-B, Latin Extended Additional: "chết" and
# "chẹt" stay apart) and CJK ideographs (Chinese), so vi and zh phrases match like Korean ones.
_DROP = re.compile(r"[^0-9a-z가-힣\u00c0-\u024f\u1e00-\u1eff\u4e00-\u9fff]+")


def _fold_syllable(ch: str) -> str:
    code = ord(ch) - _S_BASE
    if not 0 <= code < 11172:
        return ch
    initial, rest = divmod(code, _V_COUNT * _T_COUNT)
    vowel, final = divmod(rest, _T_COUNT)
    vowel = _VOWEL_FOLD.get(vowel, vowel)
    final = _FINAL_FOLD.get(final, final)
    return chr(_S_BASE + (initial * _V_COUNT + vowel) * _T_COUNT + final)


def normalise(text: str) -> str:
    """The folded form phrases and texts are compared in (see the data file's header)."""
    composed = unicodedata.normalize("NFC", text[:MAX_SCREENED_CHARS]).casefold()
    return "".join(_fold_syllable(ch) for ch in _DROP.sub("", composed))


# -- the phrase table ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Matcher:
    phrases: re.Pattern[str] | None
    harmless: re.Pattern[str] | None

    @classmethod
    def build(cls, phrases: list[str], harmless: list[str]) -> _Matcher:
        return cls(_alternation(phrases), _alternation(harmless))

    def found_in(self, folded: str) -> bool:
        if self.phrases is None:
            return False
        if self.harmless is not None:
            folded = self.harmless.sub("|", folded)  # a separator, so no phrase spans the gap
        return self.phrases.search(folded) is not None


def _alternation(words: list[str]) -> re.Pattern[str] | None:
    folded = sorted({normalise(w) for w in words if normalise(w)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, folded))) if folded else None


@dataclass(frozen=True)
class DangerPhrases:
    matchers: dict[DangerKind, _Matcher]
    calls: dict[DangerKind, tuple[str, ...]]
    lonely_signs: _Matcher
    lonely_smell: _Matcher
    lonely_alone: _Matcher

    def screen(self, text: str | None) -> Danger:
        if not text:
            return Danger()
        folded = normalise(text)
        return Danger(tuple(kind for kind in DangerKind if self.matchers[kind].found_in(folded)))

    def lonely_death_pattern(self, text: str | None, *, older_or_alone: bool = False) -> bool:
        """A smell, or something wrong at the door (not seen for days, mail piling up) about a
        person who is older or lives alone (from the text, or from the report's answers)."""
        if not text:
            return False
        folded = normalise(text)
        if self.lonely_smell.found_in(folded):
            return True
        return self.lonely_signs.found_in(folded) and (older_or_alone or self.lonely_alone.found_in(folded))


def _strings(table: dict, key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DangerPhrasesError(f"{where}.{key}: a list of non-empty strings")
    return value


def parse_danger_phrases(data: dict) -> DangerPhrases:
    matchers: dict[DangerKind, _Matcher] = {}
    calls: dict[DangerKind, tuple[str, ...]] = {}
    for kind in DangerKind:
        table = data.get(kind.value)
        if not isinstance(table, dict):
            raise DangerPhrasesError(f"[{kind.value}] is missing")
        phrases = _strings(table, "phrases", kind.value)
        if not phrases:
            raise DangerPhrasesError(f"[{kind.value}] has no phrases")
        matchers[kind] = _Matcher.build(phrases, _strings(table, "harmless", kind.value))
        calls[kind] = tuple(_strings(table, "call", kind.value))
    lonely = data.get("lonely_death")
    if not isinstance(lonely, dict):
        raise DangerPhrasesError("[lonely_death] is missing")
    return DangerPhrases(matchers, calls,
                         _Matcher.build(_strings(lonely, "signs", "lonely_death"), []),
                         _Matcher.build(_strings(lonely, "smell", "lonely_death"), []),
                         _Matcher.build(_strings(lonely, "alone", "lonely_death"), []))


@lru_cache(maxsize=4)
def load_danger_phrases(path: Path = DEFAULT_PHRASES) -> DangerPhrases:
    with path.open("rb") as fh:
        return parse_danger_phrases(tomllib.load(fh))


def screen(text: str | None) -> Danger:
    """Screen one free text against the bundled phrases."""
    return load_danger_phrases().screen(text)


def lonely_death_pattern(text: str | None, *, older_or_alone: bool = False) -> bool:
    return load_danger_phrases().lonely_death_pattern(text, older_or_alone=older_or_alone)
