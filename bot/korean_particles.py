"""Korean particles (조사) chosen by the word they follow, so no message reads "메시지은(는)".

A catalog message asks for a particle in the placeholder's format spec: ``{kind:은}`` renders
"스티커는" or "음성 메시지는", ``{dong:으로}`` "혜화동으로" or "종로1가로". The choice
depends on whether the last syllable has a final consonant (받침), and for 으로/로 whether that
consonant is ㄹ (서울로, not 서울으로). Either form of a pair may be written in the catalog.
"""
from __future__ import annotations

from typing import Any

# particle written in the catalog → (form after a final consonant, form after a vowel)
_PAIRS: dict[str, tuple[str, str]] = {}
for _with, _without in (("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("으로", "로"),
                        ("이에요", "예요"), ("이나", "나"), ("이랑", "랑"), ("아", "야")):
    _PAIRS[_with] = _PAIRS[_without] = (_with, _without)

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # index of ㄹ among the 28 final-consonant slots (0 = none)
# How a final digit is read: 영 일 이 삼 사 오 육 칠 팔 구 → its final consonant (0 none, 8 ㄹ, other).
_DIGIT_FINAL = {"0": 21, "1": _RIEUL, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": _RIEUL, "8": _RIEUL, "9": 0}
# Round numbers are read by their unit: 십 백 천 만 (10, 100, 1000, 10000).
_UNIT_FINAL = {1: 17, 2: 1, 3: 4, 4: 4}
# Latin letters as Korean reads them (엘, 엠, 엔, 알 end in a consonant; 에이, 비, 씨… do not).
_LETTER_FINAL = {"l": _RIEUL, "m": 16, "n": 4, "r": _RIEUL}
# Closing marks after the word itself: "'동의하고 접수'를" looks past the quote.
_TRAILING = " \t'\"’”」』)]}>.…!?·"


def final_consonant(word: str) -> int | None:
    """The final-consonant index (0 = none, 8 = ㄹ) of how `word` ends, or None if unknown."""
    text = word.rstrip(_TRAILING)
    if not text:
        return None
    last = text[-1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        return (ord(last) - _HANGUL_FIRST) % 28
    if last.isdigit():
        digits = text.replace(",", "")
        number = digits[len(digits.rstrip("0123456789")):]
        zeros = len(number) - len(number.rstrip("0"))
        if zeros and number.strip("0"):
            return _UNIT_FINAL[min(zeros, 4)]  # 10 십, 100 백, 1000 천, 10000 and up …만
        return _DIGIT_FINAL.get(last)
    if last.isascii() and last.isalpha():
        return _LETTER_FINAL.get(last.lower(), 0)
    return None


def with_particle(word: str, particle: str) -> str:
    """`word` followed by the right form of `particle` ("은" or "는", "으로" or "로"...)."""
    after_consonant, after_vowel = _PAIRS[particle]
    final = final_consonant(word)
    if final is None:  # nothing to go by (an emoji, an empty value): the vowel form reads least oddly
        return word + after_vowel
    if after_consonant == "으로" and final == _RIEUL:
        return word + after_vowel
    return word + (after_consonant if final else after_vowel)


def is_particle(spec: str) -> bool:
    return spec in _PAIRS


class ParticleValue:
    """A placeholder value that understands particle format specs and passes any other spec on."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        if spec in _PAIRS:
            return with_particle(format(self.value, ""), spec)
        return format(self.value, spec)

    def __str__(self) -> str:
        return str(self.value)
