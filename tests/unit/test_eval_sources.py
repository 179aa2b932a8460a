"""The third-party evaluation tables (benchmarks/eval): deterministic, held-out split apart, every column labelled."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.eval import ENTITIES, QUASI_IDENTIFIERS, SOURCES, SPLITS, generate
from benchmarks.eval.generate import locale_tag

ROWS = 40


@pytest.fixture(scope="module")
def tables():
    return {split: generate(split, rows=ROWS) for split in SPLITS}


def test_generation_is_deterministic(tables):
    for split, first in tables.items():
        again = generate(split, rows=ROWS)
        assert [t.name for t in again] == [t.name for t in first]
        for a, b in zip(first, again):
            assert a.data.equals(b.data), f"{split}/{a.name} differs between two runs"
            assert (a.labels, a.quasi, a.free_text) == (b.labels, b.quasi, b.free_text)


def _digest(tables_by_split) -> str:
    h = hashlib.sha256()
    for split in sorted(tables_by_split):
        for t in tables_by_split[split]:
            h.update(repr((t.name, t.data.to_pydict())).encode())
    return h.hexdigest()


def test_generation_does_not_depend_on_the_hash_seed(tables):
    # a set's order follows PYTHONHASHSEED: a value drawn from one would change between processes
    code = ("import hashlib; from benchmarks.eval import SPLITS, generate; "
            "from tests.unit.test_eval_sources import _digest, ROWS; "
            "print(_digest({s: generate(s, rows=ROWS) for s in SPLITS}))")
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == _digest(tables)


def test_generation_does_not_depend_on_the_day_it_runs(tables, monkeypatch):
    # Faker draws day names and some user names' years up to datetime.now(): pinned in faker_for
    import datetime as dt

    class _Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2031, 5, 17, 13, 45, tzinfo=tz)

    monkeypatch.setattr("faker.providers.date_time.datetime", _Later)
    assert _digest({s: generate(s, rows=ROWS) for s in SPLITS}) == _digest(tables)


def test_one_source_alone_gives_the_same_table(tables):
    # --only-source must not change a table: each table is seeded on its own
    alone = generate("dev", rows=ROWS, sources=("mimesis",))
    same = [t for t in tables["dev"] if t.source == "mimesis"]
    assert [t.name for t in alone] == [t.name for t in same]
    assert all(a.data.equals(b.data) for a, b in zip(alone, same))


def test_splits_share_no_locale_seed_or_table():
    dev, test = SPLITS["dev"], SPLITS["test"]
    dev_tags = {locale_tag(x) for x in dev.faker_locales + dev.mimesis_locales}
    test_tags = {locale_tag(x) for x in test.faker_locales + test.mimesis_locales}
    assert not dev_tags & test_tags
    assert dev.seed != test.seed


def test_tables_use_only_their_split_locales(tables):
    for split, ts in tables.items():
        allowed = set(SPLITS[split].faker_locales + SPLITS[split].mimesis_locales)
        for t in ts:
            assert set(t.locales) <= allowed, t.name
    assert not {t.name for t in tables["dev"]} & {t.name for t in tables["test"]}


def test_every_column_has_an_allowed_label(tables):
    for split, ts in tables.items():
        assert {t.source for t in ts} == set(SOURCES)
        columns = 0
        not_personal = 0
        for t in ts:
            assert t.data.num_rows == ROWS
            assert 15 <= len(t.columns) <= 27, f"{t.name}: {len(t.columns)} columns"
            assert set(t.labels) == set(t.columns) == set(t.quasi) == set(t.kinds)
            for c in t.columns:
                ent, qi = t.labels[c], t.quasi[c]
                assert ent is None or ent in ENTITIES, f"{t.name}.{c}: {ent}"
                assert qi is None or qi in QUASI_IDENTIFIERS, f"{t.name}.{c}: {qi}"
                assert not (ent and qi), f"{t.name}.{c}: a quasi-identifier column has entity None"
                assert set(t.free_text) <= set(t.columns)
            columns += len(t.columns)
            not_personal += sum(1 for c in t.columns if t.labels[c] is None)
        assert not_personal * 3 >= columns, f"{split}: {not_personal} of {columns} columns not personal"


def test_free_text_columns_both_with_and_without_names(tables):
    for split, ts in tables.items():
        labels = {t.labels[c] for t in ts for c in t.free_text}
        assert labels == {"PERSON", None}, split


def _norm(column: str) -> str:
    """A column name compared loosely: lower case, letters and digits only (``Post_Code`` is ``postcode``)."""
    return "".join(ch for ch in column.lower() if ch.isalnum())


@pytest.mark.parametrize("split", ["tune3", "tune4", "tune5"])
def test_later_tuning_splits_have_layouts_of_their_own(tables, split):
    # tune3, tune4 and tune5 check that tuning generalizes to unseen column names: none of the test split's, none of another's
    mine = {_norm(c) for t in tables[split] for c in t.columns}
    for other in tables:
        if other == split:
            continue
        assert not mine & {_norm(c) for t in tables[other] for c in t.columns}, other
        assert not {t.name for t in tables[split]} & {t.name for t in tables[other]}, other


@pytest.mark.parametrize("split", ["tune3", "tune4"])
def test_later_tuning_splits_share_no_locale_or_seed_with_another_split(split):
    t3 = SPLITS[split]
    t3_tags = {locale_tag(x) for x in t3.faker_locales + t3.mimesis_locales}
    for name, sp in SPLITS.items():
        if name in (split, "tune5"):  # tune5 reuses tuning locales on purpose: it varies the column names only
            continue
        assert not t3_tags & {locale_tag(x) for x in sp.faker_locales + sp.mimesis_locales}, name
        assert sp.seed != t3.seed, name
    # no two splits share a locale and seed pair
    pairs = [p for sp in SPLITS.values() for p in {(locale_tag(x), sp.seed) for x in sp.faker_locales + sp.mimesis_locales}]
    assert len(pairs) == len(set(pairs))


def test_tune3_words_drop_the_names_of_its_locales():
    from benchmarks.eval import words

    t3 = SPLITS["tune3"]
    assert (t3.faker_locales, t3.mimesis_locales) == (words.TUNE3_FAKER_LOCALES, words.TUNE3_MIMESIS_LOCALES)
    assert "gut" not in {w.lower() for w in words.faker_words("de_AT")}  # a de_AT surname
    t4 = SPLITS["tune4"]
    assert (t4.faker_locales, t4.mimesis_locales) == (words.TUNE4_FAKER_LOCALES, words.TUNE4_MIMESIS_LOCALES)


def test_tune4_holds_the_kinds_the_other_tuning_splits_lack(tables):
    tuned = {k for s in ("dev", "tune2", "tune3") for t in tables[s] for k in t.kinds.values()}
    new = {k for t in tables["tune4"] for k in t.kinds.values()} - tuned
    assert {"url", "weekday", "file_name", "isbn13", "amount_text"} <= new


def test_tune3_phone_columns_with_and_without_a_calling_code_sibling(tables):
    def kinds(t):
        return set(t.kinds.values())

    phone_tables = [t for t in tables["tune3"] if any(t.labels[c] == "PHONE_NUMBER" for c in t.columns)]
    assert any("calling_code" in kinds(t) for t in phone_tables)
    assert any("calling_code" not in kinds(t) for t in phone_tables)


def test_held_out_splits_share_no_column_name_or_table_with_a_tuning_split():
    tuning = ("dev", "tune2", "tune3", "tune4", "tune5")
    seen_columns = {c.lower() for s in tuning for t in generate(s, rows=5) for c in t.columns}
    seen_tables = {t.name for s in tuning for t in generate(s, rows=5)}
    for held_out in ("test2", "test3"):
        ts = generate(held_out, rows=5)
        assert not {c.lower() for t in ts for c in t.columns} & seen_columns, held_out
        assert not {t.name for t in ts} & seen_tables, held_out
