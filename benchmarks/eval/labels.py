"""Label sets, column kinds and the table container shared by every evaluation source."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

import pyarrow as pa

#: Entity labels a column can carry (the names Lakewarden uses; see conf/classification.yaml). ``None``: not personal.
ENTITIES = frozenset({
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "DATE_OF_BIRTH", "LOCATION",
    "IBAN_CODE", "CREDIT_CARD", "IP_ADDRESS", "SWIFT_CODE", "US_SSN", "US_ITIN", "US_PASSPORT",
    "US_DRIVER_LICENSE", "US_BANK_NUMBER", "ABA_ROUTING_NUMBER", "EMPLOYEE_ID",
})
#: Quasi-identifier labels (entity ``None``, but they narrow a person down in combination).
QUASI_IDENTIFIERS = frozenset({"country", "state", "postcode", "gender", "birth_year", "occupation"})
SOURCES = ("faker", "mimesis", "messy")


@dataclass(frozen=True)
class Kind:
    """How to make one column's values, and what the column truly is.

    ``fn(provider, rng)`` returns one value; ``provider`` is the row's Faker instance or Mimesis
    ``Generic`` (or a pair for the messy source), ``rng`` the table's ``random.Random``.
    """

    fn: Callable[[Any, random.Random], Any]
    entity: str | None = None
    qi: str | None = None
    typ: pa.DataType = field(default_factory=pa.string)
    free_text: bool = False


@dataclass
class EvalTable:
    """One generated evaluation table with the ground truth of every column."""

    name: str
    source: str
    split: str
    locales: tuple[str, ...]
    data: pa.Table
    labels: dict[str, str | None]
    quasi: dict[str, str | None]
    free_text: dict[str, bool]
    kinds: dict[str, str]

    @property
    def columns(self) -> list[str]:
        return list(self.data.column_names)


def build_table(*, name: str, source: str, split: str, locales: tuple[str, ...], rows: int, seed: int,
                spec: list[tuple[str, str, float]], kinds: dict[str, Kind],
                providers: list[Any], pick: Callable[[random.Random], int] | None = None) -> EvalTable:
    """Generate ``rows`` rows of ``spec`` (column name, kind name, null rate).

    Each row draws its provider (one locale) with ``pick`` (default: uniformly among ``providers``).
    """
    rng = random.Random(seed)
    pick = pick or (lambda r: r.randrange(len(providers)))
    values: dict[str, list[Any]] = {c: [] for c, _, _ in spec}
    for _ in range(rows):
        prov = providers[pick(rng)]
        for col, kind, null_rate in spec:
            v = kinds[kind].fn(prov, rng)
            if null_rate and rng.random() < null_rate:
                v = None
            values[col].append(v)
    arrays = {c: pa.array(values[c], kinds[k].typ) for c, k, _ in spec}
    return EvalTable(
        name=name, source=source, split=split, locales=locales, data=pa.table(arrays),
        labels={c: kinds[k].entity for c, k, _ in spec},
        quasi={c: kinds[k].qi for c, k, _ in spec},
        free_text={c: True for c, k, _ in spec if kinds[k].free_text},
        kinds={c: k for c, k, _ in spec},
    )


def with_name(sentence: str, name: str, rng: random.Random) -> str:
    """A memo that mentions a person: the name placed the way notes do (language-neutral punctuation)."""
    s = sentence.strip()
    style = rng.randrange(5)
    if style == 0:
        return f"{name}: {s}"
    if style == 1:
        return f"{s.rstrip('.')} ({name})."
    if style == 2:
        return f"{s} - {name}"
    if style == 3:
        return f"{s} / {name}, {rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}."
    return f"{name} - {s}"
