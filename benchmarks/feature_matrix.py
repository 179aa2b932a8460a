"""Render the Delta feature x command matrix the tests recorded, for the README.

``tests/integration/test_delta_features.py`` writes one JSON file per engine under
``.cache/feature-matrix/`` (``embedded.json`` from ``pytest tests``, ``classic.json`` from
``pytest tests/integration -m both_engines --engine classic``). This prints one markdown table,
feature x command, each cell ``embedded / classic``: ``works``, ``refused`` (exit 5 before any
write, the reason listed under the table) or ``FAILS`` (a bug: the reason is listed too).

Usage: ``.venv/bin/python benchmarks/feature_matrix.py [--dir .cache/feature-matrix]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

COMMANDS = ["classify", "protect plan", "protect --apply", "reveal", "protect --purge-history", "retention apply",
            "erase run --apply", "erase verify"]
ENGINES = ["embedded", "classic"]
_MARK = {"works": "works", "refused": "refused", "fails": "**FAILS**"}


def render(folder: Path) -> str:
    """The markdown table and its notes from the JSON files in ``folder``."""
    data: dict[str, dict[tuple[str, str], dict[str, str]]] = {}
    versions = []
    for engine in ENGINES:
        f = folder / f"{engine}.json"
        if not f.exists():
            continue
        doc = json.loads(f.read_text(encoding="utf-8"))
        data[engine] = {(c["feature"], c["command"]): c for c in doc["cells"]}
        versions.append(f"{engine}: pyspark {doc.get('pyspark')}, maintenance {doc.get('maintenance')}"
                        + (f", pysail {doc.get('pysail')}" if engine == "embedded" else ""))
    features = sorted({f for cells in data.values() for f, _ in cells})
    lines = ["| feature | " + " | ".join(COMMANDS) + " |", "|---|" + "---|" * len(COMMANDS)]
    notes: dict[str, list[str]] = {}
    for feat in features:
        row = []
        for cmd in COMMANDS:
            parts = []
            for engine in ENGINES:
                cell = data.get(engine, {}).get((feat, cmd))
                if cell is None:
                    parts.append("-")
                    continue
                parts.append(_MARK.get(cell["outcome"], cell["outcome"]))
                if cell["outcome"] != "works" and cell.get("reason"):
                    notes.setdefault(f"{feat}, {cmd}, {engine}", []).append(cell["reason"])
            row.append(" / ".join(parts))
        lines.append(f"| {feat.replace('_', ' ')} | " + " | ".join(row) + " |")
    out = ["Cells: embedded / classic. " + "; ".join(versions) + ".", "", *lines]
    if notes:
        out += ["", "Refusals (exit 5, nothing written) and failures:", ""]
        out += [f"- {k}: {'; '.join(v)}" for k, v in sorted(notes.items())]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=str(Path(__file__).parents[1] / ".cache" / "feature-matrix"))
    ap.add_argument("--readme", metavar="FILE", help="also replace the block between the feature-matrix markers in FILE")
    args = ap.parse_args()
    table = render(Path(args.dir))
    print(table)
    if args.readme:
        readme = Path(args.readme)
        text = readme.read_text(encoding="utf-8")
        begin, end = "<!-- feature-matrix:begin -->", "<!-- feature-matrix:end -->"
        if begin not in text or end not in text:
            raise SystemExit(f"{readme}: no {begin} ... {end} block to replace")
        head, rest = text.split(begin, 1)
        readme.write_text(f"{head}{begin}\n{table}\n{end}{rest.split(end, 1)[1]}", encoding="utf-8")


if __name__ == "__main__":
    main()
