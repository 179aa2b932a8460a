"""Per-column detection over a batch of cell values (runs on the executors, inside ``mapInPandas``).

For each column, values arrive with nulls already counted; duplicates are dropped. Each
distinct value goes through:

1. **Cheap pass**: the pattern recognizers' regexes and validators, run directly (no
   Presidio pipeline), with the column name's tokens as context words. A value that a
   structured entity covers, or that holds no word at all (numbers, codes, UUIDs), is
   settled here.
2. **Presidio** (``AnalyzerEngine``, batched through the NLP engine's ``process_batch``):
   only for unsettled values that contain words, and only for the NLP entities (PERSON,
   LOCATION), when the ``spacy_small`` tier is on.

The scanner stops a column early once its leading shares are far from the decision
threshold (sample mode), or sees every value and counts exact cells (``--full`` mode).
Only counts, scores and *redacted* examples leave this module; raw values never do.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import regex as re

from classification.engine import LANGUAGE, ClassifierEngine
from classification.profilers.base import JudgeContext, ValueContext, merge_stats
from governance.risk import FusionPolicy

#: Characters of a value that the cheap pass looks at (1 MB strings are cut here).
MAX_SCAN_CHARS = 4096
#: Characters of a value sent to the NLP model.
MAX_NLP_CHARS = 1000
#: A structured hit covering this share of a value settles it.
SETTLE_COVERAGE = 0.6
#: In a single-token cell (a code or ID), a hit must cover this share of the cell to count.
MIN_CELL_COVERAGE = 0.5
BATCH = 64
#: A cell with this many whitespace-separated words counts as free text ("Gift for Anna").
FREE_TEXT_WORDS = 3
MIN_VALUES_BEFORE_STOP = 128
#: Share of rows an entity needs in free text (``fusion.free_text_min_share``'s default).
FREE_TEXT_SHARE: float = FusionPolicy.model_fields["free_text_min_share"].default
#: Values a column with no strong entity and no NLP cost is scanned for before it may stop early.
UNSETTLED_VALUES_BEFORE_STOP = 384
STOP_MARGIN = 0.2
EXAMPLES = 3
#: Score of a full name found in prose by the name dictionaries alone.
NAME_SPAN_SCORE = 0.6
#: Mean score from which an entity can win a column (``fusion.min_score`` default).
STRONG_SCORE = 0.3

#: Entities only an NLP model reports.
NLP_LABELS = frozenset({"PERSON", "LOCATION"})
_WORD = re.compile(r"[^\W\d_]{2,}")
#: Legal forms of companies in many countries, ending a cell: the cell names an organisation.
_LEGAL_FORM = re.compile(
    r"(?:^|[\s,(])(?:s\.?\s?l\.?(?:u|n\.?e)?\.?|s\.?\s?a\.?(?:s|u)?\.?|s\.?\s?c\.?\s?p\.?|s\.?\s?coop\.?|s\.?\s?com\.?|sarl|sas|gmbh|mbh|ag|kg|ohg|gbr|e\.\s?k\.|"
    r"ltd\.?|limited|plc|llc|llp|inc\.?|corp\.?|co\.|b\.?\s?v\.?|n\.?\s?v\.?|v\.o\.f\.?|vof|s\.?p\.?a\.?|s\.?r\.?l\.?|s\.?n\.?c\.?|s\.?a\.?s\.?|"
    r"s\.?r\.?o\.?|a\.?\s?s\.?|k\.?\s?s\.?|v\.\s?o\.\s?s\.?|sp\.?\s?z\s?o\.?\s?o\.?|sp\.?\s?j\.?|s\.?c\.?|ab|hb|apS|a/s|oy|oyj|kft\.?|zrt\.?|nyrt\.?|bt\.?|"
    r"a\.?\s?ş\.?|şti\.?|pty|k\.?k\.?|e\.?\s?u\.?|lda\.?|ltda\.?|s\.?e\.?|se|& (?:co|sons|söhne|fils|hijos|figli|zonen)\.?|e (?:hijos|filhos|figli)|"
    r"y asociados|et fils|und söhne|and sons|group|holding|partners?|associates|gruppe|groupe|grupo|gruppo|"
    r"o\.\s?s\.|gesbr|e\.\s?v\.|e\.\s?g\.|kgaa|kkt\.?|kht\.?|osk|s[àa]rl\.?|eirl|limitada|sociedad an[óo]nima|a\.\s?c\.|s\.\s?p\.|sp\.\s?k\.|"
    r"commv|groep|gruppen|stichting|san\.|tic\.|ticaret|tbk|eurl|tmi|mmc|tập đoàn|corporation|"
    r"α\.\s?ε\.|ο\.\s?ε\.|ε\.\s?π\.\s?ε\.|инк|лтд|групп|ад|кд|адсиц|јп|дооел|ооо|еоод|"
    r"hf\.?|ehf\.?|ohf\.?|sf\.?|as|asa|d\.?\s?o\.?\s?o\.?|d\.\s?d\.|a\.\s?d\.|doo|ood|eood|jsc|ojsc|pjsc|tov|"
    r"bank|banka|banki|banque|banco|banca|bankas|banken|bankası|sparkasse|pankki|банк)\)?\s*$",
    re.IGNORECASE,
)
#: Legal forms written before the name: "ООО «Ромашка»", "АО Тинькофф Банк", "ТОВ «Світанок»".
_LEGAL_PREFIX = re.compile(r"^\s*(?:ООО|ОАО|ЗАО|ПАО|НАО|АО|РАО|НПО|ИП|ТОО|ТОВ|ПрАТ|ПАТ|ЕООД|ООД|ЕАД|АД|ДОО|ДООЕЛ|PT|CV|PD|Perum|"
                           r"Grupa|Stowarzyszenie|Spółdzielnia|Fundacja|Stichting|Industrias|Club|Proyectos|"
                           r"주식회사|\(주\)|\(유\)|株式会社|有限会社)(?:\s|$)", re.IGNORECASE)


#: Upper-case legal forms that are words or names in lower case ("Nagele OG", "Preda SCA", "Bakken BA", "Sampaio - ME").
_LEGAL_FORM_UPPER = re.compile(r"(?:^|[\s,(])(?:OG|BA|CV|SEM|EPIC|ASC|QSC|SCA|SCS|PFA|ASF|EP|RFH|KDA|UD|ЕД|ТД|СД|ЕТ|ET|SD)\)?\s*$|"
                               r"\s-\s(?:ME|EI|EPP|LTDA)\s*$")


def is_organisation(text: str) -> bool:
    """True when a cell names a company by its legal form ("Noelia Coll S.L.", "Arion banki hf.", "ООО «Ромашка»")."""
    head = text[:200]
    return bool(_LEGAL_FORM.search(head) or _LEGAL_PREFIX.search(head) or _LEGAL_FORM_UPPER.search(head))


def _drop_names_inside_streets(hits: dict[str, tuple[float, bool]], spans: list[tuple[int, int, str]]) -> None:
    """"603 Robert Hill", "Calle Gabriela Mistral 1783": a name inside a street address names the street, not a person."""
    streets = [(s, e) for s, e, ent in spans if ent == "STREET_ADDRESS"]
    persons = [sp for sp in spans if sp[2] == "PERSON"]
    if not streets or not persons:
        return
    inside = [sp for sp in persons if any(s <= sp[0] and sp[1] <= e for s, e in streets)]
    if len(inside) == len(persons):
        hits.pop("PERSON", None)
        spans[:] = [sp for sp in spans if sp[2] != "PERSON"]


_TOKEN = re.compile(r"[a-z]+|[0-9]+")


def name_tokens(column: str) -> set[str]:
    """Lower-case tokens of a column name: ``customerEmail`` -> {customer, email, customeremail}."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", column)
    toks = set(_TOKEN.findall(spaced.lower()))
    flat = re.sub(r"[^a-z0-9]", "", column.lower())
    if flat:
        toks.add(flat)
    # joined neighbours: "date_of_birth" -> "dateofbirth", "date_of_birth"
    parts = _TOKEN.findall(spaced.lower())
    for a, b in zip(parts, parts[1:]):
        toks.add(a + b)
        toks.add(f"{a}_{b}")
    if len(parts) > 1:
        toks.add("_".join(parts))
    return toks


