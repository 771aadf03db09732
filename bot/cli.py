"""The `mockpanel` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import importlib
import logging
import signal
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__, logs
from bot.config import Settings, is_postgres_url
from bot.core.banks import Library
from bot.core.errors import MockpanelError

if TYPE_CHECKING:
    from aiohttp import web

    from bot.runtime import Runtime

DEMO_DB = "mockpanel-demo.db"
DEMO_SCHEMA = "mockpanel_demo"  # on PostgreSQL, the demo's own schema
# Written into the header of every database the demo creates, so that the demo only ever
# deletes a database of its own ("mkdm").
DEMO_APPLICATION_ID = 0x6D6B646D
log = logging.getLogger(__name__)
STOP_WITHIN = 8.0  # seconds for the adapters' clean-up after SIGTERM; the store closes after


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockpanel", description="Group mock interviews in Discord and Slack.")
    parser.add_argument("--version", action="version", version=f"mockpanel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="play a scripted session with simulated users (no token needed)")
    demo.add_argument(
        "--db",
        help=f"the demo's own SQLite file, recreated each run (default: {DEMO_DB}); or a postgresql:// URL, "
        f"where it plays in a schema of its own, {DEMO_SCHEMA}",
    )
    console = sub.add_parser("console", help="play several users yourself in the terminal")
    console.add_argument("--db", help="SQLite file (default: MOCKPANEL_DB or ./mockpanel.db)")
    console.add_argument("--as", dest="user", default="you", help="your first identity (an organiser)")
    run = sub.add_parser("run", help="connect to Discord, Slack or both (tokens from the environment)")
    run.add_argument("platform", choices=["discord", "slack", "all"])
    run.add_argument("--http", action="store_true", help="Slack: serve the Events API over HTTP instead of Socket Mode")
    run.add_argument("--port", type=int, default=3000, help="Slack HTTP mode: the port to listen on")
    run.add_argument(
        "--workers", metavar="N", help="Slack: N worker processes looked after by this one (PostgreSQL; docs/deploy.md)"
    )
    run.add_argument("--shards", help="Discord: the total number of shards, or auto (default: no sharding)")
    run.add_argument("--shard-ids", help="Discord: the shards this process runs, e.g. 0,1 (default: all)")
    migrate = sub.add_parser("migrate", help="create or upgrade the database")
    migrate.add_argument("--db")
    bank = sub.add_parser("bank", help="question banks")
    bank_sub = bank.add_subparsers(dest="bank_command", required=True)
    validate = bank_sub.add_parser("validate", help="check bank files against the schema")
    validate.add_argument("paths", nargs="+", type=Path)
    bank_sub.add_parser("list", help="list the banks and categories")
    stats = bank_sub.add_parser("stats", help="counts per category, difficulty, mode and tag; the most similar pairs")
    stats.add_argument("--pairs", type=int, default=10, help="how many of the most similar question pairs to show")
    imp = bank_sub.add_parser("import", help="import a bank file into one community's database")
    imp.add_argument("path", type=Path)
    imp.add_argument("--community", required=True, help='the community, e.g. "discord:81234" or "slack:T0123"')
    imp.add_argument("--db")
    exp = bank_sub.add_parser("export", help="print banks as YAML (a community's own, or the shipped ones)")
    exp.add_argument("--community", help="export this community's own banks")
    exp.add_argument("--bank", help="only this bank id")
    exp.add_argument("--db")
    show = bank_sub.add_parser("show", help="show one question")
    show.add_argument("id")
    _discord_parser(sub)
    _doctor_parser(sub)
    from bot.dbtools.cli import add_parser as db_parser

    db_parser(sub)
    return parser


def _doctor_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = sub.add_parser("doctor", help="check the settings, database, banks and platform access before a run")
    doctor.add_argument("platform", nargs="?", choices=["discord", "slack", "all"], default="all")
    doctor.add_argument("--http", action="store_true", help="Slack: check for HTTP mode instead of Socket Mode")
    doctor.add_argument(
        "--processes", type=_count, metavar="N",
        help="PostgreSQL: how many mockpanel processes share the database (shards, workers, hosts), for the pool check",
    )  # fmt: skip


def _count(text: str) -> int:
    if not (text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"a number of processes (1 or more), not {text!r}")
    return int(text)


def _discord_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`mockpanel discord invite | sync` (run by bot/adapters/discord/main.py)."""
    discord_cmd = sub.add_parser("discord", help="Discord: the invite link, registering /mock")
    discord_sub = discord_cmd.add_subparsers(dest="discord_command", required=True)
    invite = discord_sub.add_parser("invite", help="print the link that adds the bot to a server")
    invite.add_argument(
        "--client-id", help="the application id (default: DISCORD_CLIENT_ID, or read from DISCORD_TOKEN)"
    )
    sync = discord_sub.add_parser("sync", help="register /mock now, globally or in one server")
    sync.add_argument("--guild", help="only this server (immediate); without it: globally")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load()
        settings.check()
        logs.setup(settings)  # text or JSON lines, secrets masked (bot/logs.py)
        db = getattr(args, "db", None) or settings.db
        if args.command == "demo":
            return _demo(args.db or DEMO_DB)
        if args.command not in ("discord", "db"):  # `db` names its databases itself
            _check_db_folder(db)
        if args.command == "console":
            asyncio.run(_console(dataclasses.replace(settings, db=db), args.user))
        elif args.command == "run":
            workers = _workers(args)
            if workers is not None:
                from bot.adapters.slack.workers import supervise

                return supervise(args, settings, workers)
            asyncio.run(_run(settings, args))
        elif args.command == "migrate":
            print(f"database at schema version {asyncio.run(_migrate(db))}")
        elif args.command == "bank":
            return _bank(args, settings)
        elif args.command == "doctor":
            from bot.doctor import run_doctor

            return asyncio.run(run_doctor(settings, args))
        elif args.command == "discord":
            from bot.adapters.discord.main import run_cli

            return run_cli(args, settings)
        elif args.command == "db":
            from bot.dbtools.cli import run_cli as run_db

            return run_db(args, settings)
    except MockpanelError as error:
        print(f"mockpanel: {error}", file=sys.stderr)
        return 2
    except sqlite3.Error as error:
        print(f"mockpanel: the database failed: {error}; check MOCKPANEL_DB or --db.", file=sys.stderr)
        return 2
    except OSError as error:  # no network, a file that can't be read: one line, not a traceback
        print(f"mockpanel: {_os_problem(args, error)}", file=sys.stderr)
        log.debug("details", exc_info=True)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def _workers(args: argparse.Namespace) -> int | None:
    from bot.adapters.slack.workers import workers_wanted

    return workers_wanted(args.workers)


