"""A worker's side of the analyser process (integrations/analyser_process.py): welfare.free_text's
lemma source when SALPIM_ANALYSER_SOCKET names a socket (`salpim serve` sets it for its workers).

A turn calls it on the event loop thread, so every wait is short: connect ≤ 0.5 s, answer ≤ 2 s
(a sentence takes ~1 ms). One connection per thread, kept; a broken one (the analyser restarted)
is reconnected once. When the analyser cannot be reached the worker does not load Kiwi itself —
that is the memory saved: the lemma source raises LemmasUnavailable, the mapping is empty and the
finder asks its guided questions. Each such answer is counted in /metrics
(salpim_analyser_unavailable_total); the log says when it goes away and comes back, never a text.
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from pathlib import Path
from typing import NoReturn

from prometheus_client import Counter

from integrations.analyser_process import MAX_ANSWER_BYTES, WireError, read_frame, send_frame
from welfare import free_text

log = logging.getLogger(__name__)
UNAVAILABLE = Counter("salpim_analyser_unavailable_total",
                      "Texts mapped as 'nothing found' because the analyser process did not answer")
CONNECT_TIMEOUT_S = 0.5
ANSWER_TIMEOUT_S = 2.0
# After a timeout, ask again only this much later: an analyser that is loading or stuck must not
# cost every turn of the event loop two seconds.
HOLD_OFF_S = 5.0


class AnalyserClient:
    def __init__(self, path: Path | str, *, connect_timeout: float = CONNECT_TIMEOUT_S,
                 answer_timeout: float = ANSWER_TIMEOUT_S) -> None:
        self.path = str(path)
        self.connect_timeout, self.answer_timeout = connect_timeout, answer_timeout
        self._local = threading.local()
        self._held_off_until = 0.0
        self._failing = False

    def lemmas(self, text: str) -> frozenset[str]:
        """welfare.free_text's LemmaSource: the lemmas, or LemmasUnavailable (counted)."""
        last = getattr(self._local, "last", None)
        if last is not None and last[0] == text:
            return last[1]  # the finder reads a message twice (situations, then household facts)
        if time.monotonic() < self._held_off_until:
            return self._unavailable("held off after a timeout")
        try:
            found = self.ask(text, self.answer_timeout)
        except socket.timeout:
            self._held_off_until = time.monotonic() + HOLD_OFF_S
            return self._unavailable("no answer in time")
        except (OSError, ValueError) as problem:  # refused, no socket, broken twice, bad answer
            return self._unavailable(problem.__class__.__name__)
        if self._failing:
            self._failing = False
            log.info("analyser at %s answers again", self.path)
        self._local.last = (text, found)
        return found

    def wait_ready(self, timeout: float) -> bool:
        """At start: wait for the analyser (it may still be starting or loading Kiwi)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.ask("월세가 밀렸어요", max(0.1, deadline - time.monotonic()))
                return True
            except (OSError, ValueError):
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.1)

    def ask(self, text: str, timeout: float) -> frozenset[str]:
        request = text[:free_text.MAX_TEXT_CHARS].encode("utf-8")
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                return self._exchange(conn, request, timeout)
            except (socket.timeout, ValueError):
                self._drop()
                raise
            except OSError:
                self._drop()  # broken (the analyser restarted): one new connection below
        conn = self._local.conn = self._connect()
        try:
            return self._exchange(conn, request, timeout)
        except (OSError, ValueError):
            self._drop()
            raise

    def close(self) -> None:
        self._drop()

    def _connect(self) -> socket.socket:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(self.connect_timeout)
        try:
            conn.connect(self.path)
        except OSError:
            conn.close()
            raise
        return conn

    @staticmethod
    def _exchange(conn: socket.socket, request: bytes, timeout: float) -> frozenset[str]:
        conn.settimeout(timeout)
        send_frame(conn, request)
        words = json.loads(read_frame(conn, MAX_ANSWER_BYTES))
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise WireError("not a list of words")
        return frozenset(words)

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def _unavailable(self, why: str) -> NoReturn:
        UNAVAILABLE.inc()
        if not self._failing:
            self._failing = True
            log.warning("analyser at %s not answering (%s): free text maps to nothing until it does", self.path, why)
        raise free_text.LemmasUnavailable(why)


def install(socket_path: Path | None) -> AnalyserClient | None:
    """Plug the analyser process in as welfare.free_text's lemma source, or (no socket) Kiwi in
    this process, as tests and a plain `uvicorn integrations.asgi:app` have it."""
    client = AnalyserClient(socket_path) if socket_path else None
    free_text.use_lemma_source(client.lemmas if client else None)
    return client
