"""Classification reports: the JSON document of a classify run and the HTML report for privacy officers.

The HTML report is one self-contained file (inline CSS and SVG charts, no script, no
external asset). It only ever shows redacted examples (shapes such as ``<EMAIL_ADDRESS>``
or ``Xxxx 9999``) taken from the evidence; no raw cell value reaches a report. Given the
protection state read from the data (:mod:`governance.protection.state`), it also shows
whether each column is protected, and flags personal columns still in plaintext.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.errors import InputError
from governance.risk import SENSITIVITY_ORDER, TIER_ORDER

if TYPE_CHECKING:
    from classification.scan import TableResult
    from governance.catalog import CatalogColumn
    from governance.protection.state import ColumnProtection, TableProtection
    from governance.risk import TableRisk

SENS_COLOURS = {"public": "#9aa5b1", "internal": "#3e7cb1", "confidential": "#f0a202", "restricted": "#c0392b"}
TIER_COLOURS = {"low": "#3e7cb1", "medium": "#f0a202", "high": "#c0392b"}


# ---------------------------------------------------------------------------------- JSON
def scanned_entry(result: "TableResult") -> dict[str, Any]:
    """The JSON entry of a table scanned in this run (``"status": "scanned"``)."""
    return {**result.to_dict(), "status": "scanned"}


def unchanged_entry(*, table: str, path: str, reason: str, columns: list["CatalogColumn"]) -> dict[str, Any]:
    """The JSON entry of a table skipped as unchanged: its catalog verdicts (reviews applied).

    Same column shape as a scanned table, from ``Catalog.effective_columns`` (read from
    ``<root>/_lakewarden/catalog`` and ``classification_reviews``); ``"status": "unchanged"``.
    """
    first = columns[0] if columns else None
    return {
        "table": table,
        "path": path,
        "status": "unchanged",
        "reason": reason,
        "delta_version": first.delta_version if first else None,
        "scanned_at": first.scanned_at.isoformat() if first and first.scanned_at else None,
        "recognizers": first.recognizers if first else "",
        "columns": [
            {
                "name": c.column,
                "entity": c.entity,
                "entities": list(c.entities),
                "confidence": round(c.confidence, 3),
                "sensitivity": c.sensitivity,
                "reviewed": c.reviewed,
                "quasi_identifier": c.quasi_identifier,
                "evidence": c.evidence if not c.reviewed else {
                    **c.evidence, "scanned_entity": c.scanned_entity,
                    "review": {"decision": c.review_decision, "by": c.reviewed_by, "at": str(c.reviewed_at)},
                },
            }
            for c in columns
        ],
    }


def failed_entry(*, table: str, path: str, error: BaseException) -> dict[str, Any]:
    """The JSON entry of a table that could not be classified (``"status": "failed"``) and why."""
    from governance.errors import LakewardenError

    return {
        "table": table,
        "path": path,
        "status": "failed",
        "reason": str(error),
        "error": type(error).__name__,
        "exit_code": error.exit_code if isinstance(error, LakewardenError) else 1,
        "columns": [],
    }


def json_document(
    results: "list[TableResult | dict[str, Any]]",
    *,
    skipped: list[dict[str, Any]] | None = None,
    cores: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``--json`` document of a classify run: every table asked for, in order, with its status.

    ``{"generated_at", "status", "tables": [...], "skipped": [...], "failed": [...], "engine": {...}}``.
    ``results`` holds :class:`TableResult` objects (tables scanned now) and entries built by
    :func:`unchanged_entry` / :func:`failed_entry`. ``status`` is ``complete`` when no table failed,
    ``partial`` when some failed and others did not, ``failed`` when every table failed.
    ``skipped`` lists the unchanged tables with their reason (given explicitly, it is kept as is);
    ``failed`` lists the failed tables with their reason and exit code.
    """
    tables = [r if isinstance(r, dict) else scanned_entry(r) for r in results]
    failed = [{k: t[k] for k in ("table", "path", "reason", "error", "exit_code")} for t in tables if t.get("status") == "failed"]
    if skipped is None:
        skipped = [{"table": t["table"], "path": t["path"], "reason": t["reason"]} for t in tables if t.get("status") == "unchanged"]
    status = "complete" if not failed else ("failed" if len(failed) == len(tables) else "partial")
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "status": status,
        "tables": tables,
        "skipped": list(skipped),
        "failed": failed,
        "engine": dict(cores or {}),
    }