def _os_problem(args: argparse.Namespace, error: OSError) -> str:
    if args.command == "run":
        return (
            f"could not connect ({error}); check the network connection, and DISCORD_API_BASE or "
            "SLACK_API_URL if you set them."
        )
    return str(error)


def _check_db_folder(db: str) -> None:
    if db == ":memory:" or "://" in db:
        return
    folder = Path(db).expanduser().resolve().parent
    if not folder.is_dir():
        raise MockpanelError(
            f"can't create the database {db}: the folder {folder} does not exist; create it or choose "
            "another path (--db or MOCKPANEL_DB)."
        )


def _demo(db: str) -> int:
    from bot.adapters.console.demo import run_demo

    postgres = is_postgres_url(db)
    if postgres:
        db = asyncio.run(_fresh_postgres(db))
    else:
        _check_db_folder(db)
        db = _fresh(db)
    asyncio.run(run_demo(db))
    if postgres:
        from bot.storage import pg_schema

        shown = pg_schema.safe_url(db)  # a password is never printed
        print(f"\nThe demo played in schema {DEMO_SCHEMA}. To play in it yourself: mockpanel console --db '{shown}'")
    elif db != ":memory:":
        print(f"\nThe demo's database is {db}. To play in it yourself: mockpanel console --db {db}")
    return 0


def _fresh(db: str) -> str:
    """The demo plays a fixed script, so it starts from an empty database each time; it only
    ever deletes a database it created itself (MOCKPANEL_DB plays no part in the demo)."""
    if db == ":memory:":
        return db
    path = Path(db)
    if path.exists() and path.stat().st_size > 0 and not _is_demo_db(path):
        raise MockpanelError(
            f"{db} is not a database the demo created, so the demo won't overwrite it; "
            f"leave out --db (the demo uses ./{DEMO_DB}) or give a new file."
        )
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(db + suffix).unlink()
    with contextlib.closing(sqlite3.connect(db)) as connection:
        connection.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        connection.commit()
    return db


