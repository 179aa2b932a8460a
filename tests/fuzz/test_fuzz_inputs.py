"""Fuzz targets for untrusted input (hypothesis). Each is a normal pytest test with a small budget;
``python -m tests.fuzz.run --seconds N`` runs all of them again and again with fresh seeds for N seconds.

Every target asserts that bad input ends in a named Lakewarden error (or a clean result), never a
crash with another exception, a hang, or a value it must not reveal.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.errors import LakewardenError

FUZZ = settings(max_examples=int(os.environ.get("LAKEWARDEN_FUZZ_EXAMPLES", "150")), deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# YAML-ish text: real keys and structure characters, so the loaders get past the parser often.
_YAML_ATOMS = st.sampled_from([
    "lake:", "engine:", "keys:", "vault:", "url:", "kind:", "protection:", "tables:", "columns:", "retention:", "rules:",
    "holds:", "erasure:", "recognizers:", "patterns:", "regex:", "score:", "entity:", "name:", "action:", "match:",
    "age:", "older_than_days:", "  ", "    ", "- ", "\n", ": ", "{", "}", "[", "]", ",", "'", '"', "&a", "*a", "!!python/object:os.system",
    "null", "true", "1e309", "-1", "0x10", "embedded", "tokenize", "delete", "(a+)+$", "\t", "\\u0000", "%", "?", "|", ">",
])
yaml_text = st.one_of(st.text(max_size=400), st.lists(_YAML_ATOMS, max_size=60).map("".join))


def _write(text: str, suffix: str = ".yaml") -> Path:
    fd, name = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass") as fh:
        fh.write(text)
    return Path(name)


@FUZZ
@given(yaml_text)
def test_fuzz_yaml_loaders_fail_with_a_named_config_error_or_load(text: str) -> None:
    from classification.registry import load_recognizer_config
    from governance.config import load_settings
    from governance.policy import load_policy
    from retention.rules.model import load_retention_text

    try:
        p = _write(text)
    except UnicodeEncodeError:
        return
    try:
        for load in (lambda: load_settings(p, environ={}), lambda: load_policy(p), lambda: load_recognizer_config(p),
                     lambda: load_retention_text(text, source=str(p))):
            try:
                load()
            except LakewardenError as exc:
                assert str(exc) and exc.exit_code in (3, 4)
    finally:
        p.unlink()


_SENTINEL = "zq\u00a7"  # inside every value: an error that contains it echoed a value
_values = st.builds(lambda a, b: f"{a}{_SENTINEL}{b}", st.text(max_size=20), st.text(max_size=20))
_keys = st.one_of(st.sampled_from(["EMAIL_ADDRESS", "US_SSN", "PHONE_NUMBER", "PERSON", "customer_id", "email"]),
                  st.text(max_size=20).filter(lambda k: _SENTINEL not in k))


@FUZZ
@given(st.lists(st.one_of(_values, st.builds(lambda k, v: f"{k}={v}", _keys, _values)), max_size=5))
def test_fuzz_subject_parsing_never_echoes_a_value(pairs: list[str]) -> None:
    from retention.erasure.identifiers import parse_subject

    try:
        idents = parse_subject(pairs)
    except LakewardenError as exc:
        assert _SENTINEL not in str(exc), "an error message echoed an identifier's value"
        return
    for i in idents:
        assert repr(i) == f"Identifier(key={i.key!r}, value=<hidden>)"


_KEY = os.urandom(64)
_ENC_KEY = os.urandom(32)


@FUZZ
@given(st.text(min_size=1, max_size=40), st.integers(min_value=0, max_value=200), st.binary(min_size=1, max_size=3))
def test_fuzz_a_tampered_token_or_ciphertext_never_reveals_other_plaintext(plain: str, pos: int, junk: bytes) -> None:
    from governance.protection.transforms import EncryptTransform, Revealer, TokenTransform

    tok = TokenTransform(domain="pii", version=1, key=_KEY, code="s").apply([plain])[0]
    enc = EncryptTransform(key_id="k1", key=_ENC_KEY, code="s").apply([plain])[0]
    assert tok is not None and enc is not None
    for value in (tok, enc):
        i = pos % len(value)
        tampered = value[:i] + junk.decode("latin-1") + value[i + 1:]
        if tampered == value:
            continue
        rv = Revealer({"pii.1": _KEY}, {"k1": _ENC_KEY}, {})
        try:
            got = rv.reveal_one(tampered)
        except LakewardenError:
            continue
        # a tampered protected value fails (None) or, if it no longer looks protected, is passed through as is
        assert got is None or got == tampered or got == plain, "a tampered value revealed other plaintext"


_SPAN_ATOMS = st.sampled_from(["\u27e6", "\u27e7", "lw1:tok:pii.1:s:", "lw1:tok:pii.x:s:", "AAAA", ":", " ", "Anna", "-", "_"])


@FUZZ
@given(st.lists(st.one_of(st.text(max_size=8), _SPAN_ATOMS), max_size=30).map("".join), st.integers(min_value=0, max_value=300),
       st.text(max_size=3))
def test_fuzz_a_tampered_span_protected_value_never_reveals_other_plaintext(text: str, pos: int, junk: str) -> None:
    from governance.protection.spans import Span, SpanTransform
    from governance.protection.transforms import Revealer, TokenTransform

    class _Every:  # the whole text is one span, and so is its first word
        def detect(self, texts: list[str], *, entities: object) -> list[list[Span]]:
            return [[Span("PERSON", 0, len(t), 0.9), Span("LOCATION", 0, max(1, t.find(" ")), 0.5)] for t in texts]

    from governance.protection.codec import is_protected

    value = SpanTransform("token", _Every(), token=TokenTransform("pii", 1, _KEY, "s")).apply([text])[0]
    if is_protected(text) or not text.strip():
        assert value == text  # already protected, or nothing to look at: left as it is
        return
    assert value is not None and value.startswith("lw1:spn:pii.1:s:")
    rv = Revealer({"pii.1": _KEY}, {}, {})
    assert rv.reveal_one(value) == text
    i = pos % max(1, len(value))
    tampered = value[:i] + junk + value[i + 1:]
    got = rv.reveal_one(tampered)
    if got is None or got == text or got == tampered:
        return  # failed, still this text, or no longer protected and passed through as is
    # otherwise the tampered text around its tokens came back, and each token only as a piece of this text
    import re

    from governance.protection.codec import decode_spans

    marker = next(c for c in "\x00\x01\uffff\ufffe" if c not in tampered and c not in text)
    parts = decode_spans(tampered.split(":", 4)[4], lambda t: marker).split(marker)
    m = re.fullmatch("(.*?)".join(map(re.escape, parts)), got, re.S)
    assert m is not None and all(g in text for g in m.groups()), "a tampered span value revealed other plaintext"


@FUZZ
@given(st.text(max_size=120))
def test_fuzz_the_protected_value_codec_parses_or_refuses_by_name(text: str) -> None:
    from governance.protection.codec import is_protected, parse_value, split_domain_ref

    try:
        p = parse_value(text)
    except LakewardenError as exc:
        assert not is_protected(text) and str(exc) == "value is not in the lw1 protected format"  # never echoed
        return
    try:
        split_domain_ref(p.keyref)
    except LakewardenError:
        pass


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["", ".lz4", ".snappy", ".zstd", ".lzf"]),
       st.booleans(), st.booleans())
def test_fuzz_event_log_decoders_report_damage_instead_of_crashing(data: bytes, suffix: str, prefix: bool, complete: bool) -> None:
    from retention.usage.sources.spark_eventlog import read_event_lines

    if prefix:
        data = b'{"Event":"SparkListenerLogStart","Spark Version":"4.2.0"}\n' + data
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, f"app-1{suffix}")
        Path(path).write_bytes(data)
        batches = list(read_event_lines("app-1", path, complete=complete))
    stat = batches[-1][-1]
    assert stat[2] == "stat"


# Crafted long values against every recognizer's patterns (catastrophic backtracking).
_CRAFTED = [
    "1" * 10_000, "1-" * 5_000, "a" * 10_000, "a@" * 5_000, "@." * 5_000, "1 " * 5_000, "9" * 9_999 + "x",
    "4111 " * 2_000, "GB82" + "A" * 9_996, ("ab.cd." * 1_700)[:10_000], "(" * 5_000 + ")" * 5_000, ". " * 5_000,
    "user" + "_" * 9_990 + "@x.com", "+1 (" * 2_500, ("12-34-" * 1700)[:10_000], "\u00e9" * 10_000,
]


def test_every_recognizer_finishes_a_crafted_10kb_value_quickly() -> None:
    import time

    from classification.registry import build_pattern_recognizers, load_recognizer_config

    recognizers = build_pattern_recognizers(load_recognizer_config(Path(__file__).parents[2] / "conf" / "recognizers.yaml"))
    assert recognizers
    slow = []
    for r in recognizers:
        for value in _CRAFTED:
            t0 = time.monotonic()
            r.analyze(value, entities=r.supported_entities, nlp_artifacts=None)
            took = time.monotonic() - t0
            if took > 2.0:
                slow.append(f"{type(r).__name__} on {value[:12]!r}x{len(value)}: {took:.1f}s")
    assert not slow, slow



_S3_LINE = ('79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bank-lake [06/Feb/2026:00:00:38 +0000] 192.0.2.3 '
            'arn:aws:iam::123456789012:user/etl 3E57427F3EXAMPLE REST.GET.OBJECT prod/customers/part-0.parquet '
            '"GET /bank-lake/prod/customers/part-0.parquet HTTP/1.1" 200 - 1130 1130 7 6 "-" "lakewarden/1.0 Spark" - '
            's9lzHYrFp76ZVxRcpX9= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader bank-lake.s3.eu-west-1.amazonaws.com TLSv1.2')
_S3_JUNK = st.text(alphabet=st.sampled_from(list(' "[]-+:/\\.0123456789abcXYZ\t\u00e9\u2028%')), max_size=80)


def _mutate(line: str, cut: int, field: int, junk: str, repeat: int) -> str:
    parts = line.split(" ")
    i = field % len(parts)
    parts[i] = junk * (1 + repeat) if junk else parts[i]
    out = " ".join(parts)
    return out[: cut % (len(out) + 1)] if cut % 3 == 0 else out


@settings(FUZZ, max_examples=max(5, int(os.environ.get("LAKEWARDEN_FUZZ_EXAMPLES", "150")) // 10))
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40), _S3_JUNK, st.integers(0, 60)), min_size=1, max_size=25))
def test_fuzz_s3_access_log_lines_are_counted_never_crash_the_ingest(mutations: list[tuple[int, int, str, int]]) -> None:
    from governance.config import EngineSettings
    from governance.engine import get_session
    from retention.usage.sources.s3_access import S3AccessLogSource

    spark = get_session(EngineSettings(shuffle_partitions=2))  # the test suite's embedded session (one per process)
    lines = [_S3_LINE] + [_mutate(_S3_LINE, *m) for m in mutations]
    lines = [ln.replace("\n", " ").replace("\r", " ") for ln in lines]
    with tempfile.TemporaryDirectory() as d:
        Path(d, "2026-02-06-00-00-38-ABC").write_text("\n".join(lines) + "\n", encoding="utf-8")
        src = S3AccessLogSource(d)
        reads, stats = src.load(spark, src.discover(), staging=os.path.join(d, "_staging"))
        rows = reads.collect()
    assert stats.lines == len(lines) and 1 <= stats.events <= len(lines)
    assert all(r["location"].startswith("s3://") for r in rows)