def write_json(path: str | Path, document: dict[str, Any]) -> None:
    """Write the JSON report.

    Raises:
        InputError: The file cannot be written.
    """
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(document, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the JSON report: {exc.strerror or exc}") from None


# ---------------------------------------------------------------------------------- HTML
def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _bar_chart(title: str, data: list[tuple[str, float, str]], *, width: int = 520, unit: str = "") -> str:
    """Horizontal bar chart as inline SVG: ``data`` is (label, value, colour)."""
    if not data:
        return f'<figure class="chart"><figcaption>{_e(title)}</figcaption><p class="muted">nothing to show</p></figure>'
    row_h, label_w = 22, 190
    h = row_h * len(data) + 10
    vmax = max(v for _, v, _ in data) or 1
    parts = [f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{h}" viewBox="0 0 {width} {h}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value, colour) in enumerate(data):
        y = 5 + i * row_h
        w = max(1.0, (width - label_w - 60) * value / vmax)
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{_e(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}"><title>{_e(label)}: {value:g}{unit}</title></rect>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">{value:g}{unit}</text>')
    parts.append("</svg>")
    return f'<figure class="chart"><figcaption>{_e(title)}</figcaption>{"".join(parts)}</figure>'


def _stacked_sensitivity(title: str, rows: list[tuple[str, Counter[str]]], *, width: int = 600) -> str:
    """One stacked bar per table, segments by sensitivity tier."""
    if not rows:
        return ""
    row_h, label_w = 22, 190
    h = row_h * len(rows) + 34
    tmax = max(sum(c.values()) for _, c in rows) or 1
    parts = [f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{h}" viewBox="0 0 {width} {h}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, counts) in enumerate(rows):
        y = 5 + i * row_h
        x = float(label_w)
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{_e(label)}</text>')
        for tier in sorted(SENSITIVITY_ORDER, key=lambda k: SENSITIVITY_ORDER[k]):
            n = counts.get(tier, 0)
            if not n:
                continue
            w = (width - label_w - 20) * n / tmax
            parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{SENS_COLOURS[tier]}"><title>{_e(label)}: {n} {tier}</title></rect>')
            x += w
    ly = h - 14
    lx = label_w
    for tier in sorted(SENSITIVITY_ORDER, key=lambda k: SENSITIVITY_ORDER[k]):
        parts.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{SENS_COLOURS[tier]}"/><text x="{lx + 14}" y="{ly + 9}" font-size="11">{tier}</text>')
        lx += 100
    parts.append("</svg>")
    return f'<figure class="chart"><figcaption>{_e(title)}</figcaption>{"".join(parts)}</figure>'


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2933;max-width:1200px}
h1{margin-bottom:.2rem} .muted{color:#7b8794} .cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d9e2ec;border-radius:8px;padding:.8rem 1.2rem;min-width:140px}
.card b{display:block;font-size:1.6rem} .charts{display:flex;flex-wrap:wrap;gap:2rem}
figure.chart{margin:0} figcaption{font-weight:600;margin-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem} th,td{border-bottom:1px solid #e4e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f5f7fa} .badge{display:inline-block;padding:.05rem .45rem;border-radius:4px;color:#fff;font-size:.8rem}
.conf{display:inline-block;height:8px;background:#3e7cb1;border-radius:2px;vertical-align:middle}
code{background:#f5f7fa;padding:0 .2rem;border-radius:3px} details summary{cursor:pointer;color:#3e7cb1}
.overdue{color:#c0392b;font-weight:600} .ok{color:#2f855a}
.unprotected{color:#c0392b;font-weight:600} .protected{color:#2f855a}
"""

#: Protection states (besides the fully protected ones) a personal column is safe in: its data is gone.
_GONE_STATES = frozenset({"dropped"})


def _exposed(p: "ColumnProtection") -> bool:
    """True when some values of the column are stored in plaintext."""
    return p.state == "plaintext" or (p.state == "mixed" and p.protected < p.values)


def _safe(p: "ColumnProtection") -> bool:
    """True when no value of the column is readable as is (all protected, or the column dropped)."""
    from governance.protection.state import PROTECTED_STATES

    return p.state in PROTECTED_STATES or p.state in _GONE_STATES or (p.state == "mixed" and p.protected == p.values)


def _protection_cell(c: "CatalogColumn", p: "ColumnProtection | None") -> str:
    """The Protection cell of a column row: the state's label, flagged when personal data is in plaintext."""
    if p is None:
        return '<td><span class="muted">not checked</span></td>'
    counts = f'<br><span class="muted">{p.protected:,} of {p.values:,} values protected</span>' if p.values else ""
    if c.entity and _exposed(p):
        return (f'<td class="unprotected" title="personal data stored in plaintext">&#9888; {_e(p.label())}'
                f"{counts}</td>")
    css = "protected" if _safe(p) else "muted" if p.state in ("empty", "unreadable") else ""
    return f'<td><span class="{css}">{_e(p.label())}</span>{counts}</td>'


def html_report(
    columns: list["CatalogColumn"],
    risks: list["TableRisk"],
    *,
    title: str = "Lakewarden classification report",
    now: datetime | None = None,
    extra_sections: list[str] | None = None,
    protection: dict[str, "TableProtection"] | None = None,
) -> str:
    """Render the privacy officer's report from the catalog's effective columns and table risks.

    Args:
        columns: The catalog's effective columns.
        risks: The tables' risk ratings.
        title: Page title.
        now: Generation time shown (default: now).
        extra_sections: Already escaped HTML sections appended at the end (e.g. usage).
        protection: Protection state read from the data, keyed by table path (``CatalogColumn.table``).
            When given, every column row shows its state, a personal column in plaintext is flagged
            (class ``unprotected``) and the summary counts personal columns protected vs in plaintext.
    """
    now = now or datetime.now(timezone.utc)
    by_table: dict[str, list[CatalogColumn]] = {}
    for c in columns:
        by_table.setdefault(c.table, []).append(c)
    personal = [c for c in columns if c.entity]
    reviewed = [c for c in personal if c.reviewed]
    overdue = [r for r in risks if r.overdue]
    risk_by_table: dict[str, TableRisk] = {r.table: r for r in risks}

    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">Generated {_e(now.isoformat(timespec="seconds"))}. Examples are redacted: letters show as x/X, digits as 9, detected values as &lt;ENTITY&gt;.</p>',
        '<section id="summary"><h2>Summary</h2><div class="cards">',
        f'<div class="card"><b>{len(by_table)}</b>tables classified</div>',
        f'<div class="card"><b>{len(columns)}</b>columns</div>',
        f'<div class="card"><b>{len(personal)}</b>columns with personal data</div>',
        f'<div class="card"><b>{len(reviewed)}/{len(personal)}</b>personal columns reviewed</div>',
        f'<div class="card"><b class="{"overdue" if overdue else "ok"}">{len(overdue)}</b>tables overdue for review</div>',
    ]
    if protection is not None:
        states = [s for s in (_column_protection(protection, c) for c in personal) if s is not None]
        safe = sum(1 for s in states if _safe(s))
        exposed = sum(1 for s in states if _exposed(s))
        out += [
            f'<div class="card" id="personal-protected"><b class="protected">{safe}/{len(personal)}</b>personal columns protected</div>',
            f'<div class="card" id="personal-plaintext"><b class="{"unprotected" if exposed else "ok"}">{exposed}</b>'
            "personal columns with plaintext values</div>",
        ]
    out.append("</div>")
    ent_counts = Counter(c.entity for c in personal)
    ent_data = [(e or "", float(n), "#3e7cb1") for e, n in ent_counts.most_common()]
    sens_rows = [(by_table[t][0].table_name or t, Counter(c.sensitivity for c in cols)) for t, cols in sorted(by_table.items())]
    tier_counts: Counter[str] = Counter(r.tier for r in risks)
    tier_data = [(t, float(tier_counts[t]), TIER_COLOURS[t]) for t in sorted(TIER_ORDER, key=lambda x: -TIER_ORDER[x])]
    out.append('<div class="charts">')
    out.append(_bar_chart("Personal columns by entity", ent_data))
    out.append(_stacked_sensitivity("Columns by sensitivity, per table", sens_rows))
    out.append(_bar_chart("Tables by risk tier", tier_data))
    out.append("</div></section>")

    out.append('<section id="reviews"><h2>Review status</h2>')
    if overdue:
        out.append(f'<p class="overdue">{len(overdue)} table(s) are overdue for review.</p>')
    out.append("<table><thead><tr><th>Table</th><th>Risk tier</th><th>Sensitivity</th><th>Personal columns</th><th>Last reviewed</th><th>Review due</th><th>Status</th></tr></thead><tbody>")
    for r in sorted(risks, key=lambda r: (-TIER_ORDER[r.tier], r.table)):
        name = by_table[r.table][0].table_name if r.table in by_table else r.table
        status = f'<span class="overdue">overdue by {r.days_overdue} day(s)</span>' if r.overdue else ('<span class="ok">up to date</span>' if r.personal_columns else '<span class="muted">no personal data</span>')
        out.append(
            f"<tr><td><code>{_e(name)}</code></td><td><span class=\"badge\" style=\"background:{TIER_COLOURS[r.tier]}\">{_e(r.tier)}</span></td>"
            f"<td>{_e(r.sensitivity)}</td><td>{len(r.personal_columns)}</td><td>{_e(r.last_reviewed.date() if r.last_reviewed else 'never')}</td>"
            f"<td>{_e(r.review_due.date() if r.review_due else '')}</td><td>{status}</td></tr>"
        )
    out.append("</tbody></table></section>")

    out.append('<section id="tables"><h2>Tables and columns</h2>')
    for t, cols in sorted(by_table.items()):
        risk = risk_by_table.get(t)
        name = cols[0].table_name or t
        version = cols[0].delta_version
        scanned = cols[0].scanned_at
        out.append(f'<h3 id="t-{_e(name)}"><code>{_e(name)}</code></h3>')
        tp = protection.get(t) if protection is not None else None
        read_at = f" · protection read at version {_e(tp.version)}" if tp is not None and tp.version is not None else ""
        out.append(
            f'<p class="muted">Path {_e(t)} · Delta version {_e(version if version is not None else "n/a")} · scanned {_e(scanned.isoformat(timespec="seconds") if scanned else "")}'
            f'{" · risk " + _e(risk.tier) if risk else ""}{read_at}</p>'
        )
        if tp is not None and tp.note:
            out.append(f'<p class="unprotected table-unreadable">Protection state unknown: the table could not be read ({_e(tp.note)}).</p>')
        protection_th = "<th>Protection</th>" if protection is not None else ""
        out.append("<table><thead><tr><th>Column</th><th>Entity</th><th>Also</th><th>Confidence</th><th>Sensitivity</th>"
                   f"{protection_th}<th>Review</th><th>Evidence</th><th>Redacted examples</th></tr></thead><tbody>")
        for c in sorted(cols, key=lambda c: (-SENSITIVITY_ORDER.get(c.sensitivity, 0), c.column)):
            ev = c.evidence or {}
            signals = "; ".join(str(s) for s in ev.get("signals", []))
            shares = ev.get("shares", {})
            share_txt = ", ".join(f"{_e(k)} {v.get('cell_share', 0):.0%}" for k, v in list(shares.items())[:4])
            notes = "; ".join(str(n) for n in ev.get("notes", []))
            sample = f"{ev.get('distinct_values_checked', 0)} distinct of {ev.get('rows_sampled', 0)} rows, {ev.get('nulls', 0)} null"
            review = (
                f"{_e(c.review_decision)} by {_e(c.reviewed_by)} on {_e(c.reviewed_at.date() if c.reviewed_at else '')}"
                + (f"<br><span class=\"muted\">{_e(c.review_note)}</span>" if c.review_note else "")
                + (f"<br><span class=\"muted\">scan said {_e(c.scanned_entity or 'none')}</span>" if c.scanned_entity != c.entity else "")
            ) if c.reviewed else '<span class="muted">not reviewed</span>'
            examples = "<br>".join(f"<code>{_e(x)}</code>" for x in ev.get("redacted_examples", [])[:3])
            kind_notes = []
            if c.quasi_identifier:
                kind_notes.append(f"quasi-identifier: {c.quasi_identifier}")
            if ev.get("free_text"):
                spans = ", ".join(f"{k} {float(v):.0%}" for k, v in dict(ev.get("free_text_entities") or {}).items())
                kind_notes.append(f"free text{': ' + spans + ' of rows' if spans else ''}")
            kind_html = "".join(f'<br><span class="muted">{_e(n)}</span>' for n in kind_notes)
            protection_td = _protection_cell(c, _column_protection(protection, c)) if protection is not None else ""
            out.append(
                f"<tr><td><code>{_e(c.column)}</code></td><td>{_e(c.entity or '—')}{kind_html}</td><td>{_e(', '.join(c.entities[1:]))}</td>"
                f'<td><span class="conf" style="width:{int(60 * c.confidence)}px"></span> {c.confidence:.2f}</td>'
                f'<td><span class="badge" style="background:{SENS_COLOURS.get(c.sensitivity, "#7b8794")}">{_e(c.sensitivity)}</span></td>'
                f"{protection_td}<td>{review}</td>"
                f"<td><details><summary>{_e(signals[:80] or 'no signal')}</summary>{_e(signals)}<br>shares: {share_txt or 'none'}<br>{_e(sample)}"
                f"{'<br>' + _e(notes) if notes else ''}</details></td><td>{examples}</td></tr>"
            )
        out.append("</tbody></table>")
    out.append("</section>")
    # Sections rendered by other packages (e.g. usage), already escaped HTML fragments.
    out.extend(extra_sections or [])
    out.append("</body></html>")
    return "\n".join(out)


def _column_protection(protection: "dict[str, TableProtection] | None", c: "CatalogColumn") -> "ColumnProtection | None":
    tp = (protection or {}).get(c.table)
    return tp.columns.get(c.column) if tp is not None else None


def write_html(path: str | Path, text: str) -> None:
    """Write the HTML report.

    Raises:
        InputError: The file cannot be written.
    """
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the HTML report: {exc.strerror or exc}") from None
