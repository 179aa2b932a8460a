"""``lakewarden serve``: the privacy officer's workspace in the browser."""

from __future__ import annotations

import argparse

from governance.context import JobContext

HELP = "start the privacy officer's workspace (review verdicts, protection, usage, erasure deadlines; signed in)"
DESCRIPTION = (
    "Serves the workspace on workspace.host:port (default 127.0.0.1:8321): the lake overview (tables by risk, "
    "overdue reviews first, cold sensitive data with no retention rule, open erasure requests by deadline), each "
    "table's verdicts, evidence, redacted examples, protection state read from the data, usage and retention rule, "
    "and review forms. Nobody is anonymous: people sign in with a key-server userpass account (add one with "
    "`lakewarden keys users add NAME --role reviewer|viewer`); the key server's policy decides who may review. "
    "Every sign-in and review lands in the audit log under the signed-in name. Raw values are never served. "
    "A host other than loopback needs --tls-cert/--tls-key."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default workspace.host, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default workspace.port, 8321; 0 picks a free one)")
    parser.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate (with --tls-key)")
    parser.add_argument("--tls-key", metavar="PEM", help="private key of --tls-cert")
    parser.add_argument("--window", default="90d", help="usage window shown on the pages (default 90d)")
    parser.add_argument("--no-usage", action="store_true", help="do not start the engine to measure usage")


def _settings(args: argparse.Namespace, ctx: JobContext) -> object:
    from pydantic import ValidationError

    from governance.config import WorkspaceSettings
    from governance.errors import ConfigError

    ws = ctx.settings.workspace
    over = {k: v for k, v in {"host": args.host, "port": args.port, "tls_cert": args.tls_cert, "tls_key": args.tls_key}.items()
            if v is not None}
    try:
        merged = WorkspaceSettings(**{**ws.model_dump(), **over})
    except ValidationError as exc:
        why = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise ConfigError(f"workspace settings with the command line's options: {why}") from None
    return ctx.settings.model_copy(update={"workspace": merged})


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    import uvicorn

    from governance.config import Settings
    from governance.lake import is_delta
    from governance.workspace.app import create_app
    from governance.workspace.auth import VaultUserpassSignIn
    from governance.workspace.data import WorkspaceData
    from retention.usage.store import usage_paths

    settings = _settings(args, ctx)
    _ = ctx.audit  # nothing is served when sign-ins and reviews could not be audited
    assert isinstance(settings, Settings)
    ws = settings.workspace

    def usage() -> object:
        from retention.usage.report import build_usage_report

        if not is_delta(usage_paths(settings).usage):
            return None
        return build_usage_report(ctx.spark, settings, maintenance=ctx.maintenance, window=args.window)

    data = WorkspaceData(settings, usage=None if args.no_usage else usage)  # type: ignore[arg-type]
    app = create_app(settings, sign_in=VaultUserpassSignIn(settings.keys.vault, ws), data=data)
    scheme = "https" if ws.tls_cert else "http"
    config = uvicorn.Config(app, host=ws.host, port=ws.port, ssl_certfile=ws.tls_cert, ssl_keyfile=ws.tls_key,
                            log_level="warning", access_log=False, server_header=False)
    server = uvicorn.Server(config)
    ctx.out.print(f"Lakewarden workspace for {settings.lake.root}: {scheme}://{ws.host}:{ws.port}/ "
                  f"(sign in with a userpass account of {settings.keys.vault.url}; Ctrl-C stops)")
    ctx.audit.append(action="workspace.start", details={"url": f"{scheme}://{ws.host}:{ws.port}/"})
    server.run()
    return 0


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("serve"))
