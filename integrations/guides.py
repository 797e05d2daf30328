"""The guides as printable pages (issue 17): /guide (the one-page guide for 통장·반장 and
명예사회복지공무원) and /guide/caseworkers, from docs/guides/*.md.

The guides are plain Markdown kept beside the code; this renders the small part of Markdown they
use (headings, lists, tables, paragraphs, **bold**, `code`) with every character escaped, so a
page needs no Markdown library and nothing from the internet. Public, like a printed guide: no
record is read.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse

GUIDES = Path(__file__).resolve().parent.parent / "docs" / "guides"
PAGES = {"": "tongjang.md", "caseworkers": "caseworkers.md"}
_INLINE = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`")
STYLE = """
@page { size: A4; margin: 11mm; }
body { max-width: 188mm; margin: 0 auto; font-family: "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic",
       sans-serif; font-size: 10.5pt; line-height: 1.4; color: #111; word-break: keep-all; }
h1 { font-size: 16pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 3.5mm 0 1mm; }
p, ul, ol { margin: 0 0 1.5mm; } ul, ol { padding-left: 6mm; }
code { font-family: inherit; background: #eee; padding: 0 1mm; border-radius: 1mm; }
table { border-collapse: collapse; margin: 1mm 0 2mm; } td, th { border: 0.3mm solid #999; padding: 0.8mm 2mm; }
"""


def _inline(text: str) -> str:
    out, last = [], 0
    for match in _INLINE.finditer(text):
        out.append(html.escape(text[last:match.start()]))
        bold, code = match.groups()
        out.append(f"<strong>{html.escape(bold)}</strong>" if bold is not None else f"<code>{html.escape(code)}</code>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def markdown_html(text: str) -> str:
    """The guides' Markdown as HTML: one block per run of lines of the same kind."""
    out: list[str] = []
    open_list: str | None = None
    table: list[list[str]] = []

    def close() -> None:
        nonlocal open_list, table
        if open_list:
            out.append(f"</{open_list}>")
            open_list = None
        if table:
            head, *rows = [r for r in table if not all(set(c) <= set("-: ") for c in r)]
            out.append("<table><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows)
                       + "</table>")
            table = []

    for line in text.splitlines():
        stripped = line.strip()
        heading = re.match(r"(#{1,3}) (.*)", stripped)
        item = re.match(r"(?:[-*]|(\d+)\.) (.*)", stripped)
        if stripped.startswith("|"):
            if open_list:
                close()
            table.append([c.strip() for c in stripped.strip("|").split("|")])
        elif heading:
            close()
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif item:
            kind = "ol" if item.group(1) else "ul"
            if open_list != kind:
                close()
                out.append(f"<{kind}>")
                open_list = kind
            out.append(f"<li>{_inline(item.group(2))}</li>")
        elif not stripped:
            close()
        elif open_list and line.startswith("  "):  # a list item's continued line
            out[-1] = out[-1].removesuffix("</li>") + " " + _inline(stripped) + "</li>"
        else:
            close()
            out.append(f"<p>{_inline(stripped)}</p>")
    close()
    return "\n".join(out)


def guide_page(name: str) -> str:
    source = GUIDES / PAGES[name]
    text = source.read_text(encoding="utf-8")
    title = html.escape(text.splitlines()[0].lstrip("# ").strip())
    return (f'<!doctype html><html lang="ko"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<style>{STYLE}</style></head><body>\n{markdown_html(text)}\n</body></html>")


router = APIRouter(include_in_schema=False)


@router.get("/guide")
async def reporters_guide() -> HTMLResponse:
    return _page("")


@router.get("/guide/{name}")
async def named_guide(name: str) -> HTMLResponse:
    return _page(name)


def _page(name: str) -> HTMLResponse:
    if name not in PAGES or not (GUIDES / PAGES[name]).exists():
        raise HTTPException(status_code=404)
    return HTMLResponse(guide_page(name), headers={"Cache-Control": "no-cache"})