async def _fresh_postgres(url: str) -> str:
    """On PostgreSQL the demo plays in a schema of its own, `mockpanel_demo`, dropped and made
    anew each run; nothing else in the database is touched."""
    from bot.storage.postgres import with_schema

    demo_url = with_schema(url, DEMO_SCHEMA)
    from bot.storage import pg_schema

    conn = await pg_schema.connect(url)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {DEMO_SCHEMA} CASCADE; CREATE SCHEMA {DEMO_SCHEMA}")
    finally:
        await conn.close()
    return demo_url


def _is_demo_db(path: Path) -> bool:
    from bot.dbtools.engines import read_only_uri

    try:
        with contextlib.closing(sqlite3.connect(read_only_uri(path), uri=True)) as connection:
            return bool(connection.execute("PRAGMA application_id").fetchone()[0] == DEMO_APPLICATION_ID)
    except sqlite3.Error:
        return False  # not a database at all: certainly not the demo's


async def _migrate(db: str) -> int:
    from bot.runtime import open_store

    store = await open_store(db)
    try:
        return await store.migrate()
    finally:
        await store.close()


async def _console(settings: Settings, user: str) -> None:
    from bot.adapters.console.session import HELP, ConsoleOutbox, ConsoleSession
    from bot.core.clock import OffsetClock
    from bot.runtime import build

    clock = OffsetClock()
    outbox = ConsoleOutbox(clock)
    runtime = await build(settings, outbox, clock)
    ticker = asyncio.create_task(runtime.background())
    session = ConsoleSession(runtime.dispatcher, outbox, clock, organisers=(user,))
    session.on_wait = runtime.scheduler.run_due
    print(HELP)
    try:
        while True:
            try:
                line = await asyncio.to_thread(input, f"{session.user.display_name}> ")
            except EOFError:
                break
            if not await session.line(line):
                break
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        await runtime.close()


async def _run(settings: Settings, args: argparse.Namespace) -> None:
    """One store, one scheduler, and each platform's adapter in one process."""
    from bot.adapters.routing import RoutingOutbox
    from bot.core.clock import SystemClock
    from bot.runtime import build

    platforms = ["discord", "slack"] if args.platform == "all" else [args.platform]
    servers = []
    for platform in platforms:
        try:
            module = importlib.import_module(f"bot.adapters.{platform}.main")
        except ModuleNotFoundError as error:
            raise MockpanelError(f"the {platform} adapter is not part of this version of mockpanel") from error
        servers.append(module.serve)
        if hasattr(module, "check_args"):
            module.check_args(settings, args)  # bad flags: one line, before the database is touched
    routing = RoutingOutbox()
    runtime = await build(settings, routing, SystemClock())
    if "slack" in platforms:
        runtime.expect_replay("slack")  # its inbox first, then the timers
    ops_runner = await _start_ops(runtime, settings, args)
    tasks = [asyncio.create_task(runtime.background())]
    tasks += [asyncio.create_task(serve(runtime, routing, settings, args)) for serve in servers]
    stopped = asyncio.Event()

    def stop() -> None:
        # Stop taking events; each adapter's own clean-up lets in-flight work finish (what
        # Slack was told it received is in the inbox either way), then the store closes.
        if stopped.is_set():
            return  # a second signal (systemd signals every process, and a parent passes it on)
        stopped.set()
        runtime.health.stopping = True  # Slack HTTP answers 503 from now on; /readyz too
        for task in tasks:
            task.cancel()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop)

    async def until_stopped() -> None:  # ends the first wait even if a clean-up hangs
        await stopped.wait()
        raise _Stopping

    watcher = asyncio.create_task(until_stopped())
    try:
        done, _ = await asyncio.wait([*tasks, watcher], return_when=asyncio.FIRST_EXCEPTION)
        if watcher.done():
            watcher.exception()  # _Stopping: retrieved, so asyncio does not report it
        watcher.cancel()
        failed = [t for t in done if t is not watcher and not t.cancelled() and t.exception() is not None]
        if not stopped.is_set():  # one task failed: stop the others (stop() has cancelled them already)
            for task in tasks:
                task.cancel()
        # Every clean-up runs to its end, not just the first, within the time a supervisor
        # waits (systemd and compose allow 15 s): what is left stays in the inbox and outbox.
        _, late = await asyncio.wait(tasks, timeout=STOP_WITHIN)
        if failed and not stopped.is_set():
            raise failed[0].exception()  # type: ignore[misc]
        if late:
            log.warning("stopping took over %.0f s; what was not finished is done after the next start", STOP_WITHIN)
        else:
            logging.getLogger("mockpanel").info("stopped; work in flight was finished")
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        if ops_runner is not None:
            await ops_runner.cleanup()
        await runtime.close()


