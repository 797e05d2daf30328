"""Rendering catalog messages: every user-facing string comes from locales/<lang>/LC_MESSAGES.

Message ids are stable keys (``report.who.ask``); each domain (messages, taxonomy, casework,
finder) is its own .po/.mo file and all are merged per language. Korean is the fallback.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

from bot.korean_particles import ParticleValue
from dialogs.replies import Msg
from welfare.finder_format import Won, format_won

log = logging.getLogger(__name__)
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED = ("ko", "en", "vi", "zh_Hans")
# Telegram's language_code (IETF, lower-cased) → our catalog. Chinese in simplified script only:
# a zh-tw or zh-hk user gets the default (Korean) rather than a script they may not read.
TELEGRAM_LANGUAGES = {"ko": "ko", "en": "en", "vi": "vi", "zh": "zh_Hans", "zh-hans": "zh_Hans",
                      "zh-cn": "zh_Hans", "zh-sg": "zh_Hans"}


class MissingMessage(KeyError):
    pass


class Catalogs:
    def __init__(self, locales_dir: Path = LOCALES_DIR, default: str = "ko", strict: bool = False) -> None:
        self.default = default if default in SUPPORTED else "ko"
        self.strict = strict
        self._catalogs: dict[str, dict[str, str]] = {}
        for lang in SUPPORTED:
            merged: dict[str, str] = {}
            for mo in sorted((locales_dir / lang / "LC_MESSAGES").glob("*.mo")):
                with mo.open("rb") as fh:
                    translations = Translations(fh, domain=mo.stem)
                merged.update({k: v for k, v in translations._catalog.items() if isinstance(k, str) and k and v})
            self._catalogs[lang] = merged
        self._warned: set[tuple[str, str]] = set()

    def resolve_locale(self, chosen: str | None, telegram_language: str | None) -> str:
        """The user's /language choice, else Telegram's language, else the default (ko)."""
        if chosen in SUPPORTED:
            return chosen
        return telegram_locale(telegram_language) or self.default

    def template(self, locale: str, key: str) -> str:
        found = self._catalogs.get(locale, {}).get(key)
        if found is None:
            if self.strict:
                raise MissingMessage(f"{key} ({locale})")
            if (locale, key) not in self._warned:
                self._warned.add((locale, key))
                log.warning("catalog message missing: %s (%s)", key, locale)
            found = self._catalogs[self.default].get(key, key)
        return found

    def render(self, locale: str, message: Msg | str) -> str:
        if isinstance(message, str):
            return message
        template = self.template(locale, message.key)
        if not message.params:
            return template
        # Wrapped so "{kind:은}" picks 은 or 는 by the rendered word (bot/korean_particles.py).
        params = {k: ParticleValue(self._value(locale, v)) for k, v in message.params.items()}
        try:
            return template.format_map(params)
        except (KeyError, IndexError, ValueError) as exc:
            if self.strict:
                raise
            log.warning("catalog message %s (%s) has a bad placeholder: %s", message.key, locale, exc)
            return template

    def render_lines(self, locale: str, lines: Iterable[Msg]) -> str:
        return "\n".join(self.render(locale, line) for line in lines)

    def _value(self, locale: str, value: Any) -> Any:
        if isinstance(value, Msg):
            return self.render(locale, value)
        if isinstance(value, (list, tuple)):
            return ", ".join(str(self._value(locale, v)) for v in value)
        if isinstance(value, Won):
            return format_won(int(value), locale)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10000:
            return f"{value:,}"
        return value

    def keys(self, locale: str) -> Mapping[str, str]:
        return self._catalogs.get(locale, {})


def telegram_locale(language_code: str | None) -> str | None:
    """Our catalog for a Telegram language_code ("vi", "zh-hans", "en-GB"), or None."""
    code = (language_code or "").strip().lower().replace("_", "-")
    if code in TELEGRAM_LANGUAGES:
        return TELEGRAM_LANGUAGES[code]
    if code.startswith("zh"):
        return None  # zh-tw, zh-hk, zh-hant: not simplified script
    return TELEGRAM_LANGUAGES.get(code.split("-", 1)[0])


def null_translations() -> NullTranslations:
    return NullTranslations()
