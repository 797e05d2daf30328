"""Map what residents write ("월세가 밀렸어요") to situations and finder topics.

Kiwi (kiwipiepy) splits the text into morphemes; we match lemmas — nouns as written, verbs
and adjectives as stem + 다, noun + 하다/되다 compounds — against the synonym list kept as
data in welfare/data/synonyms.toml. Spacing does not matter ("월세가밀렸어요" analyses the
same way). Nothing found returns an empty :class:`TextMapping`: the caller then falls back to
guided questions. Kiwi takes about a second to start, so it is loaded once, lazily, and
shared behind a lock (we do not rely on its thread safety).

Kiwi costs ≈ 300 MB a process, so a served instance loads it once per machine, in a process of
its own that the workers ask (issue 16; integrations/analyser_process.py): the workers plug that
in with :func:`use_lemma_source`. A source that cannot answer raises :class:`LemmasUnavailable`;
the mapping is then empty (the guided questions), never a Kiwi loaded here after all.
"""
from __future__ import annotations

import re
import threading
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

from welfare.screening_input import FINDER_TOPICS, SHARED_SITUATIONS

if TYPE_CHECKING:  # pragma: no cover
    from kiwipiepy import Kiwi

DEFAULT_SYNONYMS = Path(__file__).resolve().parent / "data" / "synonyms.toml"
MAX_TEXT_CHARS = 2000  # longer messages are cut: a report is a few sentences, not a document

Kind = Literal["situation", "topic"]
_HAS_WORD = re.compile(r"[가-힣A-Za-z]")
_NOT_WORD = re.compile(r"[^0-9A-Za-z가-힣]+")
_NOUN_TAGS = frozenset({"NNG", "NNP", "XR", "SL"})
_VERB_TAGS = frozenset({"VV", "VA", "VX"})
_DERIVING_TAGS = frozenset({"XSV", "XSA"})


class SynonymError(ValueError):
    """synonyms.toml is malformed."""


class LemmasUnavailable(RuntimeError):
    """The lemma source could not answer (the analyser process is down or too slow)."""


# text (at most MAX_TEXT_CHARS, with a word in it) → its lemmas, as _KiwiHolder.lemmas computes them
LemmaSource = Callable[[str], frozenset[str]]


