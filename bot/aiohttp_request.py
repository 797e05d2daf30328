"""A python-telegram-bot request backend on aiohttp.

PTB's default HTTPXRequest is the first bottleneck of a busy bot (about 160 updates/s on our
2-core machine against ~1,000/s with this backend; docs/performance.md). Any BaseRequest can be
passed to the Bot, so the backend stays swappable (SALPIM_TELEGRAM_BACKEND=httpx for PTB's own).
"""
from __future__ import annotations

import asyncio

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    __slots__ = ("_session", "_limit", "_timeout")

    def __init__(self, connection_pool_size: int = 256, timeout: float = 20.0) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._limit = connection_pool_size
        self._timeout = timeout

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limit, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector,
                                                  timeout=aiohttp.ClientTimeout(total=None))

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None:
            await self.initialize()
        assert self._session is not None
        total = read_timeout if isinstance(read_timeout, (int, float)) else self._timeout
        kwargs: dict = {"timeout": aiohttp.ClientTimeout(total=(total or self._timeout) + 5)}
        if request_data is not None:
            if request_data.contains_files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, part in request_data.multipart_data.items():
                    filename, content, mime = part if len(part) == 3 else (*part, None)  # type: ignore[misc]
                    form.add_field(name, content, filename=filename, content_type=mime)
                kwargs["data"] = form
            else:
                kwargs["data"] = request_data.json_payload
                kwargs["headers"] = {"Content-Type": "application/json"}
        try:
            async with self._session.request(method, url, **kwargs) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {exc.__class__.__name__}") from exc

    async def post_json(self, url: str, body: bytes, timeout: float | None = None) -> tuple[int, bytes]:
        """A Bot API call with an already-encoded JSON body (the outbox's fast path: no
        RequestData, no Telegram object parsing)."""
        if self._session is None:
            await self.initialize()
        assert self._session is not None
        try:
            async with self._session.post(url, data=body, headers={"Content-Type": "application/json"},
                                          timeout=aiohttp.ClientTimeout(total=timeout or self._timeout + 5)) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {exc.__class__.__name__}") from exc
