"""The real service in a subprocess, killed with SIGKILL in the middle of dialogs and started
again on the same database: every dialog resumes at its question; no report lost or doubled,
even when the kill lands while an update is being processed (Telegram then redelivers it)."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from state.models import Report
from tests.harness import WEBHOOK_SECRET, TelegramUser

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    def __init__(self, db_path, fake_url: str, tmp_path) -> None:
        self.port = free_port()
        self.env = {**os.environ, "SALPIM_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
                    "SALPIM_TELEGRAM_TOKEN": "123456:TEST-TOKEN", "SALPIM_TELEGRAM_API_URL": fake_url,
                    "SALPIM_WEBHOOK_SECRET": WEBHOOK_SECRET, "SALPIM_PUBLIC_URL": "https://salpim.example",
                    "SALPIM_SECRET_KEY": "kill-test-key-at-least-32-bytes-long", "SALPIM_SEND_RATE_PER_SECOND": "1000",
                    "SALPIM_LOG_LEVEL": "WARNING", "SALPIM_AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.jsonl")}
        self.proc: subprocess.Popen | None = None
        self.log = open(tmp_path / "service.log", "ab")

    async def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "salpim", "serve", "--port", str(self.port)],
                                     env=self.env, stdout=self.log, stderr=self.log)
        # Bounded readiness wait, not a timing assertion: on a loaded 2-core machine a start
        # (imports, migrations check, catalogs) has taken more than 10 s.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        async with httpx.AsyncClient() as client:
            while loop.time() < deadline and self.proc.poll() is None:
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        code = self.proc.poll()
        if code is None:  # never left running past a failed test
            self.kill()
        raise RuntimeError(f"service did not start (exit code {code}; its log: {self.log.name})")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def post(self, update: dict) -> int:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(f"{self.url}/telegram/webhook", json=update,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
            return response.status_code


async def test_sigkill_mid_dialog_resumes_and_nothing_is_lost_or_doubled(tmp_path, fake_api):
    db_path = tmp_path / "kill.db"
    migrate = subprocess.run([sys.executable, "-m", "salpim", "migrate"], capture_output=True,
                             env={**os.environ, "SALPIM_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}"})
    assert migrate.returncode == 0, migrate.stderr
    service = ServiceProcess(db_path, fake_api.url, tmp_path)
    await service.start()
    users = [TelegramUser(None, fake_api, user_id=9_100_000 + i) for i in range(3)]
    script = ["/start report", "이웃·지인 일이에요", "|q:resident", "|q:toggle:isolation", "|q:done", "혼자 사는 어르신",
              "어르신(80세 이상)", "여성", "혜화동", "|q:skip", "며칠째 안 보여요", "|q:no", "|q:anonymous",
              "|q:file"]  # |q:no: no same-day visit (the 고독사 question)

    def update_for(user: TelegramUser, step: str) -> dict:
        return user.press_update(step) if step.startswith("|") else user.message_update(text=step)

    kills = 0
    for index, step in enumerate(script):
        updates = [update_for(u, step) for u in users]
        if index in (3, 7, 13):  # kill while these updates are in flight (13: filing), then redeliver them
            pending = [asyncio.create_task(service.post(u)) for u in updates]
            await asyncio.sleep(0.005 * index)
            service.kill()
            kills += 1
            await asyncio.gather(*pending, return_exceptions=True)
            await service.start()
        for update in updates:  # (re)delivery: Telegram repeats anything not answered 200
            assert await service.post(update) == 200
        if index in (5, 9):  # and a kill between two answers
            service.kill()
            kills += 1
            await service.start()
    # Sends leave through the outbox after the webhook answered: give the last ones a moment (bounded).
    for _ in range(200):
        if all(any("접수되었습니다" in t for t in fake_api.texts(u.user_id)) for u in users):
            break
        await asyncio.sleep(0.05)
    service.kill()
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Report)).scalar_one() == len(users)
        assert conn.execute(text("select count(distinct reporter_chat_hash) from reports")).scalar_one() == len(users)
    for user in users:
        confirmations = [t for t in fake_api.texts(user.user_id) if "접수되었습니다" in t]
        assert len(confirmations) >= 1  # at least once (a kill between commit and send may repeat it)
    assert kills == 5
