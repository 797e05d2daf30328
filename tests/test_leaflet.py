"""The 읍면동 leaflet (issue 17): the page the web office serves and the file `salpim leaflet`
writes carry the QR code to the report's deep link, three steps, the 주민센터's number and the
emergency numbers, in Korean with an optional second language — and print on one A4 page from
Chromium (printed to PDF, the pages counted)."""
from __future__ import annotations

import re

import pytest
import segno

from bot.i18n import Catalogs
from integrations.leaflet import leaflet_html, report_link
from salpim.settings import DEFAULT_DIRECTORY
from tests.harness import make_settings, running_app
from tests.test_playground_browser import CHROMIUM, CHROMIUM_ARGS
from welfare.directory import load_directory_csv

HYEHWA = "1111065000"
DIRECTORY = load_directory_csv(DEFAULT_DIRECTORY)


def pdf_pages(pdf: bytes) -> int:
    """Page objects in a PDF (Chromium writes them uncompressed): /Type /Page, not /Pages."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_the_leaflet_says_how_to_report_and_whom_to_call():
    page = leaflet_html(Catalogs(strict=True), DIRECTORY, HYEHWA, "salpim_test_bot", "vi")
    dong = DIRECTORY.dong(HYEHWA)
    assert "https://t.me/salpim_test_bot?start=report" in page and "<svg" in page
    assert dong.name in page and (not dong.phone or dong.phone in page)
    for number in ("112", "119", "109", "129"):
        assert f'<td class="num">{number}</td>' in page
    assert "QR 코드를 비춰요" in page and "quét mã QR" in page and "1577-1366" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")  # nothing to fetch
    korean_only = leaflet_html(Catalogs(strict=True), DIRECTORY, HYEHWA, "salpim_test_bot")
    assert 'class="other"' not in korean_only


def test_the_qr_code_encodes_the_deep_link():
    # segno's own matrix of the same link: the SVG on the page draws exactly this code.
    code = segno.make_qr(report_link("salpim_test_bot"), error="m")
    assert code.designator.endswith("-M") and code.symbol_size(scale=1, border=0)[0] >= 21


async def test_the_web_office_serves_it_without_sign_in(sqlite_url, tmp_path):
    settings = make_settings(sqlite_url, None, tmp_path, bot_username="salpim_test_bot")
    async with running_app(settings) as service:
        ok = await service.client.get(f"/office/leaflet?dong={HYEHWA}&lang=zh_Hans")
        assert ok.status_code == 200 and "扫描二维码" in ok.text and "?start=report" in ok.text
        missing = await service.client.get("/office/leaflet?dong=0000000000")
        assert missing.status_code == 404 and "읍면동 코드" in missing.text


def test_the_command_writes_a_self_contained_file(tmp_path, monkeypatch):
    from salpim.cli import main
    monkeypatch.setenv("SALPIM_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    out = tmp_path / "leaflet.html"
    assert main(["leaflet", "--dong", HYEHWA, "--out", str(out), "--lang", "en", "--bot", "salpim_test_bot"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Worried about a neighbour?" in text and "이웃이 걱정되나요?" in text
    assert main(["leaflet", "--dong", "123", "--out", str(out), "--bot", "salpim_test_bot"]) == 1


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")
@pytest.mark.parametrize("lang", ["", "vi", "zh_Hans", "en"])
async def test_it_prints_on_one_a4_page(tmp_path, lang):
    tmp_path = tmp_path / (lang or 'ko')
    tmp_path.mkdir()
    from playwright.async_api import async_playwright
    page_html = leaflet_html(Catalogs(strict=True), DIRECTORY, HYEHWA, "salpim_test_bot", lang or None)
    path = tmp_path / "leaflet.html"
    path.write_text(page_html, encoding="utf-8")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(path.as_uri())
            pdf = await page.pdf(format="A4", prefer_css_page_size=True)
            await page.set_content(page_html.replace("<body>", "<body>" + "<p>줄</p>" * 120))
            overflowing = await page.pdf(format="A4", prefer_css_page_size=True)
            await page.goto(path.as_uri())
            await page.set_viewport_size({"width": 794, "height": 1123})
            await page.screenshot(path=str(tmp_path / "leaflet.png"), full_page=True)
        finally:
            await browser.close()
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1
    assert pdf_pages(overflowing) > 1  # the count sees a second page when there is one
