"""A recording fake of the Telegram Bot API, for tests, benchmarks and staging.

Point SALPIM_TELEGRAM_API_URL at it and python-telegram-bot talks to it as to Telegram: it
answers getMe, sendMessage, sendContact (a contact card), sendVoice and sendVideoNote (by file id,
the way a recording is passed on), answerCallbackQuery, setWebhook/deleteWebhook, getUpdates (from a
queue you fill), getFile and file downloads, records every call, and can be told to fail
(429 with retry_after, 5xx) to exercise retries. Runs in your event loop (`async with`) or as a
process: `python -m bot.fake_bot_api --port 8081`.

For load tests (bench/): `GET /_stats` answers how many calls of each method arrived, and with
`events=True` (`--events-port`) every sendMessage is pushed, as it arrives, to each subscriber
of a plain TCP stream as one line ``<chat_id> <time.monotonic_ns()>\n``, so a load generator
on the same machine knows when the last reply of an update reached "Telegram".
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

BOT_USER = {"id": 777000, "is_bot": True, "first_name": "Salpim", "username": "salpim_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


# Telegram's own error answers (https://core.telegram.org/bots/api#making-requests), for scripts.
def error_body(status: int, description: str, **parameters: Any) -> bytes:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return orjson.dumps(body)


NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
             b"</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n")


@dataclass
class Scripted:
    """One scripted answer to the next call of a method: a status and body (Telegram's JSON
    error, or a proxy's HTML), after `hold` is set (a slow Telegram), or the connection dropped."""

    status: int = 200
    body: bytes | None = None
    content_type: str = "application/json"
    hold: asyncio.Event | None = None
    drop: bool = False
    chat_id: int | None = None  # only for calls to this chat (others pass by)
    started: asyncio.Event = field(default_factory=asyncio.Event)  # set when the call arrives


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    message_id: int | None = None  # of a sent message (sendMessage, sendContact, …)


class FakeBotApi:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, record: bool = True, *,
                 events: bool = False, events_port: int = 0) -> None:
        self.host, self.port, self.record = host, port, record
        self.events, self.events_port = events, events_port
        self.method_counts: dict[str, int] = {}
        self._subscribers: list[asyncio.Transport] = []
        self._events_server: asyncio.AbstractServer | None = None
        self.calls: list[Call] = []
        self.sent_count = 0
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.files: dict[str, bytes] = {}
        self._paths: dict[str, str] = {}  # file id → file_path getFile answers (default photos/<id>.jpg)
        self.webhook: dict[str, Any] = {}
        self._failures: deque[tuple[str, int, int | None]] = deque()
        self._scripts: dict[str, deque[Scripted]] = {}
        self._message_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._waiters: list[tuple[int, asyncio.Future]] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- control from tests ------------------------------------------------------------------------
    def fail_next(self, method: str, status: int = 429, retry_after: int | None = 1, times: int = 1) -> None:
        for _ in range(times):
            self._failures.append((method, status, retry_after))

    def script(self, method: str, answer: Scripted) -> Scripted:
        """Answer the next call of `method` so (calls are still recorded when they succeed)."""
        self._scripts.setdefault(method, deque()).append(answer)
        return answer

    def sent(self, chat_id: int | str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "sendMessage"
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def contacts(self, chat_id: int | str | None = None) -> list[Call]:
        """The contact cards sent (sendContact), to this chat or to all."""
        return [c for c in self.calls if c.method == "sendContact"
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def media(self, chat_id: int | str | None = None) -> list[Call]:
        """Recordings sent (sendVoice, sendVideoNote), to this chat or to all."""
        return [c for c in self.calls if c.method in ("sendVoice", "sendVideoNote")
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def add_file(self, file_id: str, data: bytes, path: str | None = None) -> None:
        """A file a person sent, as getFile and the download will hand it out."""
        self.files[file_id] = data
        if path is not None:
            self._paths[file_id] = path

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        return [c.params.get("text", "") for c in self.sent(chat_id)]

    async def wait_for_sent(self, count: int, timeout: float = 5.0) -> None:
        if self.sent_count >= count:
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((count, future))
        await asyncio.wait_for(future, timeout)

    def clear(self) -> None:
        self.calls.clear()

    # -- server ----------------------------------------------------------------------------------
    async def __aenter__(self) -> FakeBotApi:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        app.router.add_get("/_stats", self._stats)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        if self.events:
            loop = asyncio.get_running_loop()
            self._events_server = await loop.create_server(lambda: _Subscriber(self._subscribers),
                                                           self.host, self.events_port)
            self.events_port = self._events_server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._events_server is not None:
            self._events_server.close()
            for transport in list(self._subscribers):
                transport.close()
        if self._runner:
            await self._runner.cleanup()

    async def _stats(self, request: web.Request) -> web.Response:
        return web.Response(body=orjson.dumps({"sent_count": self.sent_count, "calls": self.method_counts,
                                               "subscribers": len(self._subscribers)}),
                            content_type="application/json")

    async def _params(self, request: web.Request) -> dict[str, Any]:
        # PTB sends nested objects (reply_markup) as JSON strings inside the JSON body, as
        # Telegram accepts; decode them so tests see structures.
        if request.content_type == "application/json":
            body = await request.read()
            items = (orjson.loads(body) if body else {}).items()
        else:
            items = (await request.post()).items()
        params: dict[str, Any] = {}
        for key, value in items:
            if isinstance(value, str):
                try:
                    params[key] = orjson.loads(value) if value[:1] in "[{" else value
                except orjson.JSONDecodeError:
                    params[key] = value
            else:
                params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        scripts = self._scripts.get(method)
        answer = next((a for a in scripts or () if a.chat_id is None or str(a.chat_id) == str(params.get("chat_id"))),
                      None)
        if answer is not None:
            scripts.remove(answer)  # type: ignore[union-attr]
            answer.started.set()
            if answer.hold is not None:
                await answer.hold.wait()
            if answer.drop:
                assert request.transport is not None
                request.transport.close()  # the client sees the connection go: a network error
                return web.Response(status=500)
            if answer.status != 200 or answer.body is not None:
                if answer.status != 200 and self.record:
                    self.calls.append(Call(f"!{method}", params))  # refused: not a delivered call
                return web.Response(body=answer.body or b"", status=answer.status, content_type=answer.content_type)
        if self._failures and self._failures[0][0] == method:
            _, status, retry_after = self._failures.popleft()
            body: dict[str, Any] = {"ok": False, "error_code": status, "description": "fake failure"}
            if retry_after is not None and status == 429:
                body["parameters"] = {"retry_after": retry_after}
            return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")
        if method == "getUpdates":
            return self._ok(await self._get_updates(params))
        self.method_counts[method] = self.method_counts.get(method, 0) + 1
        if self.record:
            self.calls.append(Call(method, params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._ok(True)
        result = handler(params)
        if isinstance(result, _BadRequest):  # as Telegram answers a call missing a required field
            return web.Response(body=orjson.dumps({"ok": False, "error_code": 400, "description": result.description}),
                                status=400, content_type="application/json")
        if self.record and isinstance(result, dict) and "message_id" in result:
            self.calls[-1].message_id = result["message_id"]
        return self._ok(result)

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.Response(body=orjson.dumps({"ok": True, "result": result}), content_type="application/json")

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        self.sent_count += 1
        if self._subscribers:
            line = b"%s %d\n" % (str(params.get("chat_id")).encode(), time.monotonic_ns())
            for transport in self._subscribers:
                transport.write(line)
        for waiter in [w for w in self._waiters if self.sent_count >= w[0]]:
            self._waiters.remove(waiter)
            if not waiter[1].done():
                waiter[1].set_result(None)
        chat_id = params.get("chat_id")
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else 0, "type": "private"},
                "text": params.get("text", "")}

    def _m_sendContact(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        if not params.get("phone_number") or not params.get("first_name"):
            return _BadRequest("phone_number and first_name are required")
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else 0, "type": "private"},
                "contact": {"phone_number": str(params["phone_number"]), "first_name": str(params["first_name"])}}

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        """The keyboard of a message we sent changes in place (as the person's screen does)."""
        for call in reversed(self.calls):
            if (call.method.startswith("send") and call.message_id == _int(params.get("message_id"))
                    and str(call.params.get("chat_id")) == str(params.get("chat_id"))):
                call.params["reply_markup"] = params.get("reply_markup")
                return {"message_id": call.message_id, "date": int(time.time()),
                        "chat": {"id": _int(params.get("chat_id")), "type": "private"},
                        "text": call.params.get("text", "")}
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = params.get("file_id", "")
        data = self.files.get(file_id)
        if data is None:
            return {"file_id": file_id, "file_unique_id": file_id}
        path = self._paths.get(file_id, f"photos/{file_id}.jpg")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(data), "file_path": path}

    def _m_sendVoice(self, params: dict[str, Any]) -> Any:
        return self._media_message(params, "voice")

    def _m_sendVideoNote(self, params: dict[str, Any]) -> Any:
        return self._media_message(params, "video_note")

    def _media_message(self, params: dict[str, Any], field_name: str) -> Any:
        """Telegram refuses a recording without its file (an id it knows, or an upload)."""
        given = params.get(field_name)
        if not given:
            return _BadRequest(f"{field_name} is required")
        chat_id = params.get("chat_id")
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": _int(chat_id), "type": "private"},
                field_name: {"file_id": given if isinstance(given, str) else "uploaded", "file_unique_id": "u",
                             "duration": 1}}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = min(float(params.get("timeout") or 0), 1.0)
        batch: list[dict[str, Any]] = []
        try:
            batch.append(await asyncio.wait_for(self.updates.get(), timeout) if timeout else self.updates.get_nowait())
        except (asyncio.TimeoutError, asyncio.QueueEmpty):
            return []
        while not self.updates.empty() and len(batch) < 100:
            batch.append(self.updates.get_nowait())
        return batch

    async def _file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        name = next((i for i, p in self._paths.items() if p == path), None)
        if name is None:
            name = path.rsplit("/", 1)[-1].removesuffix(".jpg")
        data = self.files.get(name)
        kind = "audio/ogg" if path.endswith(".oga") else "video/mp4" if path.endswith(".mp4") else "image/jpeg"
        return web.Response(body=data, content_type=kind) if data is not None else web.Response(status=404)


