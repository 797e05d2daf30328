"""The Korean analyser, once per machine (issue 16, "small workers"):
`python -m integrations.analyser_process --socket PATH`.

Kiwi costs ≈ 300 MB a process; `salpim serve` runs this process once for all its workers, which
ask it over a Unix socket (integrations/analyser_client.py). It binds the socket at once and
answers once Kiwi is loaded: a worker starting alongside it waits instead of finding nothing.

Wire format, both ways: a 4-byte big-endian length, then that many bytes. A request is a text
(UTF-8, cut at MAX_TEXT_CHARS); the answer, its lemmas as a JSON list of strings, exactly as
welfare.free_text computes them. Many requests per connection, one thread per connection; a
request too long or not UTF-8 closes the connection. Only this user may connect (0600).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
from pathlib import Path

from salpim.logging_setup import configure_logging
from welfare import free_text

log = logging.getLogger("salpim.analyser")
_HEADER = struct.Struct(">I")
MAX_REQUEST_BYTES = free_text.MAX_TEXT_CHARS * 4  # a UTF-8 character is at most 4 bytes
MAX_ANSWER_BYTES = 1 << 20


class WireError(ConnectionError):
    """The other side closed the connection or broke the framing."""


def send_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def read_frame(sock: socket.socket, limit: int) -> bytes:
    size = _HEADER.unpack(_read_exactly(sock, _HEADER.size))[0]
    if size > limit:
        raise WireError(f"a frame of {size} bytes (at most {limit})")
    return _read_exactly(sock, size)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(left)
        if not chunk:
            raise WireError("connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def answer(text: str) -> bytes:
    return json.dumps(sorted(free_text.kiwi_lemmas(text)), ensure_ascii=False).encode()


class _Connection(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while True:
            try:
                text = read_frame(self.request, MAX_REQUEST_BYTES).decode("utf-8")
            except (WireError, UnicodeDecodeError, OSError):
                return  # closed, or not our protocol: drop the connection
            # Waits here for Kiwi while it loads (the loading holds free_text's load lock).
            send_frame(self.request, answer(text))


class AnalyserServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 64


def bind(path: Path) -> AnalyserServer:
    """Bind the socket (replacing a stale one left by a killed analyser), owner-only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_socket():
        path.unlink()
    old_umask = os.umask(0o177)  # the socket file is created 0600: the texts are personal data
    try:
        return AnalyserServer(str(path), _Connection)
    finally:
        os.umask(old_umask)


def _exit_with_parent(parent: int) -> None:
    # Started by `salpim serve`: a serve killed outright (SIGKILL) must not leave ≈ 300 MB behind.
    while os.getppid() == parent:
        time.sleep(1.0)
    log.warning("analyser: the process that started it is gone; stopping")
    os.kill(os.getpid(), signal.SIGTERM)


def serve(path: Path, *, with_parent: bool = False) -> int:
    server = bind(path)
    ours = path.stat().st_ino
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, name="analyser-accept", daemon=True).start()
    if with_parent:
        threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="analyser-parent",
                         daemon=True).start()
    started = time.perf_counter()
    free_text.load_kiwi()
    free_text.kiwi_lemmas("월세가 밀렸어요")  # Kiwi's first analysis costs ~20 ms more
    log.info("analyser: Kiwi ready in %.1f s on %s", time.perf_counter() - started, path)
    try:
        while not stop.wait(1.0):  # a timed wait: the signal handlers run between waits
            pass
    finally:
        server.shutdown()
        server.server_close()
        # Only our own socket: a serve killed and started again has a new analyser on this path
        # already, while this one is still noticing that its parent is gone.
        with contextlib.suppress(OSError):
            if path.stat().st_ino == ours:
                path.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m integrations.analyser_process",
                                     description="the Korean analyser (Kiwi), once per machine, on a Unix socket")
    parser.add_argument("--socket", type=Path, required=True, help="the Unix socket to answer on")
    parser.add_argument("--with-parent", action="store_true", help="stop when the starting process is gone")
    args = parser.parse_args(argv)
    configure_logging(os.environ.get("SALPIM_LOG_LEVEL", "INFO"))
    return serve(args.socket, with_parent=args.with_parent)


if __name__ == "__main__":
    sys.exit(main())