@dataclass(frozen=True, slots=True)
class SynonymEntry:
    id: str
    kind: Kind
    terms: frozenset[str]
    all_of: tuple[tuple[str, ...], ...]
    text: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SituationMatch:
    id: str
    kind: Kind
    matched_words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TextMapping:
    situations: tuple[SituationMatch, ...] = ()
    topics: tuple[SituationMatch, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.situations and not self.topics

    @property
    def ids(self) -> tuple[str, ...]:
        """Situation then topic ids, ready for the finder's ``situations`` input."""
        return tuple(m.id for m in (*self.situations, *self.topics))


def load_synonyms(path: str | Path | None = None) -> tuple[SynonymEntry, ...]:
    with Path(path or DEFAULT_SYNONYMS).open("rb") as fh:
        document = tomllib.load(fh)
    entries: list[SynonymEntry] = []
    seen: set[str] = set()
    for position, raw in enumerate(document.get("entry", [])):
        where = f"entry[{position}]"
        if not isinstance(raw, dict) or set(raw) - {"id", "kind", "terms", "all_of", "text"}:
            raise SynonymError(f"{where}: a table with id, kind, terms, all_of, text")
        entry_id, kind = raw.get("id"), raw.get("kind")
        allowed = SHARED_SITUATIONS if kind == "situation" else FINDER_TOPICS if kind == "topic" else ()
        if entry_id not in allowed or entry_id in seen:
            raise SynonymError(f"{where}: id {entry_id!r} is not a known, unrepeated {kind!r}")
        seen.add(entry_id)
        terms, all_of, text = raw.get("terms", []), raw.get("all_of", []), raw.get("text", [])
        if not _strings(terms) or not _strings(text) or not all(_strings(group) and group for group in all_of):
            raise SynonymError(f"{where}: terms and text are lists of words; all_of a list of word lists")
        entries.append(
            SynonymEntry(
                id=entry_id,
                kind=kind,
                terms=frozenset(terms),
                all_of=tuple(tuple(group) for group in all_of),
                text=tuple(_NOT_WORD.sub("", t) for t in text),
            )
        )
    return tuple(entries)


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


# Without the multi-word and typo dictionaries the analyser takes ~300 MB instead of ~490 MB per
# process and maps every sentence of the finder's and the mapping's tests exactly as before
# (410 of 410, `python -m bench.analyser_options`; docs/performance.md, "Small workers").
# Without the default dictionary too it would be ~210 MB, but "한부모" is no longer found.
# num_workers=0: analyse in the calling thread (we call it under a lock anyway), no thread pool.
KIWI_OPTIONS = {"num_workers": 0, "load_multi_dict": False, "load_typo_dict": False}


class _KiwiHolder:
    """One Kiwi for the process, created on first use."""

    def __init__(self) -> None:
        self._kiwi: Kiwi | None = None
        self._load_lock = threading.Lock()
        self._use_lock = threading.Lock()

    def get(self) -> Kiwi:
        if self._kiwi is None:
            with self._load_lock:
                if self._kiwi is None:
                    from kiwipiepy import Kiwi

                    with warnings.catch_warnings():  # "0 means one thread since 0.21": what we want
                        warnings.filterwarnings("ignore", "behavior of `num_workers=0`", DeprecationWarning)
                        self._kiwi = Kiwi(**KIWI_OPTIONS)
        return self._kiwi

    def lemmas(self, text: str) -> frozenset[str]:
        kiwi = self.get()
        with self._use_lock:
            tokens = kiwi.tokenize(text)
        found: set[str] = set()
        previous_form, previous_tag = "", ""
        for token in tokens:
            # Irregular conjugations carry a suffix (VA-I, VV-R): the class is before the dash.
            form, tag = token.form, token.tag.split("-", 1)[0]
            if tag in _NOUN_TAGS or tag == "MAG":
                found.add(form)
                if tag == "NNG" and previous_tag == "NNG":
                    found.add(previous_form + form)  # 전기 + 세 → 전기세
            elif tag in _VERB_TAGS:
                found.add(form + "다")
            elif tag in _DERIVING_TAGS and previous_tag in ("NNG", "XR"):
                found.add(previous_form + form + "다")  # 우울 + 하 → 우울하다
            elif tag == "NNB" and form in ("것", "거", "곳", "데"):
                found.add("것" if form == "거" else form)
            previous_form, previous_tag = form, tag
        return frozenset(found)


_KIWI = _KiwiHolder()
_SOURCE: LemmaSource | None = None  # None: Kiwi in this process
_DEFAULT_ENTRIES: tuple[SynonymEntry, ...] | None = None
_ENTRIES_LOCK = threading.Lock()


def use_lemma_source(source: LemmaSource | None) -> None:
    """Where lemmas come from: ``source(text)`` (raising LemmasUnavailable when it cannot
    answer), or None for Kiwi in this process (the default)."""
    global _SOURCE
    _SOURCE = source


def kiwi_lemmas(text: str) -> frozenset[str]:
    """The lemmas from Kiwi in this process, whatever the source: what the analyser process
    answers its workers."""
    return _KIWI.lemmas(text[:MAX_TEXT_CHARS])


def load_kiwi() -> None:
    _KIWI.get()


def _lemmas(text: str) -> frozenset[str]:
    return _SOURCE(text) if _SOURCE is not None else _KIWI.lemmas(text)


def warm_up() -> None:
    """Load the analyser (or reach it) and the synonyms now (e.g. at bot start) instead of on the
    first message."""
    _default_entries()
    _facts()
    map_free_text("월세가 밀렸어요")


def _default_entries() -> tuple[SynonymEntry, ...]:
    global _DEFAULT_ENTRIES
    if _DEFAULT_ENTRIES is None:
        with _ENTRIES_LOCK:
            if _DEFAULT_ENTRIES is None:
                _DEFAULT_ENTRIES = load_synonyms()
    return _DEFAULT_ENTRIES


# What a person's words already say about the household, so the finder does not ask it again.
# Kept as data beside the synonyms (synonyms.toml, [[fact]]): id → the finder answer it gives.
FACTS: dict[str, tuple[str, object]] = {
    "lives_alone": ("household_size", 1),
    "no_spouse": ("couple", "no"),
    "with_spouse": ("couple", "yes"),
}


def _load_facts(path: Path | None = None) -> tuple[SynonymEntry, ...]:
    with Path(path or DEFAULT_SYNONYMS).open("rb") as fh:
        document = tomllib.load(fh)
    facts = []
    for position, raw in enumerate(document.get("fact", [])):
        if not isinstance(raw, dict) or raw.get("id") not in FACTS:
            raise SynonymError(f"fact[{position}]: id must be one of {sorted(FACTS)}")
        facts.append(SynonymEntry(raw["id"], "topic", frozenset(raw.get("terms", [])),
                                  tuple(tuple(g) for g in raw.get("all_of", [])),
                                  tuple(_NOT_WORD.sub("", t) for t in raw.get("text", []))))
    return tuple(facts)


def household_facts(text: str) -> dict[str, object]:
    """Finder answers the text states outright ("혼자 살아요" → household_size 1)."""
    if not isinstance(text, str) or not _HAS_WORD.search(text):
        return {}
    text = text[:MAX_TEXT_CHARS]
    try:
        lemmas = _lemmas(text)
    except LemmasUnavailable:
        return {}  # the finder asks instead
    squashed = _NOT_WORD.sub("", text)
    found: dict[str, object] = {}
    for fact in _facts():
        hit = bool(fact.terms & lemmas) or any(all(w in lemmas for w in g) for g in fact.all_of) \
            or any(t and t in squashed for t in fact.text)
        if hit:
            name, value = FACTS[fact.id]
            found.setdefault(name, value)
    return found


_FACTS: tuple[SynonymEntry, ...] | None = None


def _facts() -> tuple[SynonymEntry, ...]:
    global _FACTS
    if _FACTS is None:
        with _ENTRIES_LOCK:
            if _FACTS is None:
                _FACTS = _load_facts()
    return _FACTS


def map_free_text(text: str, entries: tuple[SynonymEntry, ...] | None = None) -> TextMapping:
    """Situations and topics the text points to, each with the words that matched."""
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    text = text[:MAX_TEXT_CHARS]
    if not _HAS_WORD.search(text):
        return TextMapping()  # emoji, punctuation, "ㅋㅋㅋ": nothing to analyse
    table = entries if entries is not None else _default_entries()
    try:
        lemmas = _lemmas(text)
    except LemmasUnavailable:
        # Empty, not the raw fragments alone: a partial guess would look like an understanding.
        return TextMapping()
    squashed = _NOT_WORD.sub("", text)
    situations: list[SituationMatch] = []
    topics: list[SituationMatch] = []
    for entry in table:
        words: list[str] = sorted(entry.terms & lemmas)
        for group in entry.all_of:
            if all(word in lemmas for word in group):
                words.extend(w for w in group if w not in words)
        if not words:  # raw fragments only as a fallback, for what the analyser splits oddly
            words.extend(t for t in entry.text if t and t in squashed)
        if words:
            match = SituationMatch(entry.id, entry.kind, tuple(words))
            (situations if entry.kind == "situation" else topics).append(match)
    return TextMapping(tuple(situations), tuple(topics))


def lemmas(text: str, *, strict: bool = False) -> frozenset[str]:
    """The words of a text as the analyser reads them (nouns as written, verbs as stem + 다), for
    searches that match words rather than situations (the resource directory). When the analyser
    cannot answer: none (the search then reads the squashed text), or LemmasUnavailable if
    ``strict`` (for callers that cache the answer)."""
    if not isinstance(text, str) or not _HAS_WORD.search(text):
        return frozenset()
    try:
        return _lemmas(text[:MAX_TEXT_CHARS])
    except LemmasUnavailable:
        if strict:
            raise
        return frozenset()


def squashed(text: str) -> str:
    """The text without spaces or punctuation, as the raw-fragment fallback reads it."""
    return _NOT_WORD.sub("", text)
