"""The usage section of the HTML report: an HTML fragment with inline SVG charts.

:func:`render_usage_section` returns a ``<section>`` that the classification HTML report
embeds as is (no scripts, no external resources, styles scoped under ``.lw-usage``).
Charts: utilization over time (per week, the largest share of each table one read covered,
weighted by the tables' stored bytes: at most 100%) and cold bytes by sensitivity tier.
Every value is escaped.
"""

from __future__ import annotations

from html import escape

from retention.usage.report import UsageReport, human_bytes

_STYLE = """
<style>
.lw-usage{font-family:system-ui,sans-serif;font-size:14px;color:#222}
.lw-usage h2{font-size:20px;margin:16px 0 8px}.lw-usage h3{font-size:16px;margin:14px 0 6px}
.lw-usage table{border-collapse:collapse;margin:6px 0 12px}
.lw-usage th,.lw-usage td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
.lw-usage td.num{text-align:right;font-variant-numeric:tabular-nums}
.lw-usage .warn{color:#a40000;font-weight:600}.lw-usage .muted{color:#777}
.lw-usage .kpi{display:inline-block;margin-right:24px}.lw-usage .kpi b{display:block;font-size:20px}
</style>
"""

_TIER_COLORS = {
    "restricted": "#7f0000",
    "secret": "#7f0000",
    "critical": "#7f0000",
    "high": "#c62828",
    "confidential": "#c62828",
    "sensitive": "#ef6c00",
    "medium": "#ef6c00",
    "internal": "#f9a825",
    "low": "#9e9d24",
    "not sensitive": "#90a4ae",
}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