class _Stopping(Exception):
    """SIGTERM or SIGINT arrived (raised only inside `_run`)."""


async def _start_ops(runtime: Runtime, settings: Settings, args: argparse.Namespace) -> web.AppRunner | None:
    """/healthz, /readyz and /metrics on MOCKPANEL_HTTP_PORT; in Slack HTTP mode they are on
    Slack's port already (bot/adapters/slack/main.py), unless another port is asked for."""
    from bot import ops

    shared = args.platform == "slack" and getattr(args, "http", False)
    if settings.http_port is None or (shared and settings.http_port == args.port):
        return None
    return await ops.start(runtime.health, settings.http_host, settings.http_port)


async def _bank_import(db: str, library: Library, args: argparse.Namespace) -> int:
    from bot.core.flows.bank import import_bank
    from bot.core.flows.context import Libraries
    from bot.runtime import open_store

    if not args.path.is_file():
        raise MockpanelError(f"no such file: {args.path}")
    store = await open_store(db)
    try:
        text = args.path.read_text(encoding="utf-8")
        bank_id, count = await import_bank(
            store, Libraries(library, store), args.community, text, str(args.path), datetime.now(UTC)
        )
    finally:
        await store.close()
    print(f"imported bank {bank_id} ({count} questions) for {args.community}")
    return 0


async def _bank_export(db: str, library: Library, args: argparse.Namespace) -> int:
    from bot.core.flows.bank import export_text
    from bot.core.flows.context import Libraries
    from bot.runtime import open_store

    if args.community:
        store = await open_store(db)
        try:
            library, _ = await Libraries(library, store).get(args.community)
            own = [b for b, _ in await store.community_banks(args.community)]
        finally:
            await store.close()
    else:
        own = sorted(library.banks)
    bank_ids = [args.bank] if args.bank else own
    unknown = [b for b in bank_ids if b not in library.banks]
    if unknown or not bank_ids:
        raise MockpanelError(f"no bank {unknown[0]!r} here" if unknown else "this community has no banks of its own")
    print(export_text(library, bank_ids))
    return 0


def _bank(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.banks import BankError, load_paths
    from bot.runtime import load_banks

    if args.bank_command == "validate":
        try:
            library = load_paths(args.paths)
        except BankError as error:
            for problem in error.problems:
                print(problem, file=sys.stderr)
            print(f"mockpanel: {error.total} problem(s) found; nothing was loaded", file=sys.stderr)
            return 2
        print(f"ok: {len(library.questions)} questions in {len(library.categories)} categories")
        return 0
    library = load_banks(settings)
    if args.bank_command == "stats":
        from bot.core.bank_stats import stats_text

        print(stats_text(library, args.pairs))
        return 0
    if args.bank_command in ("import", "export"):
        db = args.db or settings.db
        return asyncio.run(
            _bank_import(db, library, args) if args.bank_command == "import" else _bank_export(db, library, args)
        )
    if args.bank_command == "list":
        for info in library.banks.values():
            print(f"{info.id}: {info.name} ({info.licence})")
        for category in library.categories.values():
            print(f"  {category.id:<22} {len(library.pick(category=category.id)):>4} questions  {category.name}")
        print(f"{len(library.questions)} questions in {len(library.categories)} categories")
    elif args.bank_command == "show":
        question = library.questions.get(args.id)
        if question is None:
            print(f"mockpanel: no question has the id {args.id}", file=sys.stderr)
            return 2
        print(f"{question.id} [{question.category}, difficulty {question.difficulty}]\n{question.text}")
        for label, items in (
            ("follow-ups", question.follow_ups),
            ("signals", question.signals),
            ("tips", question.tips),
        ):
            print(f"{label}:")
            for item in items:
                print(f"  - {item}")
    return 0
