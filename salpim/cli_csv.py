"""Reading the CSV files people give the CLI, in the encodings they really come in.

Korean Excel's "CSV (쉼표로 분리)" saves CP949; its "CSV UTF-8" adds a byte-order mark; editors
save plain UTF-8. Each is tried in that order of likelihood of being right: CP949 text is
practically never valid UTF-8, so trying UTF-8 first cannot misread a CP949 file.
"""
from __future__ import annotations

from pathlib import Path

# utf-8-sig reads UTF-8 with or without the byte-order mark; cp949 is EUC-KR plus the
# 8,822 syllables EUC-KR lacks (what Windows calls Korean, code page 949).
ENCODINGS = ("utf-8-sig", "cp949")


class UnreadableCsv(ValueError):
    """A file that is in none of the encodings we read; the message says how to save it."""


def read_csv_text(path: Path) -> str:
    """The file's text, decoded from UTF-8 (with or without BOM) or CP949."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableCsv("the file is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8' or 'CSV'")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableCsv("the file is neither UTF-8 nor CP949 text; save it from Excel as 'CSV UTF-8'")
