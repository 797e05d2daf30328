"""The first run on a fresh clone: var/ does not exist (git ignores it), so every command that
needs it makes it, owner-only; the master key is made owner-only from the start; a short
SALPIM_SECRET_KEY is refused with a message that names the rule and never the value; the
service log is not drowned by the dialog machines' state changes."""
from __future__ import annotations

import contextlib
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from salpim import settings as settings_module
from salpim.cli import main
from salpim.logging_setup import configure_logging
from salpim.settings import Settings
from state.crypto import WeakSecretError, resolve_master_secret
from state.migrate import upgrade
from state.private_files import create_private_file, ensure_private_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextlib.contextmanager
def umask(value: int) -> Iterator[None]:
    previous = os.umask(value)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def fresh_env(monkeypatch):
    """The CLI reads its settings from the environment, once: cleared around each test."""
    monkeypatch.delenv("SALPIM_SECRET_KEY", raising=False)
    settings_module.get_settings.cache_clear()
    yield monkeypatch
    settings_module.get_settings.cache_clear()


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o277])
def test_var_and_the_key_are_owner_only_whatever_the_umask(tmp_path, mask):
    var = tmp_path / "clone" / "var"
    with umask(mask):
        secret = resolve_master_secret(None, var)
    assert mode(var) == 0o700 and mode(var.parent) == 0o700  # every folder it had to make
    assert mode(var / "secret.key") == 0o600
    assert len(secret.encode()) >= 32
    assert resolve_master_secret(None, var) == secret  # made once, then read
    assert sorted(p.name for p in var.iterdir()) == ["secret.key"]  # no temporary file left behind


def test_a_key_and_var_left_open_by_an_older_version_are_narrowed(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)
    key = var / "secret.key"
    key.write_text("an-old-install-key-of-more-than-32-bytes")
    os.chmod(key, 0o644)
    assert resolve_master_secret(None, var) == "an-old-install-key-of-more-than-32-bytes"
    assert mode(var) == 0o700 and mode(key) == 0o600


def test_of_two_starts_at_once_one_key_wins(tmp_path):
    ensure_private_dir(tmp_path / "var")
    key = tmp_path / "var" / "secret.key"
    assert create_private_file(key, "first-key-first-key-first-key-first") is True
    assert create_private_file(key, "second-key-second-key-second-key-se") is False
    assert key.read_text() == "first-key-first-key-first-key-first"
    assert resolve_master_secret(None, tmp_path / "var") == "first-key-first-key-first-key-first"


def test_migrate_on_a_fresh_clone_makes_the_database_folder_owner_only(tmp_path, fresh_env, capsys):
    database = tmp_path / "clone" / "var" / "salpim.db"
    fresh_env.setenv("SALPIM_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    with umask(0o022):
        assert main(["migrate"]) == 0
    assert "database is up to date" in capsys.readouterr().out
    assert database.is_file() and mode(database.parent) == 0o700


def test_migrations_make_the_database_folder_before_alembic_opens_it(tmp_path):
    """Alembic opens its own engine (not state.db.Database): the folder must exist first."""
    database = tmp_path / "elsewhere" / "salpim.db"
    upgrade(f"sqlite+aiosqlite:///{database}")
    assert database.is_file() and mode(database.parent) == 0o700


def test_a_short_secret_key_is_refused_without_echoing_it(tmp_path, fresh_env, capsys):
    fresh_env.setenv("SALPIM_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'var' / 's.db'}")
    fresh_env.setenv("SALPIM_SECRET_KEY", "password1234")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [err.strip()]  # one clear line, not a traceback
    assert "SALPIM_SECRET_KEY must be at least 32 bytes" in err and "password1234" not in err
    assert not (tmp_path / "var").exists()  # refused before anything was made


def test_the_settings_refuse_a_short_key_and_accept_32_bytes():
    with pytest.raises(ValidationError) as refused:
        Settings(secret_key="x" * 31)
    assert "x" * 31 not in str(refused.value)
    assert Settings(secret_key="x" * 32).secret_key == "x" * 32
    assert Settings(secret_key="가" * 11).secret_key == "가" * 11  # bytes, not characters: 33 bytes
    with pytest.raises(WeakSecretError):
        resolve_master_secret("short", Path("/nonexistent"))


def test_a_short_key_in_the_key_file_is_refused(tmp_path):
    var = ensure_private_dir(tmp_path / "var")
    create_private_file(var / "secret.key", "tiny")
    with pytest.raises(WeakSecretError):
        resolve_master_secret(None, var)


async def test_the_service_log_has_no_state_machine_chatter(service, user):
    """282 `transitions.core` INFO lines in a short session drowned what matters."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    root = logging.getLogger()
    keep, level = Keep(level=logging.DEBUG), root.level
    root.addHandler(keep)
    try:
        configure_logging("DEBUG")
        root.setLevel(logging.DEBUG)  # under pytest basicConfig leaves the root level alone
        await user.say("/start report")
        await user.press("이웃·지인")
        await user.press("주민·이웃")
        await user.press("고립")
        logging.getLogger("transitions.core").warning("still shown")
        logging.getLogger("salpim.first_run").info("our own INFO line")
    finally:
        root.removeHandler(keep)
        root.setLevel(level)
    from_machines = [r for r in records if r.name.startswith("transitions")]
    assert [r.getMessage() for r in from_machines] == ["still shown"]
    assert "our own INFO line" in [r.getMessage() for r in records]  # the rest of the log still speaks
