"""The Korean analyser once per machine (issue 16): the analyser process answers the lemmas Kiwi
gives in-process, to several threads at once; a worker whose analyser is gone maps to nothing
(counted, no exception, no Kiwi of its own); the finder works through it; `salpim serve` starts,
restarts and stops it."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from integrations import analyser_client
from integrations.analyser_client import UNAVAILABLE, AnalyserClient
from integrations.analyser_supervisor import AnalyserSupervisor
from tests.harness import TelegramUser, make_settings, running_app, texts
from welfare import free_text

pytestmark = pytest.mark.slow
SAMPLE = ["월세가 밀렸어요", "혼자 사는 어머니가 걱정돼요", "일자리를 잃었어요", "전기세가 석 달째 밀렸어요",
          "한부모 가정인데 아이 학원비가 부담돼요", "우울해서 아무것도 못 하겠어요", "반찬이 필요해요",
          "월세가밀렸어요", "병원비 때문에 대출을 받았어요", "Kiwi는 OK", "ㅋㅋㅋ 안녕하세요", "가" * 2500]


def _start(path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "integrations.analyser_process", "--socket", str(path)])


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def socket_dir():
    # Not pytest's tmp_path: a Unix socket's path must stay under 108 bytes.
    folder = Path(tempfile.mkdtemp(prefix="salpim-an-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def analyser(socket_dir):
    path = socket_dir / "shared.sock"
    process = _start(path)
    assert AnalyserClient(path).wait_ready(120), "the analyser process did not answer"
    yield path
    _stop(process)
    assert not path.exists()  # it removes its socket on the way out


@pytest.fixture(autouse=True)
def kiwi_in_process_afterwards():
    yield
    free_text.use_lemma_source(None)


def test_the_process_answers_the_lemmas_of_kiwi_in_process(analyser):
    client = AnalyserClient(analyser)
    for text in SAMPLE:
        assert client.lemmas(text) == free_text.kiwi_lemmas(text), text
    assert oct(analyser.stat().st_mode & 0o777) == "0o600"  # the texts are personal data


def test_several_threads_at_once(analyser):
    client = AnalyserClient(analyser)
    expected = {text: free_text.kiwi_lemmas(text) for text in SAMPLE}
    wrong: list[str] = []

    def work(offset: int) -> None:
        for i in range(30):
            text = SAMPLE[(offset + i) % len(SAMPLE)]
            if client.lemmas(text) != expected[text]:
                wrong.append(text)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_a_killed_analyser_maps_to_nothing_and_is_counted_then_reconnected(socket_dir, monkeypatch):
    path = socket_dir / "killed.sock"
    process = _start(path)
    try:
        client = analyser_client.install(path)
        assert client is not None and client.wait_ready(120)
        assert "money_basics" in free_text.map_free_text("월세가 밀렸어요").ids
        monkeypatch.setattr(free_text._KIWI, "get", _no_kiwi_here)  # the worker never loads its own
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        before = UNAVAILABLE._value.get()
        assert free_text.map_free_text("일자리를 잃었어요").is_empty
        assert free_text.household_facts("혼자 살아요") == {}
        assert free_text.lemmas("반찬이 필요해요") == frozenset()
        assert UNAVAILABLE._value.get() == before + 3
        process = _start(path)  # restarted, as the supervisor does: the kept connection is broken
        assert AnalyserClient(path).wait_ready(120)
        assert "money_basics" in free_text.map_free_text("월세가 밀렸어요").ids
    finally:
        _stop(process)


def _no_kiwi_here():
    raise AssertionError("a worker with an analyser process loaded Kiwi itself")


def test_no_analyser_at_all_answers_at_once(socket_dir):
    client = AnalyserClient(socket_dir / "nobody.sock")
    free_text.use_lemma_source(client.lemmas)
    started = time.monotonic()
    assert free_text.map_free_text("일자리를 잃었어요").is_empty
    assert time.monotonic() - started < 0.5


async def test_the_finder_through_the_analyser_process(analyser, db_url, tmp_path, fake_api, monkeypatch):
    settings = make_settings(db_url, fake_api, tmp_path, services_dir=tmp_path / "services", analyser_socket=analyser)
    monkeypatch.setattr(free_text._KIWI, "get", _no_kiwi_here)
    async with running_app(settings) as service:
        resident = TelegramUser(service, fake_api, user_id=5558101)
        await resident.say("/start finder")
        out = await resident.say("월세가 밀렸어요")
        assert "이렇게 이해했어요: 생활비·공과금 어려움, 주거 위기. 맞나요?" in texts(out)


# -- salpim serve's wiring ----------------------------------------------------------------------
def test_the_supervisor_starts_restarts_and_stops_the_analyser(socket_dir):
    supervisor = AnalyserSupervisor(socket_dir / "supervised.sock", first_backoff=0.05)
    supervisor.start()
    try:
        assert AnalyserClient(supervisor.socket).wait_ready(120)
        first = supervisor.process
        first.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 30
        while supervisor.process is first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert supervisor.process is not first and supervisor.restarts == 1
        assert AnalyserClient(supervisor.socket).wait_ready(120)
    finally:
        supervisor.stop()
    assert supervisor.process.poll() is not None and not supervisor.socket.exists()


def test_serve_starts_the_analyser_before_uvicorn_and_stops_it_after(monkeypatch):
    import uvicorn

    from salpim import cli
    from salpim.settings import get_settings
    events: list[str] = []

    class Supervisor:
        def __init__(self, socket: Path) -> None:
            self.socket = socket

        def start(self) -> None:
            events.append("analyser started")

        def stop(self) -> None:
            events.append("analyser stopped")

    def run(*args, **kwargs) -> None:
        # With one worker uvicorn builds the app in this process: the settings must say it too.
        events.append(f"uvicorn with {get_settings().analyser_socket}")
        raise KeyboardInterrupt

    monkeypatch.delenv("SALPIM_ANALYSER_SOCKET", raising=False)
    monkeypatch.delenv("SALPIM_ANALYSER", raising=False)
    monkeypatch.setattr("integrations.analyser_supervisor.AnalyserSupervisor", Supervisor)
    monkeypatch.setattr(uvicorn, "run", run)
    get_settings.cache_clear()
    try:
        with pytest.raises(KeyboardInterrupt):
            cli.main(["serve", "--port", "8765"])
        socket = get_settings().var_dir / "analyser-8765.sock"
        assert os.environ["SALPIM_ANALYSER_SOCKET"] == str(socket)  # the workers read it at start
        assert events == ["analyser started", f"uvicorn with {socket}", "analyser stopped"]
        events.clear()
        del os.environ["SALPIM_ANALYSER_SOCKET"]
        monkeypatch.setenv("SALPIM_ANALYSER", "inprocess")  # each worker its own Kiwi, as before
        get_settings.cache_clear()
        with pytest.raises(KeyboardInterrupt):
            cli.main(["serve", "--port", "8765"])
        assert events == ["uvicorn with None"]
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # serve's own handler is gone again
    finally:
        os.environ.pop("SALPIM_ANALYSER_SOCKET", None)
        get_settings.cache_clear()
