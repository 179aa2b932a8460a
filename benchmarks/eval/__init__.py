"""Evaluation tables for column classification built from third-party data (not written by the team).

Three sources, four splits:

- ``faker``: values from Faker's locale data sets (several locales);
- ``mimesis``: values from Mimesis's locale data sets (several locales), an independent second source;
- ``messy``: an export derived from both with real-world mess (Excel-mangled numbers, mixed date
  formats, stray whitespace, upper-case names, empty strings and nulls).

``dev`` is the split to tune on; ``test`` is held out (other locales, other seeds, other table
layouts and column names); ``tune2`` (test locales, dev layouts) and ``tune3`` (locales, layouts and
column names of its own) are tuning splits too. See :mod:`benchmarks.eval.generate` and
``benchmarks/classify_eval.py``.
"""

from benchmarks.eval.generate import SPLITS, generate, write
from benchmarks.eval.labels import ENTITIES, QUASI_IDENTIFIERS, SOURCES, EvalTable

__all__ = ["ENTITIES", "QUASI_IDENTIFIERS", "SOURCES", "SPLITS", "EvalTable", "generate", "write"]
