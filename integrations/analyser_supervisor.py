"""`salpim serve` keeps one analyser process (integrations/analyser_process.py) for all its
workers: started before uvicorn, restarted by a watchdog thread when it exits (waiting 1 s, then
2, 4… up to 30 s while it keeps failing), stopped with the service."""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
STEADY_S = 60.0  # an analyser that ran this long before exiting is restarted at once again
_MAX_SOCKET_PATH = 100  # AF_UNIX paths are at most 107 bytes


def socket_path(var_dir: Path, port: int) -> Path:
    """var/analyser-PORT.sock (one per served port, so two services on one machine do not take
    each other's), or a private temporary folder when the checkout's path is too long for a socket."""
    path = var_dir / f"analyser-{port}.sock"
    if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
        return path
    return Path(tempfile.mkdtemp(prefix="salpim-")) / f"analyser-{port}.sock"


class AnalyserSupervisor:
    def __init__(self, socket: Path, *, command: Sequence[str] | None = None,
                 first_backoff: float = FIRST_BACKOFF_S, max_backoff: float = MAX_BACKOFF_S) -> None:
        self.socket = socket
        self.command = list(command or [sys.executable, "-m", "integrations.analyser_process",
                                        "--socket", str(socket), "--with-parent"])
        self.first_backoff, self.max_backoff = first_backoff, max_backoff
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watchdog: threading.Thread | None = None

    def start(self) -> None:
        self._spawn()
        self._watchdog = threading.Thread(target=self._watch, name="analyser-watchdog", daemon=True)
        self._watchdog.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        with self._lock:
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._watchdog is not None:
            self._watchdog.join(timeout)
        if self.socket.parent.name.startswith("salpim-") and self.socket.parent.parent == Path(tempfile.gettempdir()):
            shutil.rmtree(self.socket.parent, ignore_errors=True)

    def _spawn(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            # A session of its own: Ctrl-C in the terminal reaches uvicorn, which shuts down, and
            # then stop() ends the analyser — not the analyser first, which would be restarted.
            self.process = subprocess.Popen(self.command, start_new_session=True)
            log.info("analyser process %d starting on %s", self.process.pid, self.socket)

    def _watch(self) -> None:
        backoff = self.first_backoff
        while not self._stopping.is_set():
            process = self.process
            started = time.monotonic()
            code = process.wait() if process is not None else None
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= STEADY_S:
                backoff = self.first_backoff
            log.warning("analyser process exited (%s); restarting in %.0f s", code, backoff)
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, self.max_backoff)
            self.restarts += 1
            self._spawn()
