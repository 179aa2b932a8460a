"""The ``lakewarden`` command line: an explicit registry of jobs, common options, exit codes."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from types import ModuleType
from typing import Any

from governance import allocators
from governance.config import load_settings
from governance.context import JobContext
from governance.errors import EXIT_CODES, ConcurrentWriteError, EngineError, LakewardenError
from governance.progress import Output, Progress, auto_mode

#: The commands, in the order ``--help`` lists them, and the module implementing each.
COMMANDS: dict[str, str] = {
    "classify": "jobs.classify",
    "review": "jobs.review",
    "report": "jobs.report",
    "serve": "jobs.serve",
    "protect": "jobs.protect",
    "reveal": "jobs.reveal",
    "keys": "jobs.keys",
    "usage": "jobs.usage",
    "retention": "jobs.retention",
    "erase": "jobs.erase",
    "audit": "jobs.audit",
    "demo": "jobs.demo",
}

_EPILOG = "exit codes:\n" + "\n".join(f"  {code:>3}  {text}" for code, text in EXIT_CODES.items())


def _common(*, suppress: bool) -> argparse.ArgumentParser:
    d: Any = argparse.SUPPRESS if suppress else None
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("common options")
    g.add_argument("--config", metavar="FILE", default=d, help="settings file (default: $LAKEWARDEN_CONFIG or conf/lakewarden.yaml)")
    g.add_argument("--lake", metavar="ROOT", default=d, help="lake root folder or URL (overrides lake.root)")
    g.add_argument("--engine", choices=["embedded", "connect", "classic"], default=d, help="Spark engine (overrides engine.kind)")
    g.add_argument("--quiet", action="store_true", default=d, help="no progress output, results and errors only")
    g.add_argument("--log-json", action="store_true", default=d, help="progress and events as JSON lines on stderr (for log collectors)")
    g.add_argument("--debug", action="store_true", default=d, help="show tracebacks and debug logging")
    return p


def _load(name: str) -> ModuleType:
    return importlib.import_module(COMMANDS[name])


def available_commands() -> list[str]:
    """Registered commands whose module is present in this installation."""
    out = []
    for name, module in COMMANDS.items():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        out.append(name)
    return out


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every registered command."""
    parser = argparse.ArgumentParser(
        prog="lakewarden",
        description="Keep a Delta Lake safe to hold personal and financial data: classify, protect, "
        "measure usage, apply retention and answer erasure requests.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common(suppress=False)],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in available_commands():
        mod = _load(name)
        sp = sub.add_parser(
            name,
            help=mod.HELP,
            description=getattr(mod, "DESCRIPTION", mod.HELP),
            parents=[_common(suppress=True)],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        mod.add_arguments(sp)
        _add_common_to_nested(sp)
    return parser


def _add_common_to_nested(parser: argparse.ArgumentParser) -> None:
    """Let common options follow nested actions too (``lakewarden usage ingest --lake X``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for nested in action.choices.values():
                existing = {o for a in nested._actions for o in a.option_strings}
                for common in _common(suppress=True)._actions:
                    if common.option_strings and not existing.intersection(common.option_strings):
                        nested._add_action(common)
                _add_common_to_nested(nested)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    over: dict[str, Any] = {}
    if getattr(args, "lake", None):
        over.setdefault("lake", {})["root"] = args.lake
    if getattr(args, "engine", None):
        over.setdefault("engine", {})["kind"] = args.engine
    return over


def _damaged(exc: BaseException) -> LakewardenError | None:
    """A damaged file of a table this run located, behind an engine failure (None: none found)."""
    from governance.corrupt import diagnose
    from governance.lake import LOCATED

    for path, name in reversed(dict.fromkeys(LOCATED)):
        found = diagnose(path, exc, table=name)
        if found is not None:
            return found
    return None


def main(argv: list[str] | None = None, *, default_engine: str | None = None) -> int:
    """Run the CLI; returns the process exit code (see ``lakewarden --help``)."""
    allocators.configure_delta_rs()  # before any job imports deltalake
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not debug:
        for noisy in ("py4j", "pyspark", "presidio-analyzer", "presidio_analyzer"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
    mode = auto_mode(quiet=bool(getattr(args, "quiet", False)), log_json=bool(getattr(args, "log_json", False)))
    from governance.lake import LOCATED

    LOCATED.clear()
    try:
        over = _overrides(args)
        if default_engine and not getattr(args, "engine", None):
            over.setdefault("engine", {}).setdefault("kind", default_engine)
        settings = load_settings(getattr(args, "config", None), overrides=over or None)
        ctx = JobContext(settings, job=args.command, progress=Progress(mode), out=Output())
        return int(_load(args.command).run(args, ctx) or 0)
    except LakewardenError as exc:
        if debug:
            traceback.print_exc()
        if isinstance(exc, EngineError) and not exc.transient:
            exc = _damaged(exc) or exc
        hint = " (transient: retrying later may succeed)" if exc.transient else ""
        print(f"lakewarden {args.command}: error: {exc}{hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"lakewarden {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence: one clear line, exit 1
        if debug:
            traceback.print_exc()
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        damaged = _damaged(exc)
        if damaged is not None:
            print(f"lakewarden {args.command}: error: {damaged}", file=sys.stderr)
            return damaged.exit_code
        if "missing commit file" in first.lower():
            # the engine listed the table's log while another writer's checkpoint or a purge replaced
            # its older files: nothing was written by this run
            print(f"lakewarden {args.command}: error: a table's Delta log changed while it was being read ({first}); "
                  "nothing was written. Rerun (transient: retrying later may succeed)", file=sys.stderr)
            return ConcurrentWriteError.exit_code
        print(
            f"lakewarden {args.command}: internal error: {type(exc).__name__}: {first} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
