"""What the web service shows the outside: bodies bounded in size and time before anything reads
them (a real server, raw sockets), validation errors that do not echo the body, the playground
decided by setting, Host and server-made sessions, /metrics not public, /docs from packaged
assets, no-store on personal data, CSV cells that cannot run as formulas."""
from __future__ import annotations

import asyncio
import re
import socket

import httpx
import pytest
import uvicorn
from sqlalchemy import update

from integrations.app import create_app
from state.models import Report
from tests.harness import make_settings, running_app
from tests.test_api_access import call, office  # noqa: F401 - the fixture, shared

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def server(tmp_path, sqlite_url):
    """The app under uvicorn on a loopback port, as `salpim serve` runs it."""
    from state.migrate import upgrade
    await asyncio.to_thread(upgrade, sqlite_url)
    settings = make_settings(sqlite_url, None, tmp_path, body_timeout_seconds=1.0)
    port = _free_port()
    config = uvicorn.Config(create_app(settings, poll=False), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve())
    for _ in range(200):
        if running.started:
            break
        await asyncio.sleep(0.05)
    assert running.started
    yield port
    running.should_exit = True
    await asyncio.wait_for(task, 10)


async def _exchange(port: int, head: bytes, body_chunks=()) -> bytes:
    """Send a request head and body pieces while reading; return the server's first answer
    bytes (bounded by the test's own timeout)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answer = asyncio.create_task(asyncio.wait_for(reader.read(4096), 10))
    try:
        writer.write(head)
        for chunk in body_chunks:
            if answer.done():
                break  # answered (and closed) before the body was sent: what we want
            try:
                writer.write(chunk)
                await writer.drain()
            except ConnectionError:
                break
        return await answer
    finally:
        writer.close()


async def test_a_huge_declared_body_is_refused_before_it_is_sent(server):
    head = (b"POST /api/cases/1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 157286400\r\n\r\n")
    answer = await _exchange(server, head)  # not one byte of the 150 MB sent
    assert answer.startswith(b"HTTP/1.1 413")


async def test_a_chunked_body_is_cut_off_past_the_limit(server):
    head = (b"POST /playground/api/message HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * 65536
    chunks = [b"%x\r\n" % len(piece) + piece + b"\r\n"] * 64  # 4 MB offered, the limit is 128 KB
    answer = await _exchange(server, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413")


async def test_a_body_that_never_finishes_is_answered_408(server):
    head = (b"POST /api/screen HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n")
    answer = await _exchange(server, head, [b'{"members": '])  # 12 of 100 bytes, then silence
    assert answer.startswith(b"HTTP/1.1 408")


async def test_the_webhook_keeps_its_own_smaller_limit(server):
    head = (b"POST /telegram/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 300000\r\n\r\n")
    assert (await _exchange(server, head)).startswith(b"HTTP/1.1 413")


async def test_a_body_within_the_limit_still_works(server):
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server}") as client:
        response = await client.post("/api/screen", json={"members": [{"age": 72}]})
    assert response.status_code == 200 and response.json()


async def test_a_validation_error_does_not_echo_the_body(service):
    await service.client.get("/playground")
    secret_text = "가" * 30000  # over the 20,000 the model allows
    response = await service.client.post("/playground/api/message",
                                         json={"message_id": 1, "kind": "text", "text": secret_text})
    assert response.status_code == 422
    assert len(response.content) < 2000 and "가가가" not in response.text
    assert response.json()["detail"][0]["loc"] == ["body", "text"]


def _client(service, peer="127.0.0.1", host="127.0.0.1"):
    transport = httpx.ASGITransport(app=service.app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url=f"http://{host}")


@pytest.mark.parametrize("peer, host, headers", [
    ("203.0.113.5", "salpim.example.go.kr", {}),                       # a visitor from outside
    ("127.0.0.1", "salpim.example.go.kr", {}),                         # through a proxy keeping Host
    ("127.0.0.1", "127.0.0.1:8000", {"X-Forwarded-For": "203.0.113.5"}),  # a proxy rewriting Host
    ("127.0.0.1", "127.0.0.1:8000", {"Origin": "https://salpim.example.go.kr"}),  # a browser behind one
])
async def test_the_local_playground_refuses_anything_that_is_not_this_machine(service, peer, host, headers):
    async with _client(service, peer, host) as client:
        assert (await client.get("/playground", headers=headers)).status_code == 404
        response = await client.post("/playground/api/message", headers=headers,
                                     json={"message_id": 1, "kind": "text", "text": "/start"})
        assert response.status_code == 404


async def test_the_public_playground_answers_only_its_allowed_hosts(tmp_path, sqlite_url):
    settings = make_settings(sqlite_url, None, tmp_path, playground="public", allowed_hosts="salpim.example.go.kr")
    async with running_app(settings) as service:
        async with _client(service, "127.0.0.1", "salpim.example.go.kr") as client:
            page = await client.get("/playground")
            assert page.status_code == 200
            assert "secure" in page.headers["set-cookie"].lower()
        async with _client(service, "127.0.0.1", "evil.example") as client:
            assert (await client.get("/playground")).status_code == 404


async def test_playground_off_is_gone(tmp_path, sqlite_url):
    async with running_app(make_settings(sqlite_url, None, tmp_path, playground="off")) as service:
        assert (await service.client.get("/playground")).status_code == 404


async def test_playground_sessions_are_made_by_the_server_and_kept_apart(service):
    async with _client(service) as alice, _client(service) as mallory:
        page = await alice.get("/playground")
        cookie = page.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        menu = (await alice.post("/playground/api/message",
                                 json={"message_id": 1, "kind": "text", "text": "/start"})).json()["messages"][0]
        step = await alice.post("/playground/api/message", json={
            "message_id": 2, "kind": "choice", "value": menu["buttons"][0][0]["value"], "version": menu["version"]})
        assert step.json()["messages"][0]["text"].startswith("[1/11]")
        # Without the server's cookie nothing answers, whatever session id the body names.
        denied = await mallory.post("/playground/api/message",
                                    json={"session": "pgsession01", "message_id": 3, "kind": "text", "text": "/status"})
        assert denied.status_code == 401
        mallory.cookies.set("salpim_playground", "chosen-by-the-client", path="/playground")
        assert (await mallory.post("/playground/api/message",
                                   json={"message_id": 4, "kind": "text", "text": "/start"})).status_code == 401
        # A cookie of its own opens a conversation of its own, not Alice's half-finished report.
        mallory.cookies.clear()
        await mallory.get("/playground")
        own = await mallory.post("/playground/api/message", json={
            "message_id": 5, "kind": "choice", "value": menu["buttons"][0][0]["value"], "version": menu["version"]})
        assert not own.json()["messages"] or not own.json()["messages"][0]["text"].startswith("[2/11]")
        assert alice.cookies.get("salpim_playground") != mallory.cookies.get("salpim_playground")


async def test_metrics_answer_only_this_machine_by_default(service):
    assert (await service.client.get("/metrics")).status_code == 200
    async with _client(service, "203.0.113.5", "salpim.example.go.kr") as outside:
        assert (await outside.get("/metrics")).status_code == 404
    async with _client(service) as proxied:
        assert (await proxied.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"})).status_code == 404


async def test_metrics_with_a_token_need_it(tmp_path, sqlite_url):
    async with running_app(make_settings(sqlite_url, None, tmp_path, metrics_token="m" * 32)) as service:
        assert (await service.client.get("/metrics")).status_code == 404
        ok = await service.client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32})
        assert ok.status_code == 200 and b"salpim_updates_total" in ok.content


async def test_docs_use_only_packaged_same_origin_assets(service):
    page = await service.client.get("/docs")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets)
    assert "<script>" not in page.text  # the CSP forbids inline scripts
    for asset in assets:
        response = await service.client.get(asset)
        assert response.status_code == 200 and len(response.content) > 100, asset
    init = (await service.client.get("/docs/static/docs_init.js")).text
    assert '"/openapi.json"' in init and (await service.client.get("/openapi.json")).status_code == 200


async def test_responses_with_personal_data_are_not_stored(office):
    report = await call(office, "cw_a", "GET", f"/api/reports/{office.receipt_a}")
    case = await call(office, "cw_a", "GET", f"/api/cases/{office.case_a}")
    export = await call(office, "cw_a", "GET", "/api/export/cases.csv")
    page = await office.client.get("/playground")
    message = await office.client.post("/playground/api/message", json={"message_id": 1, "kind": "text",
                                                                         "text": "/start"})
    for response in (report, case, export, page, message):
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store", response.url
    static = await office.client.get("/playground/static/playground.js")
    assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"


async def test_csv_cells_that_would_run_as_formulas_are_neutralised(office):
    async with office.services.db.transaction() as conn:
        await conn.execute(update(Report).where(Report.receipt_no == office.receipt_a)
                           .values(receipt_no='=HYPERLINK("http://x")'))
    text = (await call(office, "cw_a", "GET", "/api/export/cases.csv")).text
    row = text.splitlines()[1]
    assert row.startswith("\"'=HYPERLINK(\"\"http://x\"\")\"") or row.startswith("'=HYPERLINK")


def test_csv_cell_prefixes_every_formula_start():
    from integrations.api.routes import csv_cell
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(start + "1+1") == "'" + start + "1+1"
    assert csv_cell("SP-7K3Q") == "SP-7K3Q" and csv_cell(5) == 5 and csv_cell(None) is None
