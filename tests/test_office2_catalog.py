"""The words of the web office's part 2 (domain office2): every literal key in the templates and
every key built from data (sections, notices, flags, the dialogs' questions, weekdays, form
stages) exists in Korean, English, Vietnamese and Chinese."""
from __future__ import annotations

import re
from pathlib import Path

from dialogs.finder_flow import build_finder_flow
from dialogs.report_flow import build_report_flow
from integrations.office.overview_pages import WEEKDAYS
from integrations.office.print_pages import FLAGS, FORMS, STAGES
from integrations.office.referral_pages import NOTES, SECTIONS
from tests.test_catalogs import catalog
from welfare.referral_lifecycle import ReferralAction

TEMPLATES = Path(__file__).resolve().parents[1] / "integrations" / "office" / "templates"
LITERAL = re.compile(r"""\bt\(\s*["'](office2\.[a-z0-9_.-]+)["']""")
LANGS = ("ko", "en", "vi", "zh_Hans")


def test_every_office2_key_is_in_every_language():
    found = {key for path in TEMPLATES.glob("*.html")
             for key in LITERAL.findall(path.read_text(encoding="utf-8")) if not key.endswith(".")}
    assert len(found) > 100
    built = {f"office2.referrals.section.{s}" for s in SECTIONS} | {f"office2.done.{n}" for n in NOTES}
    built |= {f"office2.referrals.box.{b}" for b in ("received", "sent")}
    built |= {f"office2.referrals.note.{b}" for b in ("received", "sent")}
    built |= {f"office2.flag.{f}" for f in FLAGS} | {f"office2.weekday.{d}" for d in WEEKDAYS}
    built |= {f"office2.print.{key}" for key, _ in FORMS} | {f"office2.form7.stage.{key}" for key, _ in STAGES}
    built |= {f"office2.dropoff.flow.{f}" for f in ("report", "finder")}
    built |= {f"office2.action.{a.value}" for a in ReferralAction}
    built |= {f"office2.question.report.{q}" for q in build_report_flow().questions}
    built |= {f"office2.question.finder.{q}" for q in build_finder_flow().questions}
    for lang in LANGS:
        messages = catalog(lang)
        assert sorted(k for k in found | built if not messages.get(k)) == [], lang
