"""The `salpim` command: serve, migrate, load-directory, admin, flows (and more per issue)."""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

from pydantic import ValidationError

from salpim.logging_setup import configure_logging
from salpim.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = get_settings()
    except ValidationError as exc:
        # One line per refused setting, named as the environment variable (the value is never shown).
        for error in exc.errors():
            name = "SALPIM_" + "_".join(str(part) for part in error["loc"]).upper()
            message = error["msg"].removeprefix("Value error, ")
            print(message if message.startswith(name) else f"{name}: {message}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    from salpim.cli_admin import CommandRefused
    try:
        return int(args.handler(args) or 0)
    except CommandRefused as refusal:
        print(refusal, file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salpim", description="살핌: crisis reports and casework for 읍면동 teams")
    sub = parser.add_subparsers(title="commands")

    serve = sub.add_parser("serve", help="run the web service (webhook, playground, API)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (stateless; share the database)")
    serve.set_defaults(handler=_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations (Alembic) up to the latest")
    migrate.set_defaults(handler=_migrate)

    directory = sub.add_parser("load-directory", help="load or update the 읍면동 directory from a CSV file")
    directory.add_argument("file", type=Path, help="CSV with sigungu_code,sigungu_name,dong_code,dong_name,"
                                                   "lat,lon,team_chat_id,phone (docs/directory.md); "
                                                   "UTF-8 (with or without BOM) or CP949, as Korean Excel saves")
    directory.set_defaults(handler=_load_directory)

    flows = sub.add_parser("flows", help="print each dialog flow as a Mermaid state diagram")
    flows.set_defaults(handler=_flows)

    from salpim import cli_admin, cli_reach, cli_welfare
    cli_admin.add_parser(sub)
    cli_welfare.add_parser(sub)
    cli_reach.add_parser(sub)
    __import__("salpim.cli_bench").cli_bench.add_parser(sub)
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    analyser = _start_analyser(args.port)
    # uvicorn hands a SIGTERM back once it has shut down: exit through `finally`, not at once.
    previous = signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    try:
        uvicorn.run("integrations.asgi:app", host=args.host, port=args.port, workers=args.workers,
                    log_level="info", access_log=False, proxy_headers=False)
    finally:
        if analyser is not None:
            analyser.stop()
        signal.signal(signal.SIGTERM, previous)
    return 0


def _start_analyser(port: int):
    """One Korean analyser process for all the workers (issue 16, docs/performance.md "Small
    workers"), its socket handed to them in SALPIM_ANALYSER_SOCKET. None when each worker keeps
    its own (SALPIM_ANALYSER=inprocess) or the socket names an analyser someone else runs."""
    settings = get_settings()
    if settings.analyser != "process" or settings.analyser_socket is not None:
        return None
    from integrations.analyser_supervisor import AnalyserSupervisor, socket_path
    supervisor = AnalyserSupervisor(socket_path(settings.var_dir, port))
    supervisor.start()
    os.environ["SALPIM_ANALYSER_SOCKET"] = str(supervisor.socket)  # the workers read it at start
    get_settings.cache_clear()  # with one worker uvicorn runs the app in this process
    return supervisor


def _migrate(args: argparse.Namespace) -> int:
    from state.migrate import upgrade
    upgrade(get_settings().database_url)
    print("database is up to date")
    return 0


def _load_directory(args: argparse.Namespace) -> int:
    from salpim.cli_csv import UnreadableCsv, read_csv_text
    from state.db import Database
    from state.directory_store import upsert_directory
    from welfare.directory import Directory, DirectoryError, parse_directory_csv

    try:
        directory = Directory.build(*parse_directory_csv(read_csv_text(args.file)))
    except (DirectoryError, UnreadableCsv, OSError) as exc:
        print(f"cannot load {args.file}: {exc}", file=sys.stderr)
        return 1

    async def load() -> tuple[int, int]:
        db = Database(get_settings().database_url)
        try:
            async with db.transaction() as conn:
                return await upsert_directory(db, conn, directory)
        finally:
            await db.dispose()

    sigungus, dongs = asyncio.run(load())
    print(f"loaded {sigungus} 시군구 and {dongs} 읍면동 (existing entries updated in place)")
    return 0


def _flows(args: argparse.Namespace) -> int:
    from integrations.services import build_engine
    for name, flow in build_engine().flows.items():
        print(f"## {name}\n\n```mermaid\n{flow.mermaid()}\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
