"""Request bodies are bounded in size and in time, on every route, before anything reads them.

A plain ASGI middleware, outermost: a body announced larger than the route's limit is refused
at once (413) without reading a byte of it; a body without Content-Length (chunked) is read up
to the limit and refused as soon as it passes it; a body that does not arrive in full within the
read timeout is refused (408). Within the limits the body is buffered (at most the limit, a few
hundred KB) and handed to the application as one message, so no route ever reads an unbounded
body, whatever it checks first (auth, validation).
"""
from __future__ import annotations

import asyncio
from collections.abc import Mapping

import orjson

from bot.telegram_transport import WEBHOOK_PATH
from dialogs.report_voice import MAX_VOICE_BYTES
from integrations.webhook import MAX_UPDATE_BYTES

# Route prefixes with a limit of their own (longest prefix wins); anything else: the default.
ROUTE_LIMITS: Mapping[str, int] = {
    WEBHOOK_PATH: MAX_UPDATE_BYTES,       # a Telegram update is a few KB
    "/playground/api/": 128 * 1024,      # 20,000 characters of text, as UTF-8, with room
    "/playground/api/voice": MAX_VOICE_BYTES,  # an attached recording (dialogs/report_voice.py)
    "/api/screen": 64 * 1024,            # a household is a few hundred bytes
    "/office/": 64 * 1024,               # a form: a follow-up note is at most a few KB
}


class BodyLimits:
    def __init__(self, app, *, default_limit: int, timeout: float,
                 route_limits: Mapping[str, int] = ROUTE_LIMITS) -> None:
        self.app = app
        self.default_limit = default_limit
        self.timeout = timeout
        self.routes = sorted(route_limits.items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.routes if path.startswith(prefix)), self.default_limit)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared == -1 or (declared is not None and declared > limit):
            return await _refuse(send, 413, "request body too large" if declared != -1 else "bad Content-Length")
        if declared == 0 and scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return await self.app(scope, receive, send)
        body = await self._read(receive, limit)
        if isinstance(body, int):
            return await _refuse(send, body, "request body too large" if body == 413 else "request body too slow")
        if body is None:  # the client went away
            return None
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only http.disconnect is left to wait for
        await self.app(scope, replay, send)

    async def _read(self, receive, limit: int) -> bytes | int | None:
        """The whole body; 413 past the limit, 408 past the deadline, None on disconnect."""
        chunks, size = [], 0
        # One deadline for the whole body (asyncio.timeout: no task per message, as wait_for made).
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        return 413
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            return 408


def _content_length(scope) -> int | None:
    """The declared length, None when not given, -1 when not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return -1
            return length if length >= 0 else -1
    return None


async def _refuse(send, status: int, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    # Connection: close — the rest of the body is never read, so the connection cannot be reused.
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
