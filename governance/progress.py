"""Progress and output for jobs: bars on a terminal, quiet in logs, JSON lines on request.

Modes: ``tty`` (a progress line on stderr, redrawn in place), ``quiet`` (nothing but
results and errors), ``json`` (one JSON event per line on stderr, for log collectors).
Without ``--quiet``/``--log-json`` the mode is ``tty`` when stderr is a terminal and
``plain`` otherwise (start/finish lines only, no redraws).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

Mode = Literal["tty", "plain", "quiet", "json"]


def auto_mode(*, quiet: bool = False, log_json: bool = False, stream: TextIO | None = None) -> Mode:
    """Pick the output mode from flags and whether stderr is a terminal."""
    if log_json:
        return "json"
    if quiet:
        return "quiet"
    s = stream or sys.stderr
    return "tty" if hasattr(s, "isatty") and s.isatty() else "plain"


@dataclass
class Task:
    """One unit of long work with an optional total."""

    label: str
    total: int | None
    reporter: "Progress"
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    _last_draw: float = 0.0

    def advance(self, n: int = 1, *, note: str | None = None) -> None:
        """Record ``n`` more items done."""
        self.done += n
        self.reporter._update(self, note)


class Progress:
    """Reports progress of long work to stderr according to the mode."""

    def __init__(self, mode: Mode = "plain", stream: TextIO | None = None) -> None:
        self.mode = mode
        self.stream = stream or sys.stderr

    def event(self, kind: str, **fields: Any) -> None:
        """Emit one structured event (JSON mode) or a plain line (tty/plain)."""
        if self.mode == "quiet":
            return
        if self.mode == "json":
            self.stream.write(json.dumps({"event": kind, "ts": time.time(), **fields}, default=str) + "\n")
        else:
            extras = " ".join(f"{k}={v}" for k, v in fields.items())
            self.stream.write(f"[lakewarden] {kind} {extras}".rstrip() + "\n")
        self.stream.flush()

    @contextmanager
    def task(self, label: str, *, total: int | None = None) -> Iterator[Task]:
        """Track one unit of long work: ``with progress.task("Scanning", total=n) as t: t.advance()``."""
        t = Task(label=label, total=total, reporter=self)
        if self.mode == "json":
            self.event("start", task=label, total=total)
        elif self.mode == "plain":
            self.stream.write(f"[lakewarden] {label}" + (f" ({total} items)" if total else "") + "...\n")
            self.stream.flush()
        try:
            yield t
        finally:
            elapsed = time.monotonic() - t.started
            if self.mode == "json":
                self.event("finish", task=label, done=t.done, total=total, seconds=round(elapsed, 3))
            elif self.mode == "tty":
                self._draw(t, None, final=True)
            elif self.mode == "plain":
                self.stream.write(f"[lakewarden] {label}: done {t.done}" + (f"/{total}" if total else "") + f" in {elapsed:.1f}s\n")
                self.stream.flush()

    def _update(self, t: Task, note: str | None) -> None:
        if self.mode == "tty":
            now = time.monotonic()
            if now - t._last_draw >= 0.1 or (t.total is not None and t.done >= t.total):
                t._last_draw = now
                self._draw(t, note)
        elif self.mode == "json":
            self.event("progress", task=t.label, done=t.done, total=t.total, note=note)

    def _draw(self, t: Task, note: str | None, *, final: bool = False) -> None:
        elapsed = time.monotonic() - t.started
        if t.total:
            frac = min(1.0, t.done / t.total)
            bar = "#" * int(frac * 24) + "-" * (24 - int(frac * 24))
            text = f"{t.label} [{bar}] {t.done}/{t.total} {elapsed:5.1f}s"
        else:
            text = f"{t.label} {t.done} {elapsed:5.1f}s"
        if note:
            text += f"  {note[:40]}"
        self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
        self.stream.flush()


class Output:
    """Results printed on stdout (human tables), kept separate from progress on stderr."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.quiet = quiet

    def print(self, text: str = "") -> None:
        """Print one result line."""
        self.stream.write(text + "\n")
        self.stream.flush()

    def table(self, rows: list[dict[str, Any]], *, columns: list[str] | None = None) -> None:
        """Print rows as an aligned text table."""
        if not rows:
            self.print("(none)")
            return
        cols = columns or list(rows[0])
        cells = [[("" if r.get(c) is None else str(r.get(c))) for c in cols] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
        self.print("  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip())
        self.print("  ".join("-" * w for w in widths))
        for row in cells:
            self.print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
