"""Smoke test of the benchmark harness (bench/): the load generator, run as its own process for
about a second against an in-test bot and the fake Bot API, produces latency samples. No timing
is asserted: performance claims come from `salpim bench`, never from unit tests."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
import orjson
from aiohttp import web

from bench.scripts import MIXES, SCRIPTS
from bot.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
SECRET = "smoke-secret"


async def start_echo_bot(fake: FakeBotApi) -> tuple[web.AppRunner, int]:
    """A tiny webhook bot: answers callback queries in the response body, messages with a
    sendMessage call to the fake Bot API (so both ways of replying are exercised)."""
    session = aiohttp.ClientSession()

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != SECRET:
            return web.Response(status=403)
        update = orjson.loads(await request.read())
        if "callback_query" in update:
            chat = update["callback_query"]["message"]["chat"]["id"]
            return web.Response(body=orjson.dumps({"method": "sendMessage", "chat_id": chat, "text": "ok"}),
                                content_type="application/json")
        chat = update["message"]["chat"]["id"]
        async with session.post(f"{fake.url}/bot1:T/sendMessage", json={"chat_id": chat, "text": "ok"}) as r:
            await r.read()
        return web.Response()

    app = web.Application()
    app.router.add_post("/telegram/webhook", webhook)
    app.on_cleanup.append(lambda _app: session.close())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


async def test_load_generator_produces_latency_samples():
    async with FakeBotApi(record=False, events=True) as fake:
        runner, port = await start_echo_bot(fake)
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.loadgen", "--target", f"http://127.0.0.1:{port}/telegram/webhook",
                "--secret", SECRET, "--events", f"127.0.0.1:{fake.events_port}", "--duration", "1",
                "--warmup", "0.2", "--concurrency", "4", cwd=ROOT,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), 60)
        finally:
            await runner.cleanup()
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert "MEASURE start" in lines and "MEASURE end" in lines
    result = orjson.loads(next(line for line in lines if line.startswith("RESULT "))[7:])
    assert result["latency_ms"]["n"] > 0 and result["updates"] > 0
    assert result["errors"] == {}
    # every step of every script produced exactly the one reply the bot sends
    for name in set(MIXES["default"]):
        assert result["replies_per_step"][name] == [1] * len(SCRIPTS[name].steps)
    assert result["replies"] == result["expected_replies"]


async def test_fake_bot_api_streams_send_message_arrivals_and_counts_calls():
    async with FakeBotApi(record=False, events=True) as fake:
        reader, writer = await asyncio.open_connection("127.0.0.1", fake.events_port)
        await asyncio.sleep(0.05)
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{fake.url}/bot1:T/sendMessage", json={"chat_id": 42, "text": "hi"}) as r:
                assert (await r.json())["ok"] is True
            line = await asyncio.wait_for(reader.readline(), 5)
            chat, at = line.split()
            assert chat == b"42" and int(at) > 0
            async with session.get(f"{fake.url}/_stats") as r:
                stats = await r.json()
        writer.close()
    assert stats["sent_count"] == 1 and stats["calls"]["sendMessage"] == 1
    assert fake.calls == []  # record=False: counted, not kept
