"""Every word of the web office's templates is a catalog key present in Korean and English,
and the keys the templates build from data (done notices, groups, timeline kinds) exist too."""
from __future__ import annotations

import re
from pathlib import Path

from integrations.office.leader_pages import APPROVALS
from tests.test_catalogs import EN, KO

TEMPLATES = Path(__file__).resolve().parents[1] / "integrations" / "office" / "templates"
LITERAL = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']""")


def test_every_literal_key_in_the_templates_is_in_both_catalogs():
    found = {(key, path.name) for path in TEMPLATES.glob("*.html")
             for key in LITERAL.findall(path.read_text(encoding="utf-8")) if not key.endswith(".")}
    assert len(found) > 60
    missing = sorted((key, where) for key, where in found if key not in KO or key not in EN)
    assert missing == []


def test_keys_built_in_templates_exist():
    built = [f"office.done.{d}" for d in ("taken", "assigned", "step_saved", "fact_saved", "followup_saved")]
    built += [f"office.my_work.group.{g}" for g in ("overdue", "today", "week", "later", "none")]
    built += [f"office.team.approval.{kind}" for kind in APPROVALS]
    built += [f"office.timeline.{kind}" for kind in ("take", "assign")]
    built += [f"office.contact.{mode}" for mode in ("anonymous", "telegram", "phone")]
    assert [k for k in built if k not in KO or k not in EN] == []


def test_english_is_complete_and_different_where_it_should_be():
    office = [k for k in KO if k.startswith("office.")]
    assert all(EN.get(k) for k in office)
    assert sum(KO[k] != EN[k] for k in office) > len(office) - 3  # not Korean copied into English
