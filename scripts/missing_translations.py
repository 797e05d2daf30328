"""Which catalog keys of Korean are missing from the other languages, and adding them.

    python scripts/missing_translations.py            # every language: domain, key, ko, en (TSV)
    python scripts/missing_translations.py vi         # one language
    python scripts/missing_translations.py vi --apply done.tsv

The printed lines are "domain<TAB>key<TAB>Korean<TAB>English" (newlines as \\n). To translate,
replace the last two columns by the translation ("domain<TAB>key<TAB>text") and pass the
file to --apply: each entry is appended to that language's .po of the domain. Then
`make catalogs` and `pytest tests/test_catalogs.py` check keys and placeholders.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def messages(lang: str, domain: str) -> dict[str, str]:
    path = LOCALES / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return {str(m.id): str(m.string or "") for m in read_po(fh) if m.id}


def domains() -> list[str]:
    return sorted(p.stem for p in (LOCALES / "ko" / "LC_MESSAGES").glob("*.po"))


def languages() -> list[str]:
    return sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir() and p.name != "ko")


def missing(lang: str) -> list[tuple[str, str, str, str]]:
    rows = []
    for domain in domains():
        ko, en, have = messages("ko", domain), messages("en", domain), messages(lang, domain)
        rows += [(domain, key, ko[key], en.get(key, "")) for key in ko if not have.get(key, "").strip()]
    return rows


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{escaped}"'
    return '""\n' + "\n".join(f'"{line}\\n"' for line in lines[:-1]) + (f'\n"{lines[-1]}"' if lines[-1] else "")


def apply(lang: str, tsv: Path) -> int:
    added = 0
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        domain, key, text = line.split("\t", 2)
        if domain not in domains():
            raise SystemExit(f"unknown domain {domain!r} for {key}")
        if key in messages(lang, domain):
            raise SystemExit(f"{lang}/{domain}: {key} is there already; edit the .po instead")
        path = LOCALES / lang / "LC_MESSAGES" / f"{domain}.po"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"\nmsgid {_quoted(key)}\nmsgstr {_quoted(text.replace(chr(92) + 'n', chr(10)))}\n")
        added += 1
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="list (or add) catalog keys missing from a language")
    parser.add_argument("lang", nargs="?", help="vi, zh_Hans, en… (default: every language)")
    parser.add_argument("--apply", type=Path, help="a domain<TAB>key<TAB>text file to append")
    args = parser.parse_args(argv)
    if args.apply:
        if not args.lang:
            parser.error("--apply needs a language")
        print(f"{apply(args.lang, args.apply)} messages added to {args.lang}", file=sys.stderr)
        return 0
    total = 0
    for lang in [args.lang] if args.lang else languages():
        rows = missing(lang)
        total += len(rows)
        print(f"# {lang}: {len(rows)} missing", file=sys.stderr)
        for domain, key, ko, en in rows:
            print("\t".join((domain, key, ko.replace("\n", "\\n"), en.replace("\n", "\\n"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
