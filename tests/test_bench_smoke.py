"""Smoke test of the benchmark harness (bench/): the load generator, run as its own process for
about a second against an in-test bot and the fake Bot API, produces latency samples. No timing
is asserted: performance claims come from `salpim bench`, never from unit tests."""
from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp import web

from bench.scripts import CASE_OF, FINDER, FOLLOWUP, MIXES, SCRIPTS, next_contact_date, register_seats
from bot.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
SECRET = "smoke-secret"


async def start_echo_bot(fake: FakeBotApi, texts: list[tuple[int, str]] | None = None
                         ) -> tuple[web.AppRunner, int]:
    """A tiny webhook bot: answers callback queries in the response body, messages with a
    sendMessage call to the fake Bot API (so both ways of replying are exercised). Keeps the
    (chat, text) of each message in `texts`."""
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
        if texts is not None:
            texts.append((chat, update["message"]["text"]))
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


SEATS = [(880_000_001, 11), (880_000_002, 12), (880_000_003, 13), (880_000_004, 14)]  # caseworker → case


async def test_load_generator_produces_latency_samples(tmp_path):
    staff = tmp_path / "seats.json"  # what bench/casework_setup.py writes for the follow-up script
    staff.write_bytes(orjson.dumps({"caseworkers": SEATS}))
    texts: list[tuple[int, str]] = []
    async with FakeBotApi(record=False, events=True) as fake:
        runner, port = await start_echo_bot(fake, texts)
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.loadgen", "--target", f"http://127.0.0.1:{port}/telegram/webhook",
                "--secret", SECRET, "--events", f"127.0.0.1:{fake.events_port}", "--duration", "1",
                "--warmup", "0.2", "--concurrency", "4", "--staff", str(staff), cwd=ROOT,
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
    # the follow-up is played in the caseworkers' own chats, each on the case it was given
    followups = [(chat, text) for chat, text in texts if text.startswith("/followup")]
    assert followups and result["scripts_done"].get("followup", 0) > 0
    assert set(followups) <= {(user, f"/followup {case}") for user, case in SEATS}
    assert all(chat not in dict(SEATS) for chat, text in texts if not text.startswith("/followup"))


def test_the_new_scripts_build_their_first_updates():
    finder = FINDER.steps[0](100, 1, 0)["message"]
    assert finder["text"] == "/start finder" and finder["entities"][0]["length"] == len("/start")
    assert FINDER.steps[1](100, 2, 0)["message"]["text"] == "월세가 밀렸어요"
    assert FOLLOWUP.seat == "caseworker" and "followup" in MIXES["default"] and "finder" in MIXES["default"]
    register_seats([(880_000_009, 7)])
    try:
        followup = FOLLOWUP.steps[0](880_000_009, 3, 0)["message"]
        assert followup["text"] == "/followup 7" and followup["chat"]["id"] == followup["from"]["id"] == 880_000_009
        with pytest.raises(LookupError):
            FOLLOWUP.steps[0](100, 4, 0)  # not a prepared caseworker
    finally:
        CASE_OF.pop(880_000_009)
    date = FOLLOWUP.steps[9](880_000_009, 5, 0)["callback_query"]["data"]
    assert date == f"|q:date:{next_contact_date()}"
    assert 0 < (dt.date.fromisoformat(next_contact_date()) - dt.datetime.now(dt.timezone.utc).date()).days < 366


def test_the_stored_rows_check_counts_the_filing_and_saving_steps():
    from bench.scripts import FOLLOWUP_SAVED_STEP, REPORT, REPORT_FILED_STEP
    assert REPORT.steps[REPORT_FILED_STEP](100, 1, 0)["callback_query"]["data"] == "|q:file"
    assert FOLLOWUP.steps[FOLLOWUP_SAVED_STEP](100, 1, 0)["callback_query"]["data"] == "|q:save"


def test_the_reference_bots_get_the_mix_they_implement():
    from bench.loadgen import Config, LoadGenerator
    from bench.run import reference_mix
    assert reference_mix("default") == "reference" and reference_mix("report") == "report"
    assert set(MIXES["reference"]) == {"report", "browse"}
    with pytest.raises(SystemExit, match="--staff"):  # a follow-up mix without seats is refused at once
        LoadGenerator(Config("http://127.0.0.1:9/telegram/webhook"))


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