def utilization_chart(report: UsageReport, *, width: int = 560, height: int = 180) -> str:
    """Inline SVG line chart of weekly utilization (a share in [0, 1], see :class:`~retention.usage.report.SeriesPoint`) over the window."""
    pts = [p for p in report.utilization_over_time if p.utilization is not None]
    pad_l, pad_b, pad_t, pad_r = 48, 28, 12, 12
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    parts = [
        f'<svg class="lw-chart" role="img" aria-label="Utilization over time" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<rect x="{pad_l}" y="{pad_t}" width="{w}" height="{h}" fill="#fafafa" stroke="#ccc"/>',
    ]
    if not pts:
        parts.append(f'<text x="{pad_l + w / 2}" y="{pad_t + h / 2}" text-anchor="middle" fill="#777">no reads in the window</text></svg>')
        return "".join(parts)
    top = max(max(p.utilization or 0 for p in pts), 0.01)
    for frac in (0, 0.5, 1):
        y = pad_t + h - frac * h
        parts.append(f'<line x1="{pad_l}" x2="{pad_l + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        parts.append(f'<text x="{pad_l - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="#555">{escape(_pct(top * frac))}</text>')
    n = len(pts)
    coords = []
    for i, p in enumerate(pts):
        x = pad_l + (w * i / (n - 1) if n > 1 else w / 2)
        y = pad_t + h - (p.utilization or 0) / top * h
        coords.append((x, y, p))
    parts.append('<polyline fill="none" stroke="#1565c0" stroke-width="2" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords) + '"/>')
    for x, y, p in coords:
        tip = f"week of {p.date}: utilization {_pct(p.utilization)}; read {human_bytes(p.bytes_read)}, stored {human_bytes(p.bytes_stored)}"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1565c0"><title>{escape(tip)}</title></circle>')
    for x, _, p in (coords[0], coords[-1]):
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="10" fill="#555">{escape(p.date)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def cold_by_tier_chart(report: UsageReport, *, width: int = 560, bar: int = 22) -> str:
    """Inline SVG horizontal bar chart of cold stored bytes per sensitivity tier."""
    items = [(k, v) for k, v in report.cold_bytes_by_tier.items()]
    height = max(1, len(items)) * (bar + 8) + 16
    label_w, pad_r = 130, 90
    w = width - label_w - pad_r
    parts = [
        f'<svg class="lw-chart" role="img" aria-label="Cold bytes by sensitivity tier" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    if not items:
        parts.append(f'<text x="8" y="20" fill="#777">no cold data</text></svg>')
        return "".join(parts)
    top = max(v for _, v in items) or 1
    for i, (tier, v) in enumerate(items):
        y = 8 + i * (bar + 8)
        bw = max(1.0, w * v / top) if v else 0
        color = _TIER_COLORS.get(tier.lower(), "#6a1b9a")
        parts.append(f'<text x="{label_w - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" font-size="12">{escape(tier)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{bw:.1f}" height="{bar}" fill="{color}"><title>{escape(tier)}: {escape(human_bytes(v))}</title></rect>')
        parts.append(f'<text x="{label_w + bw + 6:.1f}" y="{y + bar * 0.7:.1f}" font-size="12">{escape(human_bytes(v))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_usage_section(report: UsageReport, *, top: int = 50) -> str:
    """The usage section as an HTML fragment (a ``<section class="lw-usage">``)."""
    lake = report.lake
    e = escape
    out = [_STYLE, '<section class="lw-usage" id="usage">', "<h2>Usage and cold data</h2>"]
    out.append(
        f'<p class="muted">Window {e(report.window)}: {report.window_start:%Y-%m-%d} to {report.generated_at:%Y-%m-%d}. '
        "Business reads only; Lakewarden's own (governance) reads are excluded.</p>"
    )
    out.append(
        '<div>'
        f'<span class="kpi">stored<b>{e(human_bytes(lake.bytes_stored))}</b></span>'
        f'<span class="kpi">read in window<b>{e(human_bytes(lake.bytes_read))}</b></span>'
        f'<span class="kpi">utilization<b>{e(_pct(lake.utilization))}</b></span>'
        f'<span class="kpi">share touched<b>{e(_pct(lake.touched_share))}</b></span>'
        f'<span class="kpi">cold tables<b>{lake.cold_tables} / {lake.tables}</b></span>'
        "</div>"
    )
    out.append(f"<h3>Sensitive cold data with no retention rule ({len(report.sensitive_cold)})</h3>")
    if report.sensitive_cold:
        out.append("<table><tr><th>sensitivity</th><th>table</th><th>column</th><th>entity</th><th>stored</th><th>last read</th></tr>")
        for s in report.sensitive_cold[:top]:
            last = "never" if s.last_read is None else f"{s.last_read:%Y-%m-%d}"
            out.append(
                f'<tr><td class="warn">{e(s.sensitivity)}</td><td>{e(s.table)}</td><td>{e(s.column)}</td>'
                f'<td>{e(s.entity or "-")}</td><td class="num">{e(human_bytes(s.bytes_stored))}</td><td>{e(last)}</td></tr>'
            )
        out.append("</table>")
    else:
        out.append('<p class="muted">None.</p>')
    out.append("<h3>Utilization over time</h3>")
    out.append(utilization_chart(report))
    out.append("<h3>Cold bytes by sensitivity tier</h3>")
    out.append(cold_by_tier_chart(report))
    out.append("<h3>Tables</h3>")
    out.append(
        "<table><tr><th>table</th><th>stored</th><th>read</th><th>utilization</th><th>reads</th>"
        "<th>last read</th><th>cold</th><th>retention rule</th><th>readers</th></tr>"
    )
    for t in sorted(report.tables, key=lambda t: (t.utilization or 0, -t.bytes_stored))[:top]:
        last = "never" if t.last_read is None else f"{t.last_read:%Y-%m-%d}"
        rule = "yes" if t.has_retention_rule else '<span class="warn">no</span>'
        out.append(
            f"<tr><td>{e(t.table)}</td><td class=\"num\">{e(human_bytes(t.bytes_stored))}</td>"
            f"<td class=\"num\">{e(human_bytes(t.bytes_read))}</td><td class=\"num\">{e(_pct(t.utilization))}</td>"
            f"<td class=\"num\">{t.reads}</td><td>{e(last)}</td><td>{'yes' if t.cold else 'no'}</td>"
            f"<td>{rule}</td><td>{e(', '.join(t.readers[:3]))}</td></tr>"
        )
    out.append("</table>")
    if report.notes:
        out.append("<ul class=\"muted\">" + "".join(f"<li>{e(n)}</li>" for n in report.notes) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


def render_usage_page(report: UsageReport) -> str:
    """A standalone HTML page holding only the usage section."""
    return (
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Lakewarden usage</title></head><body>"
        + render_usage_section(report)
        + "</body></html>\n"
    )