def redact(value: str, spans: list[tuple[int, int, str]], *, limit: int = 48) -> str:
    """Return a redacted rendering of ``value``: detected spans become ``<ENTITY>``, every other
    letter becomes ``x``/``X`` and every digit ``9``. No character of the value survives."""
    out: list[str] = []
    i = 0
    for s, e, ent in sorted(spans):
        if s < i:
            continue
        out.append(_shape(value[i:s]))
        out.append(f"<{ent}>")
        i = e
    out.append(_shape(value[i:]))
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shape(text: str) -> str:
    return "".join("9" if ch.isdigit() else ("X" if ch.isupper() else "x") if ch.isalpha() else (ch if ch in " -_.,:/@+()#'" else "?") for ch in text)


@dataclass
class ColumnEvidence:
    """What one column's scan found; serializable, holds no raw value."""

    column: str
    kind: str = "string"
    rows: int = 0
    nulls: int = 0
    distinct: int = 0
    values_checked: int = 0
    cells_checked: int = 0
    nlp_values: int = 0
    truncated_values: int = 0
    text_like: int = 0
    entity_cells: dict[str, int] = field(default_factory=dict)
    entity_values: dict[str, int] = field(default_factory=dict)
    score_sum: dict[str, float] = field(default_factory=dict)
    validated_cells: dict[str, int] = field(default_factory=dict)
    #: Cells of prose values (``text_like``) carrying each entity: a free-text column's shares.
    prose_entity_cells: dict[str, int] = field(default_factory=dict)
    any_entity_cells: int = 0
    #: Distinct values naming a company (a legal form such as GmbH, S.L., Ltd).
    org_values: int = 0
    #: Non-null values read that repeated one already scanned (sample mode; full mode has ``cells_checked``).
    repeats: int = 0
    #: Entities whose cells are estimated from a sample in an audit scan (NLP entities; the others are exact).
    estimated: list[str] = field(default_factory=list)
    stopped_early: bool = False
    full: bool = False
    #: Whether an NLP model looked at the values (False on the no_op tier).
    nlp_available: bool = False
    #: Distinct values holding at least one word (what only an NLP model can read).
    word_values: int = 0
    examples: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: Each column profiler's counters (``classification/profilers``); numbers only, no values.
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def distinct_share(self) -> float:
        """Distinct values per non-null cell read (1.0: no value repeats)."""
        read = self.cells_checked + self.repeats
        return self.values_checked / read if read else 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ColumnEvidence":
        """Inverse of :meth:`to_dict`."""
        return cls(**d)

    def merge(self, other: "ColumnEvidence") -> None:
        """Add another partial scan of the same column (from another partition)."""
        for k in ("rows", "nulls", "distinct", "values_checked", "cells_checked", "nlp_values", "truncated_values", "text_like", "any_entity_cells", "word_values", "org_values", "repeats"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        for k in ("entity_cells", "entity_values", "validated_cells", "prose_entity_cells"):
            mine = getattr(self, k)
            for e, n in getattr(other, k).items():
                mine[e] = mine.get(e, 0) + n
        for e, s in other.score_sum.items():
            self.score_sum[e] = self.score_sum.get(e, 0.0) + s
        merge_stats(self.profiles, other.profiles)
        self.stopped_early = self.stopped_early or other.stopped_early
        self.examples = (self.examples + other.examples)[:EXAMPLES]
        self.notes = sorted(set(self.notes + other.notes))
        self.estimated = sorted(set(self.estimated) | set(other.estimated))
        self.seconds += other.seconds


class ColumnScanner:
    """Accumulates evidence for one column over batches of distinct values."""

    def __init__(self, engine: ClassifierEngine, column: str, *, sample_values: int | None, min_share: float,
                 free_text_share: float = FREE_TEXT_SHARE) -> None:
        self.engine = engine
        self.column = column
        self.limit = sample_values
        self.min_share = min_share
        self.free_text_share = free_text_share
        self.context = name_tokens(column.split(".")[-1].replace("[]", ""))
        self.ev = ColumnEvidence(column=column, full=sample_values is None, nlp_available=engine.has_nlp)
        self._seen: set[str] = set()
        self._done = False
        self._last_top: str | None = None
        self._last_found: frozenset[str] | None = None

    @property
    def done(self) -> bool:
        """True once the sample is complete or the verdict is stable."""
        return self._done

    def add_nulls(self, n: int, rows: int) -> None:
        """Count ``rows`` rows of which ``n`` were null."""
        self.ev.nulls += n
        self.ev.rows += rows

    def feed(self, values: list[str], counts: list[int] | None = None, regions: list[str | None] | None = None,
             entities: list[frozenset[str]] | None = None) -> None:
        """Scan a batch of non-null values (``counts``: cells per value, full mode; ``regions``: each
        value's row country from sibling columns, joined by ``|``; ``entities``: per value, the entities whose
        engine prefilter it matched, full mode: other entities' pattern recognizers cannot match it and are skipped)."""
        t0 = time.perf_counter()
        i = 0
        while i < len(values) and not self._done:
            chunk_vals: list[str] = []
            chunk_counts: list[int] = []
            chunk_regions: list[str | None] = []
            chunk_entities: list[frozenset[str]] | None = None if entities is None else []
            while i < len(values) and len(chunk_vals) < BATCH:
                v = values[i]
                c = 1 if counts is None else int(counts[i])
                r = None if regions is None else regions[i]
                i += 1
                if self.ev.full:
                    chunk_vals.append(v)
                    chunk_counts.append(c)
                    chunk_regions.append(r)
                    if chunk_entities is not None and entities is not None:
                        chunk_entities.append(entities[i - 1])
                    continue
                if v in self._seen:
                    self.ev.repeats += 1
                    continue
                self._seen.add(v)
                chunk_vals.append(v)
                chunk_counts.append(c)
                chunk_regions.append(r)
                if self.limit is not None and len(self._seen) >= self.limit:
                    break
            if chunk_vals:
                self._scan_chunk(chunk_vals, chunk_counts, chunk_regions, chunk_entities)
            if self.limit is not None and len(self._seen) >= self.limit:
                self._done = True
            elif not self.ev.full:
                self._maybe_stop()
        self.ev.seconds += time.perf_counter() - t0

    def _maybe_stop(self) -> None:
        n = self.ev.values_checked
        if n < MIN_VALUES_BEFORE_STOP:
            return
        # only entities strong enough to be accepted can change the verdict
        shares = {
            e: c / n
            for e, c in self.ev.entity_values.items()
            if self.ev.score_sum.get(e, 0.0) / max(1, self.ev.entity_cells.get(e, 1)) >= STRONG_SCORE
        }
        top = max(shares, key=shares.get) if shares else None  # type: ignore[arg-type]
        if (top is None or shares[top] < self.min_share) and self.ev.nlp_values < n / 2:
            # Nothing strong and no model to pay for: the column profilers (digit runs, towns, card shapes)
            # decide such columns, from more values than the cell counts need, and until their findings hold.
            found = self._profiler_findings()
            settled = n >= UNSETTLED_VALUES_BEFORE_STOP and found == self._last_found
            self._last_found = found
            if not settled:
                return
        stable = all(abs(s - self.min_share) >= STOP_MARGIN for s in shares.values())
        if self.ev.text_like >= n / 2:
            # free text: an entity is listed from a few percent of rows; a share near that is not settled
            ft = self.free_text_share
            stable = stable and all(not ft / 2 <= c / max(1, self.ev.cells_checked) < ft * 2 for c in self.ev.prose_entity_cells.values())
        any_share = self.ev.any_entity_cells / max(1, self.ev.cells_checked)
        stable = stable and abs(any_share - self.min_share) >= STOP_MARGIN
        if stable and top == self._last_top:
            self._done = True
            self.ev.stopped_early = True
        self._last_top = top

    def _profiler_findings(self) -> frozenset[str]:
        """What the column profilers would conclude now (without the column name's hints)."""
        ctx = JudgeContext(column=self.column, cells=self.ev.cells_checked, values=self.ev.values_checked,
                           nlp_available=self.ev.nlp_available, distinct_share=self.ev.distinct_share)
        out = set()
        for prof in self.engine.profilers:
            f = prof.judge(self.ev.profiles.get(prof.NAME, {}), ctx)
            if f is not None:
                out.add(f"{f.kind}:{f.label}")
        return frozenset(out)

    def _scan_chunk(self, values: list[str], counts: list[int], regions: list[str | None],
                    entities: list[frozenset[str]] | None = None) -> None:
        ev = self.ev
        per_value: list[dict[str, tuple[float, bool]]] = []
        spans_per_value: list[list[tuple[int, int, str]]] = []
        need_nlp: list[int] = []
        prose_flags: list[bool] = []
        org_flags: list[bool] = []
        texts: list[str] = []
        for idx, raw in enumerate(values):
            v = raw
            if len(v) > MAX_SCAN_CHARS:
                v = v[:MAX_SCAN_CHARS]
                ev.truncated_values += 1
            texts.append(v)
            words = len(_WORD.findall(v[:400]))
            # free text: several whitespace-separated words (an e-mail address has letter runs, not words)
            phrase_words = sum(1 for tok in v[:400].split() if _WORD.search(tok))
            if words >= 1:
                ev.word_values += 1
            hits: dict[str, tuple[float, bool]] = {}
            spans: list[tuple[int, int, str]] = []
            covered = 0
            single_token = not any(ch.isspace() for ch in v.strip())
            allowed = None if entities is None else entities[idx]
            for rec in self.engine.pattern_recognizers:
                if allowed is not None and rec.PATTERNS and rec.ENTITY not in allowed:
                    continue
                for h in rec.scan(v, context_words=self.context):
                    cover = (h.end - h.start) / max(1, len(v.strip()))
                    if single_token and cover < MIN_CELL_COVERAGE:
                        continue  # a fragment of a code or ID, not the cell's content
                    covered = max(covered, h.end - h.start)
                    cur = hits.get(h.entity)
                    if cur is None or cur[0] < h.score:
                        hits[h.entity] = (h.score, h.validated)
                    if h.score >= 0.3:
                        spans.append((h.start, h.end, h.entity))
            if spans and phrase_words >= FREE_TEXT_WORDS:
                # words outside the structured entities: "José Müller <e-mail>" is a contact, not prose
                phrase_words = _words_outside(v[:400], spans)
            org = is_organisation(v)
            org_flags.append(org)
            if org:
                ev.org_values += 1
            names = self.engine.name_checker
            if names is not None and phrase_words >= FREE_TEXT_WORDS and not org:
                for s, e in names.find_spans(v):
                    if hits.get("PERSON", (0.0, False))[0] < NAME_SPAN_SCORE:
                        hits["PERSON"] = (NAME_SPAN_SCORE, False)
                    spans.append((s, e, "PERSON"))
            per_value.append(hits)
            spans_per_value.append(spans)
            mostly_entity = covered / max(1, len(v.strip())) >= SETTLE_COVERAGE
            prose_flags.append(phrase_words >= FREE_TEXT_WORDS and not mostly_entity and not org)
            if prose_flags[-1]:
                ev.text_like += 1  # prose, not an address, a company or a name that happens to have many words
            settled = mostly_entity and phrase_words < FREE_TEXT_WORDS
            if self.engine.has_nlp and words >= 1 and not settled:
                need_nlp.append(idx)
        if need_nlp:
            self._run_presidio([texts[i][:MAX_NLP_CHARS] for i in need_nlp], [per_value[i] for i in need_nlp], [spans_per_value[i] for i in need_nlp])
            ev.nlp_values += len(need_nlp)
        for hits, spans, org in zip(per_value, spans_per_value, org_flags):
            if hits.keys() & NLP_LABELS and org:
                # "Noelia Coll Sánchez S.L.", "Zagrebačka banka": the cell names a company, whoever or
                # wherever it is named after
                for ent in NLP_LABELS:
                    hits.pop(ent, None)
                spans[:] = [sp for sp in spans if sp[2] not in NLP_LABELS]
            elif "PERSON" in hits:
                _drop_names_inside_streets(hits, spans)
        for hits, text, c, region in zip(per_value, texts, counts, regions):
            if not self.engine.profilers:
                break
            found = {e for e, (score, _) in hits.items() if score >= 0.3}
            ctx = ValueContext(pattern_entities=frozenset(found - NLP_LABELS), nlp_entities=frozenset(found & NLP_LABELS), region=region)
            for prof in self.engine.profilers:
                prof.observe(ev.profiles.setdefault(prof.NAME, {}), text, count=c, ctx=ctx)
        for hits, spans, text, c, prose in zip(per_value, spans_per_value, texts, counts, prose_flags):
            ev.values_checked += 1
            if prose:
                for ent, (score, _) in hits.items():
                    if score >= 0.3:
                        ev.prose_entity_cells[ent] = ev.prose_entity_cells.get(ent, 0) + c
            ev.cells_checked += c
            counted_any = False
            for ent, (score, validated) in hits.items():
                ev.entity_cells[ent] = ev.entity_cells.get(ent, 0) + c
                ev.entity_values[ent] = ev.entity_values.get(ent, 0) + 1
                ev.score_sum[ent] = ev.score_sum.get(ent, 0.0) + score * c
                if validated:
                    ev.validated_cells[ent] = ev.validated_cells.get(ent, 0) + c
                if score >= 0.3:
                    counted_any = True
            if counted_any:
                ev.any_entity_cells += c
            if len(ev.examples) < EXAMPLES:
                ev.examples.append(redact(text, spans))

    def _run_presidio(self, texts: list[str], hits_list: list[dict[str, tuple[float, bool]]], spans_list: list[list[tuple[int, int, str]]]) -> None:
        analyzer = self.engine.analyzer
        nlp_engine = analyzer.nlp_engine  # type: ignore[attr-defined]
        context = sorted(self.context)
        artifacts = nlp_engine.process_batch(texts, language=LANGUAGE, batch_size=BATCH)
        names = self.engine.name_checker
        for (text, art), hits, spans in zip(artifacts, hits_list, spans_list):
            results = analyzer.analyze(  # type: ignore[attr-defined]
                text=text, language=LANGUAGE, entities=self.engine.nlp_entities, nlp_artifacts=art, context=context
            )
            prose = sum(1 for tok in text[:400].split() if _WORD.search(tok)) >= FREE_TEXT_WORDS
            for r in results:
                if prose and names is not None and not names.confirms_span(text, r.start, r.end, entity=r.entity_type):
                    continue
                cur = hits.get(r.entity_type)
                if cur is None or cur[0] < r.score:
                    hits[r.entity_type] = (float(r.score), False)
                spans.append((r.start, r.end, r.entity_type))


def _words_outside(text: str, spans: list[tuple[int, int, str]]) -> int:
    """Whitespace-separated words with letters that no span overlaps."""
    n = 0
    for m in re.finditer(r"\S+", text):
        if _WORD.search(m.group()) and not any(s < m.end() and m.start() < e for s, e, _ in spans):
            n += 1
    return n


def scan_values(
    engine: ClassifierEngine,
    column: str,
    values: list[str | None],
    *,
    sample_values: int | None,
    min_share: float,
    counts: list[int] | None = None,
    regions: list[str | None] | None = None,
    free_text_share: float = FREE_TEXT_SHARE,
) -> ColumnEvidence:
    """Scan one column's values (nulls included) in one call; used by tests, benchmarks and the driver.

    ``regions`` gives each value's row country (sibling columns' values joined by ``|``).
    """
    sc = ColumnScanner(engine, column, sample_values=sample_values, min_share=min_share, free_text_share=free_text_share)
    if counts is None:
        keep = [i for i, v in enumerate(values) if v is not None]
        sc.add_nulls(len(values) - len(keep), len(values))
        sc.feed([values[i] for i in keep], None, None if regions is None else [regions[i] for i in keep])  # type: ignore[misc]
    else:
        nn = [(v, c) for v, c in zip(values, counts) if v is not None]
        nulls = sum(c for v, c in zip(values, counts) if v is None)
        sc.add_nulls(nulls, sum(counts))
        sc.feed([v for v, _ in nn], [c for _, c in nn])
    sc.ev.distinct = len(sc._seen) if not sc.ev.full else sc.ev.values_checked
    return sc.ev


def distinct_counter(values: list[str]) -> Counter[str]:
    """Count distinct values (helper for full mode)."""
    return Counter(values)
