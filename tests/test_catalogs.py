"""Every message key the code uses exists, translated, in Korean and English; every catalog
under locales/ (ko, en, vi, zh_Hans, and any language added later) holds the same keys with
the same placeholders as the Korean one, translated, with its translation status in its header."""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
CODE_DIRS = ("dialogs", "bot", "integrations", "welfare", "state", "salpim")


def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for po in sorted((LOCALES / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh):
                if message.id:
                    merged[str(message.id)] = str(message.string or "")
    return merged


KO, EN = catalog("ko"), catalog("en")
LANGUAGES = sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir())
OTHERS = [lang for lang in LANGUAGES if lang != "ko"]
fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}  # noqa: E731


def literal_keys() -> set[tuple[str, str]]:
    """Keys written as literals: Msg("key"), say("key"), help_key="key", Question(..., "help.x")."""
    found: set[tuple[str, str]] = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    args = list(node.args)
                    if name in ("Msg", "say") and args and isinstance(args[0], ast.Constant):
                        found.add((str(args[0].value), f"{path.relative_to(ROOT)}:{node.lineno}"))
                    if name in ("q", "Question") and len(args) >= 5 and isinstance(args[4], ast.Constant):
                        found.add((str(args[4].value), f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def test_every_literal_key_exists_in_both_catalogs():
    keys = literal_keys()
    assert len(keys) > 100
    missing = [(k, where) for k, where in keys if k not in KO or k not in EN]
    assert not missing, missing


def test_keys_built_from_data_exist():
    from dialogs.report_flow import EDITABLE, TAXONOMY
    from state.members import ROLES
    from state.reports import REPORTER_STAGES
    built = [f"report.edit.{q}" for q in EDITABLE] + [f"role.{r}" for r in ROLES]
    built += [f"status.stage.{s}" for s in REPORTER_STAGES]
    built += [f"input.kind.{k}" for k in ("sticker", "voice", "video", "document", "animation", "location",
                                          "contact", "edited", "photo", "other")]
    built += [f"input.wanted.{w}" for w in ("buttons", "text", "location", "phone")]
    built += [f"report.contact.{c}" for c in ("anonymous", "telegram", "phone")]
    built += [f"report.{q}.ask" for q in ("household", "household_size", "age_band", "gender")]
    built += [f"reporter_type.{t}" for t in ("honorary_officer", "tongban_jang", "mandatory_reporter",
                                              "partner_staff", "council_member")]
    built += [f"urgent.{u.id}.call" for u in TAXONOMY.urgent_signs]
    missing = [k for k in built if k not in KO or k not in EN]
    assert not missing, missing


def test_the_foreign_residents_languages_are_there():
    assert {"ko", "en", "vi", "zh_Hans"} <= set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_nothing_untranslated(lang):
    messages = catalog(lang)
    assert [k for k, v in messages.items() if not v.strip()] == []


@pytest.mark.parametrize("lang", OTHERS)
def test_same_keys_and_placeholders_as_korean(lang):
    messages = catalog(lang)
    assert sorted(set(KO) - set(messages)) == [], "missing: run `make missing-translations`"
    assert sorted(set(messages) - set(KO)) == []
    different = [k for k in KO if fields(KO[k]) != fields(messages[k])]
    assert different == []


@pytest.mark.parametrize("lang", OTHERS)
def test_every_domain_of_korean_exists(lang):
    domains = lambda code: {p.name for p in (LOCALES / code / "LC_MESSAGES").glob("*.po")}  # noqa: E731
    assert domains(lang) == domains("ko")


@pytest.mark.parametrize("lang", [lang for lang in OTHERS if lang != "en"])
def test_translation_status_is_in_every_header(lang):
    for po in (LOCALES / lang / "LC_MESSAGES").glob("*.po"):
        # Babel drops headers it does not know, so the header is read as written.
        status = re.search(r'^"X-Translation-Status: (.*?)\\n"$', po.read_text(encoding="utf-8"), re.MULTILINE)
        assert status and status.group(1).startswith(("drafted", "reviewed")), po.name


@pytest.mark.parametrize(("lang", "script"), [("vi", r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]"),
                                              ("zh_Hans", r"[\u4e00-\u9fff]")])
def test_foreign_catalogs_speak_their_language(lang, script):
    """Most of the reporter's messages are written in that language (not left in Korean
    or English): the consent text, the greeting and the buttons of the report above all."""
    messages = catalog(lang)
    for key in ("report.consent", "menu.greeting", "report.file", "menu.report", "emergency.full",
                "report.who.ask", "report.description.ask", "report.filed"):
        assert re.search(script, messages[key], re.IGNORECASE), key
    assert "1577-1366" in messages["emergency.full"]  # 다누리콜센터: interpretation

def test_english_catalog_is_english():
    hangul = re.compile(r"[가-힣]")
    allowed = {"menu.language", "language.choose"}  # offers the other language by name
    assert [k for k, v in EN.items() if hangul.search(v) and k not in allowed] == []
