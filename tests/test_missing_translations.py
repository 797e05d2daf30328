"""The lead's helper for new keys: lists what vi/zh_Hans lack and appends the translations."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("missing_translations", ROOT / "scripts" / "missing_translations.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def test_a_new_korean_key_is_listed_then_added(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "locales", tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(tool, "LOCALES", tmp_path / "locales")
    with (tmp_path / "locales/ko/LC_MESSAGES/messages.po").open("a", encoding="utf-8") as fh:
        fh.write('\nmsgid "voice.kept"\nmsgstr "🎤 음성을 받았어요.\\n담당자가 들어요."\n')
    assert tool.missing("vi") == [("messages", "voice.kept", "🎤 음성을 받았어요.\n담당자가 들어요.", "")]
    tool.main(["vi"])
    assert capsys.readouterr().out == "messages\tvoice.kept\t🎤 음성을 받았어요.\\n담당자가 들어요.\t\n"
    done = tmp_path / "done.tsv"
    done.write_text("messages\tvoice.kept\t🎤 Đã nhận tin thoại.\\nNhân viên sẽ nghe.\n", encoding="utf-8")
    tool.main(["vi", "--apply", str(done)])
    assert tool.missing("vi") == []
    assert tool.messages("vi", "messages")["voice.kept"] == "🎤 Đã nhận tin thoại.\nNhân viên sẽ nghe."
    assert [row[1] for row in tool.missing("zh_Hans")] == ["voice.kept"]
