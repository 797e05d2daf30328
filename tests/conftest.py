"""Shared fixtures: a fake Bot API, a fresh database (SQLite always, PostgreSQL when it answers),
and the running service wired to both."""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import uuid

import pytest

from bot.fake_bot_api import FakeBotApi
from tests.harness import Service, TelegramUser, make_settings, running_app

PG_ADMIN_URL = os.environ.get("SALPIM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, object] = {}


def postgres_available() -> bool:
    if "ok" not in _pg_state:
        try:
            import asyncpg

            async def probe() -> None:
                conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
                await conn.close()
            # In a thread of its own: this may be asked from inside a running event loop.
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, probe()).result()
            _pg_state["ok"] = True
        except Exception as exc:  # noqa: BLE001 - any failure means "not available"
            _pg_state["ok"] = False
            _pg_state["why"] = f"{exc.__class__.__name__}: {exc}"
    return bool(_pg_state["ok"])


def pytest_report_header(config):
    if postgres_available():
        return f"PostgreSQL: {PG_ADMIN_URL} answers; PostgreSQL tests run"
    return f"PostgreSQL: NOT available ({_pg_state.get('why')}); PostgreSQL tests are SKIPPED"


async def _fresh_pg_database() -> str:
    import asyncpg
    name = f"salpim_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


async def _drop_pg_database(url: str) -> None:
    import asyncpg
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def fresh_pg_database():
    """A throw-away PostgreSQL database for one test (skips the test when none answers)."""
    if not postgres_available():
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 not reachable ({_pg_state.get('why')})")
    url = await _fresh_pg_database()
    try:
        yield url
    finally:
        await _drop_pg_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request, tmp_path):
    """A fresh, empty database URL on each engine."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'salpim.db'}"
        return
    async with fresh_pg_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite+aiosqlite:///{tmp_path / 'salpim.db'}"


@pytest.fixture
async def fake_api():
    async with FakeBotApi() as fake:
        yield fake


# SALPIM_TEST_SERVICE_DB=postgres runs every test on the `service` fixture (turns, transcripts,
# the inbox and outbox) on a fresh PostgreSQL database instead of SQLite: the whole dialog path
# on the other engine without doubling every run of the suite.
SERVICE_DB = os.environ.get("SALPIM_TEST_SERVICE_DB", "sqlite")


@pytest.fixture
async def service_url(sqlite_url):
    """The database of the `service` fixture (SQLite unless SALPIM_TEST_SERVICE_DB=postgres)."""
    if SERVICE_DB != "postgres":
        yield sqlite_url
        return
    async with fresh_pg_database() as url:
        yield url


@pytest.fixture
async def service(service_url, fake_api, tmp_path) -> Service:
    async with running_app(make_settings(service_url, fake_api, tmp_path)) as running:
        yield running


@pytest.fixture
def user(service, fake_api) -> TelegramUser:
    return TelegramUser(service, fake_api)