@dataclass(frozen=True)
class _BadRequest:
    description: str


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class _Subscriber(asyncio.Protocol):
    """One listener of the sendMessage event stream (it only reads; what it sends is ignored)."""

    def __init__(self, subscribers: list[asyncio.Transport]) -> None:
        self.subscribers = subscribers
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.subscribers.append(self.transport)  # type: ignore[arg-type]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport in self.subscribers:
            self.subscribers.remove(self.transport)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description="a fake Telegram Bot API on loopback")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--no-record", action="store_true", help="count only (for load tests)")
    parser.add_argument("--events-port", type=int, default=None,
                        help="also stream '<chat_id> <monotonic_ns>' per sendMessage to TCP subscribers on this "
                             "port (0: any free port; the port is printed)")
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop when it is installed")
    args = parser.parse_args()

    async def serve() -> None:
        async with FakeBotApi(port=args.port, record=not args.no_record, events=args.events_port is not None,
                              events_port=args.events_port or 0) as fake:
            print(f"fake Bot API at {fake.url}", flush=True)
            if fake.events:
                print(f"events at {fake.host}:{fake.events_port}", flush=True)
            await asyncio.Event().wait()

    if args.uvloop:
        try:
            import uvloop
        except ImportError:
            uvloop = None  # type: ignore[assignment]
        if uvloop is not None:
            uvloop.run(serve())
            return
    asyncio.run(serve())


if __name__ == "__main__":
    main()
