"""The entity-span detector of the protect job: the classifier's Presidio engine, run in the executors.

``governance`` cannot import ``classification`` (dependency direction), so the protect job
builds this detector and hands it to :func:`governance.protection.apply.apply_plan`. It is
plain data (the recognizer config as JSON and the NLP tier), like the classifier's
``mapInPandas`` closure: each Python process builds the engine once through
:func:`classification.engine.get_engine` and keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from governance.protection.spans import Span

#: Texts handed to spaCy at once (its ``nlp.pipe`` batch).
NLP_BATCH = 64

_configs: dict[str, Any] = {}


@dataclass(frozen=True)
class PresidioSpanDetector:
    """Finds entity spans with the classifier's Presidio analyzer.

    Args:
        config_json: The validated ``conf/recognizers.yaml`` as JSON (``RecognizerConfig.model_dump_json()``).
        nlp: The NLP tier, ``no_op`` or ``spacy_small`` (``classification.nlp``).
    """

    config_json: str
    nlp: str

    @classmethod
    def from_settings(cls, settings: Any) -> "PresidioSpanDetector":
        """The detector for ``settings.recognizers`` and ``settings.classification.nlp``.

        Raises:
            ConfigError: A bad recognizer file (file, line, key).
        """
        from classification.registry import load_recognizer_config

        config = load_recognizer_config(settings.recognizers)
        return cls(config_json=config.model_dump_json(), nlp=str(settings.classification.nlp))

    def _engine(self) -> Any:
        from classification.engine import get_engine
        from classification.registry import RecognizerConfig

        config = _configs.get(self.config_json)
        if config is None:
            config = _configs[self.config_json] = RecognizerConfig.model_validate_json(self.config_json)
        return get_engine(config, nlp=self.nlp)  # type: ignore[arg-type]

    def supported_entities(self) -> frozenset[str]:
        """Every entity the analyzer can find on this NLP tier (builds the engine in this process).

        Raises:
            ConfigError: ``spacy_small`` without its model package installed.
        """
        return frozenset(self._engine().analyzer.get_supported_entities(language="en"))

    def detect(self, texts: Sequence[str], *, entities: Sequence[str] | None) -> list[list[Span]]:
        """Presidio's ``analyze`` on each text (spaCy runs over the batch first), as spans."""
        from classification.detect import NAME_SPAN_SCORE
        from classification.engine import LANGUAGE

        engine = self._engine()
        analyzer = engine.analyzer
        ents = list(entities) if entities is not None else None
        names = engine.name_checker if ents is None or "PERSON" in ents else None
        batch = list(texts)
        artifacts = analyzer.nlp_engine.process_batch(batch, language=LANGUAGE, batch_size=NLP_BATCH)
        out: list[list[Span]] = []
        for text, (seen, art) in zip(batch, artifacts, strict=True):
            # offsets must refer to the stored text itself: analyze it alone if the NLP engine changed it
            results = analyzer.analyze(text=text, language=LANGUAGE, entities=ents, nlp_artifacts=art if seen == text else None)
            spans = [Span(r.entity_type, int(r.start), int(r.end), float(r.score)) for r in results]
            if names is not None:
                # full names the small model misses ("Paid to Jana Nováková"); overlaps are resolved by the anonymizer
                spans += [Span("PERSON", s, e, NAME_SPAN_SCORE) for s, e in names.find_spans(text)
                          if not any(x.start < e and s < x.end and x.entity == "PERSON" for x in spans)]
            out.append(spans)
        return out
