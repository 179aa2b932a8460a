"""Column verdicts: fuse the evidence of a column scan into one entity (or none).

Signals: the share of sampled *cells* carrying each entity (not the number of detections),
the mean detection score (validators already raised or dropped matches), the column name
(context words raised pattern scores during the scan; name hints lower the share a
matching entity needs), and whether the column is free text. A minimum cell share is
always required, so a handful of stray matches (an amount that looks like a phone number)
never labels a column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from classification.detect import ColumnEvidence
from classification.profilers.base import ColumnProfiler, Finding, JudgeContext
from governance.risk import ClassificationPolicy

#: Entities only an NLP model can find in values.
NLP_ENTITIES = frozenset({"PERSON", "LOCATION"})


@dataclass
class Verdict:
    """The classification of one column."""

    name: str
    entity: str | None
    entities: list[str]
    confidence: float
    sensitivity: str
    evidence: dict[str, Any] = field(default_factory=dict)
    reviewed: bool = False
    #: A coarse attribute that identifies people only in combination (country, postcode ...).
    quasi_identifier: str | None = None

    @property
    def free_text(self) -> bool:
        """True when the column holds free text (its entities are spans in prose)."""
        return bool(self.evidence.get("free_text"))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of one column in the report."""
        return {
            "name": self.name,
            "entity": self.entity,
            "entities": list(self.entities),
            "confidence": round(self.confidence, 3),
            "sensitivity": self.sensitivity,
            "reviewed": self.reviewed,
            "quasi_identifier": self.quasi_identifier,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class _Candidate:
    entity: str
    share: float
    mean_score: float
    validated_share: float
    hinted: bool
    #: The profiler whose finding made this candidate ("" for cell recognizers).
    profiler: str = ""


def _candidates(ev: ColumnEvidence, hinted: set[str]) -> list[_Candidate]:
    cells = max(1, ev.cells_checked)
    out = []
    for ent, n in ev.entity_cells.items():
        out.append(
            _Candidate(
                entity=ent,
                share=n / cells,
                mean_score=ev.score_sum.get(ent, 0.0) / max(1, n),
                validated_share=ev.validated_cells.get(ent, 0) / max(1, n),
                hinted=ent in hinted,
            )
        )
    return sorted(out, key=lambda c: (-(c.share * c.mean_score + (0.5 if c.hinted else 0.0)), c.entity))


def _with_findings(cands: list[_Candidate], findings: list[Finding], hinted: set[str]) -> list[_Candidate]:
    """Add the profilers' entity findings as candidates (a finding beats a weaker cell count of the same entity)."""
    by_ent = {c.entity: c for c in cands}
    for f in findings:
        if f.kind != "entity":
            continue
        cur = by_ent.get(f.label)
        if cur is None or cur.share * cur.mean_score < f.share * f.score:
            by_ent[f.label] = _Candidate(f.label, f.share, f.score, 0.0, f.label in hinted, profiler=f.profiler)
    return sorted(by_ent.values(), key=lambda c: (-(c.share * c.mean_score + (0.5 if c.hinted else 0.0)), c.entity))


def fuse(ev: ColumnEvidence, policy: ClassificationPolicy, *, min_share: float, profilers: "list[ColumnProfiler] | tuple[()]" = ()) -> Verdict:
    """Turn one column's evidence into a :class:`Verdict`.

    Args:
        ev: The merged scan evidence of the column.
        policy: ``conf/classification.yaml``.
        min_share: Minimum share of sampled cells an entity needs (``classification.min_cell_share``).
        profilers: The column profilers that observed the scan (their counters are in ``ev.profiles``).
    """
    fp = policy.fusion
    leaf = ev.column.split(".")[-1].replace("[]", "")
    hinted = policy.name_hinted(leaf)
    quasi_hints = policy.quasi_hinted(leaf)
    evidence: dict[str, Any] = {
        "kind": ev.kind,
        "rows_sampled": ev.rows,
        "nulls": ev.nulls,
        "distinct_values_checked": ev.values_checked,
        "cells_checked": ev.cells_checked,
        "nlp_values": ev.nlp_values,
        "stopped_early": ev.stopped_early,
        "full_scan": ev.full,
        "name_hints": sorted(hinted),
        "shares": {},
        "redacted_examples": list(ev.examples),
        "notes": list(ev.notes),
        "signals": [],
    }
    if ev.kind == "binary":
        evidence["notes"].append("binary column skipped: bytes are not classified")
        return Verdict(ev.column, None, [], 0.0, policy.sensitivity_of(None), evidence)
    if ev.values_checked == 0:
        evidence["notes"].append("no non-null values in the sample: nothing to classify" if ev.rows else "table has no rows in the sample")
        return Verdict(ev.column, None, [], 0.0, policy.sensitivity_of(None), evidence)
    if ev.truncated_values:
        evidence["notes"].append(f"{ev.truncated_values} long value(s) scanned on their first characters only")

    # a column named for towns or addresses holds places, however many words they have
    free_text = ev.text_like / max(1, ev.values_checked) >= 0.5 and not hinted & {"LOCATION", "STREET_ADDRESS"}
    evidence["free_text"] = free_text
    cands = _candidates(ev, hinted)
    if free_text:
        # In free text only entities found in the prose itself count, not in the column's one-word cells.
        cells = max(1, ev.cells_checked)
        cands = [_Candidate(c.entity, ev.prose_entity_cells.get(c.entity, 0) / cells, c.mean_score, c.validated_share, c.hinted)
                 for c in cands]
    jctx = JudgeContext(
        column=ev.column, cells=ev.cells_checked, values=ev.values_checked, hints=frozenset(hinted),
        quasi_hints=frozenset(quasi_hints), nlp_available=ev.nlp_available,
        entity_shares={c.entity: c.share for c in cands}, distinct_share=ev.distinct_share,
    )
    findings = [f for f in (prof.judge(ev.profiles.get(prof.NAME, {}), jctx) for prof in profilers) if f is not None]
    if findings:
        evidence["profilers"] = {f.profiler: {"finding": f.label, "kind": f.kind, "share": round(f.share, 4)} for f in findings}
        cands = _with_findings(cands, findings, hinted)
    for c in cands:
        evidence["shares"][c.entity] = {
            "cell_share": round(c.share, 4),
            "mean_score": round(c.mean_score, 3),
            "validated_share": round(c.validated_share, 3),
            "name_hint": c.hinted,
        }
        if c.profiler:
            evidence["shares"][c.entity]["profiler"] = c.profiler
    if ev.full:
        evidence["match_counts"] = {e: n for e, n in sorted(ev.entity_cells.items()) if e not in ev.estimated}
        if ev.estimated:
            evidence["estimated_counts"] = {e: ev.entity_cells[e] for e in ev.estimated if e in ev.entity_cells}

    def needed(c: _Candidate) -> float:
        base = fp.free_text_min_share if free_text else min_share
        return base * (fp.name_hint_share_factor if c.hinted else 1.0)

    strong = [c for c in cands if c.mean_score >= fp.min_score]
    accepted = [c for c in strong if c.share >= needed(c)]
    signals: list[str] = evidence["signals"]
    quasi = next((f for f in findings if f.kind == "quasi_identifier"), None)
    place_only = all(c.entity == "LOCATION" or (c.entity in NLP_ENTITIES and not c.profiler) for c in accepted)
    if quasi is not None and (not accepted if free_text else place_only):
        # A country or state column is a quasi-identifier, not a LOCATION of a person.
        evidence["quasi_identifier"] = quasi.label
        signals.append(f"quasi-identifier ({quasi.label}): {quasi.signal}")
        if accepted:
            signals.append(f"{', '.join(c.entity for c in accepted)} from the NLP model not reported: the values are {quasi.label} values")
        conf = max(0.5, min(1.0, quasi.share)) * _sample_factor(ev.values_checked)
        return Verdict(ev.column, None, [], round(conf, 3), policy.sensitivity_of(None), evidence, quasi_identifier=quasi.label)
    if not accepted and not free_text:
        # A mixed column (e-mails and phones in one "contact" field): no single entity reaches the
        # share, but cells carrying some strong entity do.
        union = ev.any_entity_cells / max(1, ev.cells_checked)
        secondary = [c for c in strong if c.share >= fp.secondary_min_share]
        if union >= min_share and secondary:
            accepted = secondary
            signals.append(f"mixed column: {union:.0%} of cells carry one of {[c.entity for c in secondary]}")
    nlp_only_hints = sorted(hinted & NLP_ENTITIES)
    words_share = ev.word_values / max(1, ev.values_checked)
    if not accepted and ev.nlp_available and "LOCATION" in hinted and not free_text and words_share >= min_share:
        # The small English model misses most towns of other countries; the name says city.
        signals.append("column name suggests LOCATION and the values are words; the NLP model confirmed few of them")
        return Verdict(ev.column, "LOCATION", ["LOCATION"], 0.45, policy.sensitivity_of("LOCATION"), evidence)
    if not accepted and not ev.nlp_available and nlp_only_hints and words_share >= min_share:
        # The no_op tier cannot read names or places; the column name is the only signal left.
        # Flag it (privacy first) with a low confidence so that a reviewer confirms it.
        ent = nlp_only_hints[0]
        signals.append(f"column name suggests {ent}; values not checked: no NLP model on this tier (classification.nlp: no_op)")
        return Verdict(ev.column, ent, [ent], 0.4, policy.sensitivity_of(ent), evidence)
    if not accepted:
        top_share = max((c.share for c in strong), default=0.0)
        weak = [c.entity for c in cands if c.mean_score < fp.min_score and c.share >= min_share]
        if weak:
            signals.append(f"weak pattern matches only ({', '.join(weak)}): no validator or context supports them")
        signals.append(f"no entity reaches the minimum cell share ({min_share:.0%}{' free text: ' + format(fp.free_text_min_share, '.0%') if free_text else ''})")
        conf = (1.0 - top_share) * _sample_factor(ev.values_checked)
        if not ev.nlp_available and words_share >= min_share:
            evidence["notes"].append("values hold words but no NLP model ran (no_op tier): names and places cannot be detected")
            conf = min(conf, 0.6)
        return Verdict(ev.column, None, [], round(conf, 3), policy.sensitivity_of(None), evidence)

    primary = accepted[0]
    if free_text:
        primary = max(accepted, key=lambda c: (c.share, c.entity))
    sec_min = fp.free_text_min_share if free_text else fp.secondary_min_share
    secondary_ents = [c.entity for c in strong if c is not primary and c.share >= sec_min]
    entities = [primary.entity] + [e for e in secondary_ents if e != primary.entity]
    if free_text:
        evidence["free_text_entities"] = {c.entity: round(c.share, 4) for c in strong if c.entity in entities}
        signals.append("free text: " + ", ".join(f"{c.entity} in {c.share:.0%} of rows" for c in strong if c.entity in entities)
                       + f" (listed from {fp.free_text_min_share:.0%}); protect the spans, keep the words")
    for c in accepted:
        if c.profiler and c.entity in entities:
            f = next(x for x in findings if x.profiler == c.profiler)
            signals.append(f"{c.entity} ({c.profiler}): {f.signal}")
    if primary.validated_share > 0:
        signals.append(f"validator passed on {primary.validated_share:.0%} of {primary.entity} cells")
    if primary.hinted:
        signals.append(f"column name suggests {primary.entity}")
    signals.append(f"{primary.entity} in {primary.share:.0%} of sampled cells (mean score {primary.mean_score:.2f})")
    conf = 0.55 * min(1.0, primary.share / max(min_share, 1e-9) * 0.5 + 0.5 * primary.share) + 0.35 * primary.mean_score + (0.1 if primary.hinted else 0.0)
    conf = max(0.0, min(1.0, conf)) * _sample_factor(ev.values_checked)
    return Verdict(ev.column, primary.entity, entities, round(conf, 3), policy.max_sensitivity(entities), evidence)


def _sample_factor(n: int) -> float:
    """Confidence shrinks for tiny samples (fewer than 20 distinct values)."""
    return min(1.0, 0.5 + n / 40.0)
