"""Logging that carries no personal data.

Our own log lines name ids and receipt numbers only. Some libraries log whole request payloads
at DEBUG (python-telegram-bot logs every Bot API call's parameters, aiosqlite every statement's
values, httpx every URL — with the bot token in it): those loggers are held at WARNING whatever
level the service runs at, so turning on DEBUG never turns on a leak.

`transitions` logs every state change of every dialog at INFO (hundreds of lines in a short
session, drowning what matters); it is held at WARNING too, so its warnings still show.
"""
from __future__ import annotations

import logging

PAYLOAD_LOGGERS = ("telegram", "aiosqlite", "httpx", "httpcore", "asyncpg", "sqlalchemy.engine",
                   "aiohttp.client", "hpack")
NOISY_LOGGERS = ("transitions",)


def quiet_payload_loggers() -> None:
    for name in (*PAYLOAD_LOGGERS, *NOISY_LOGGERS):
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_payload_loggers()
