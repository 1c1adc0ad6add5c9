"""The ``whisperd`` command: ``whisperd [serve] [flags]`` starts the server,
``whisperd settings`` prints the configuration table."""

from __future__ import annotations

import argparse
import signal
import sys
import typing as t

from whisperd import __version__
from whisperd.engine import allocator
from whisperd.models_cli import add_commands as add_model_commands
from whisperd.settings import Settings, add_arguments, load_settings, markdown_table


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="whisperd",
        description="A local speech-to-text server that speaks the OpenAI Audio API.",
    )
    parser.add_argument("--version", action="version", version=f"whisperd {__version__}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="Start the server (the default command).")
    add_arguments(serve)
    settings = commands.add_parser("settings", help="Print the effective settings.")
    add_arguments(settings)
    settings.add_argument("--markdown", action="store_true", help="Print the README table.")
    models = commands.add_parser("models", help="List, install, remove and locate models.")
    add_arguments(models)
    add_model_commands(models)
    return parser


def main(argv: t.Sequence[str] | None = None) -> int:
    # First, before any thread runs: inference threads then share two malloc arenas
    # instead of keeping one each, which grows the process under concurrent load.
    allocator.limit_arenas()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "serve")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args)
    except (ValueError, OSError) as exc:
        parser.error(str(exc))
    if args.command == "models":
        from whisperd.models_cli import run

        return run(args, settings)
    if args.command == "settings":
        if args.markdown:
            print(markdown_table())
        else:
            for name, value in vars(settings).items():
                print(f"{Settings.env_var(name)}={value}")
        return 0
    return serve(settings)


def serve(settings: Settings) -> int:
    import uvicorn

    from whisperd.app import create_app
    from whisperd.http.draining import DrainingServer, ServiceHolder
    from whisperd.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the
    # handler that was there before it; a no-op one lets the process end with status 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: None)
    holder = ServiceHolder(create_app(settings))
    config = uvicorn.Config(
        holder,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,  # whisperd logs its own access lines, with request ids
        timeout_graceful_shutdown=max(1, round(settings.shutdown_timeout)),
        ssl_certfile=settings.tls_cert or None,
        ssl_keyfile=settings.tls_key or None,
        ws_ping_interval=20.0,  # as OpenAI's Realtime server; proxies drop idle sockets
    )
    server = DrainingServer(config, holder, settings.shutdown_timeout)
    server.run()
    return 0 if server.started else 3  # 3: as uvicorn.run, when the server could not start


if __name__ == "__main__":
    raise SystemExit(main())
