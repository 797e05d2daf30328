"""The guides (issue 17) are where people look for help: /help points to /guide, /guide says the
one-page guide in the person's language, the playground links the printable page, and /guide
(the 통장·명예사회복지공무원 guide) prints on one A4 page."""
from __future__ import annotations

import pytest

from integrations.guides import guide_page, markdown_html
from tests.harness import TelegramUser, make_settings, running_app, texts
from tests.test_leaflet import pdf_pages
from tests.test_playground_browser import CHROMIUM, CHROMIUM_ARGS


async def test_help_points_to_the_guide_and_the_guide_answers(service, user):
    out = await user.say("/help")
    assert "/guide" in texts(out)
    out = await user.say("/guide")
    said = texts(out)
    assert "살핌 안내" in said and "🚨 위기가구 알리기" in said and "112 · 119 · 109 · 129" in said


async def test_the_guide_in_vietnamese(service, fake_api):
    user = TelegramUser(service, fake_api, user_id=5559001, language="vi")
    out = await user.say("/guide")
    assert "Salpim tóm tắt" in texts(out)


async def test_the_printable_guides_are_served_and_linked_from_the_playground(sqlite_url, tmp_path):
    async with running_app(make_settings(sqlite_url, None, tmp_path)) as service:
        page = await service.client.get("/guide")
        assert page.status_code == 200 and "<h2>무엇을 알려 주시나요</h2>" in page.text
        assert "<strong>✅ 동의하고 접수</strong>" in page.text
        staff = await service.client.get("/guide/caseworkers")
        assert staff.status_code == 200 and "<table>" in staff.text and "<code>/cases</code>" in staff.text
        assert (await service.client.get("/guide/../../README")).status_code == 404
        playground = await service.client.get("/playground")
        assert 'href="/guide"' in playground.text


def test_markdown_is_escaped():
    assert markdown_html("- <script>**a**</script>") == "<ul>\n<li>&lt;script&gt;<strong>a</strong>&lt;/script&gt;</li>\n</ul>"


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")
async def test_the_reporters_guide_prints_on_one_page(tmp_path):
    from playwright.async_api import async_playwright
    path = tmp_path / "guide.html"
    path.write_text(guide_page(""), encoding="utf-8")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(path.as_uri())
            pdf = await page.pdf(format="A4", prefer_css_page_size=True)
        finally:
            await browser.close()
    assert pdf_pages(pdf) == 1
