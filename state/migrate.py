"""Applying the Alembic migrations from code (`salpim migrate`, test fixtures)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from state.db import ensure_sqlite_dir

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Runs in its own event loop (Alembic's env.py uses asyncio.run): call it from sync code or
    from a thread (`await asyncio.to_thread(upgrade, url)`).

    A fresh clone has no var/ (git ignores it): the SQLite file's folder is made first."""
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def make_revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
