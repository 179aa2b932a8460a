"""Classification on real Delta tables through the embedded Sail session: accuracy, nested
columns, partitions, Parquet folders, full scans, and bad input."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from benchmarks.labelled.generate import NLP_ONLY, write
from classification.registry import load_recognizer_config
from classification.scan import classify_table
from governance.config import Settings
from governance.errors import NotADeltaTableError, TableNotFoundError
from governance.maintenance import get_maintenance
from governance.risk import load_classification_policy

pytestmark = pytest.mark.both_engines

REPO = Path(__file__).parents[2]
CONFIG = load_recognizer_config(REPO / "conf" / "recognizers.yaml")
POLICY = load_classification_policy(REPO / "conf" / "classification.yaml")
MAINT = get_maintenance(Settings())


def _classify(spark: Any, path: str, *, nlp: str = "no_op", sample_rows: int = 200, full: bool = False):  # type: ignore[no-untyped-def]
    return classify_table(spark, path, name=Path(path).name, config=CONFIG, policy=POLICY, nlp=nlp,  # type: ignore[arg-type]
                          sample_rows=sample_rows, min_share=0.5, full=full, maintenance=MAINT)


def _by_name(result: Any) -> dict[str, Any]:
    return {c.name: c for c in result.columns}


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Any, str]]:
    return write(tmp_path_factory.mktemp("labelled"), rows=300, seed=3)


@pytest.mark.parametrize("nlp", ["no_op", "spacy_small"])
def test_labelled_lake_accuracy_at_least_95_percent_and_no_non_personal_flagged(spark: Any, labelled: list[tuple[Any, str]], nlp: str) -> None:
    pairs = []
    for table, path in labelled:
        for col in _classify(spark, path, nlp=nlp).columns:
            label = table.labels[col.name]
            if nlp == "no_op" and label in NLP_ONLY:
                continue
            pairs.append((f"{table.name}.{col.name}", label, col.entity))
    wrong = [p for p in pairs if p[1] != p[2]]
    assert 1 - len(wrong) / len(pairs) >= 0.95, wrong
    assert not [p for p in pairs if p[1] is None and p[2] is not None]


def test_json_shape_fields_are_present(spark: Any, labelled: list[tuple[Any, str]]) -> None:
    res = _classify(spark, labelled[1][1]).to_dict()
    assert res["delta_version"] == 0 and res["rows_sampled"] > 0
    col = res["columns"][0]
    assert set(col) >= {"name", "entity", "entities", "confidence", "sensitivity", "reviewed", "evidence"}
    assert 0.0 <= col["confidence"] <= 1.0


def test_nested_columns_are_classified_by_leaf_path_and_binary_is_skipped(spark: Any, tmp_path: Path) -> None:
    n = 60
    data = pa.table({
        "id": list(range(n)),
        "address": pa.array([{"street": f"{10 + i} Oak Street", "zip": f"{10000 + i}"} for i in range(n)]),
        "emails": pa.array([[f"u{i}@example.com", f"v{i}@example.org"] for i in range(n)]),
        "blob": pa.array([bytes([0xFF, 0xFE, i % 256]) for i in range(n)], pa.binary()),
    })
    path = str(tmp_path / "nested")
    write_deltalake(path, data)
    cols = _by_name(_classify(spark, path))
    assert cols["address.street"].entity == "STREET_ADDRESS"
    assert cols["address.zip"].entity is None
    assert cols["emails[]"].entity == "EMAIL_ADDRESS"
    assert cols["blob"].entity is None and any("binary" in n for n in cols["blob"].evidence["notes"])


def test_partition_columns_come_from_the_log_and_files_are_picked(spark: Any, tmp_path: Path) -> None:
    n = 400
    data = pa.table({
        "country_code": [["DE", "FR", "US", "GB"][i % 4] for i in range(n)],
        "email": [f"user{i}@example.com" for i in range(n)],
        "amount": [i * 1.5 for i in range(n)],
    })
    path = str(tmp_path / "parted")
    write_deltalake(path, data, partition_by=["country_code"])
    write_deltalake(path, data, partition_by=["country_code"], mode="append")
    res = _classify(spark, path, sample_rows=50)
    cols = _by_name(res)
    assert res.files_total == 8 and res.files_read is not None and res.files_read < 8
    assert cols["email"].entity == "EMAIL_ADDRESS" and cols["amount"].entity is None
    assert cols["country_code"].entity is None and "partition column" in " ".join(cols["country_code"].evidence["notes"])


def test_parquet_folder_is_accepted_as_a_legacy_table(spark: Any, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    folder = tmp_path / "legacy"
    folder.mkdir()
    pq.write_table(pa.table({"mail": [f"a{i}@example.com" for i in range(50)]}), folder / "part-0.parquet")
    res = _classify(spark, str(folder))
    assert res.format == "parquet" and res.delta_version is None and res.columns[0].entity == "EMAIL_ADDRESS"


def test_full_scan_reports_exact_match_counts(spark: Any, tmp_path: Path) -> None:
    data = pa.table({"contact": [f"u{i}@example.com" for i in range(70)] + ["n/a"] * 25 + [None] * 5})
    path = str(tmp_path / "full")
    write_deltalake(path, data)
    col = _classify(spark, path, full=True).columns[0]
    assert col.entity == "EMAIL_ADDRESS"
    assert col.evidence["match_counts"] == {"EMAIL_ADDRESS": 70} and col.evidence["nulls"] == 5 and col.evidence["full_scan"]


# ------------------------------------------------------------------------------ bad input
def test_empty_table_gives_verdicts_with_a_note(spark: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "empty")
    write_deltalake(path, pa.table({"email": pa.array([], pa.string()), "n": pa.array([], pa.int64())}))
    res = _classify(spark, path)
    assert res.rows_sampled == 0 and [c.entity for c in res.columns] == [None, None]
    assert any("no rows" in n for n in res.notes)


def test_all_null_column_gives_a_verdict(spark: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "nulls")
    write_deltalake(path, pa.table({"fax": pa.array([None] * 40, pa.string()), "email": [f"x{i}@example.com" for i in range(40)]}))
    cols = _by_name(_classify(spark, path))
    assert cols["fax"].entity is None and cols["fax"].evidence["nulls"] == 40
    assert cols["email"].entity == "EMAIL_ADDRESS"


def test_one_megabyte_strings_are_cut_inside_spark(spark: Any, tmp_path: Path) -> None:
    big = ["y" * 1_000_000 + f" owner{i}@example.com" for i in range(5)]
    path = str(tmp_path / "big")
    write_deltalake(path, pa.table({"payload": big, "email": [f"z{i}@example.com" for i in range(5)]}))
    cols = _by_name(_classify(spark, path))
    assert cols["payload"].entity is None
    assert any("first characters" in n for n in cols["payload"].evidence["notes"])
    assert cols["email"].entity == "EMAIL_ADDRESS"


def test_non_utf8_bytes_give_a_verdict(spark: Any, tmp_path: Path) -> None:
    raw = [b"\xff\xfe\x00caf\xe9 " + str(i).encode() for i in range(30)]
    latin = [b"Jos\xe9 M\xfcller".decode("latin-1") + f" {i}@example.com" for i in range(30)]
    path = str(tmp_path / "bytes")
    write_deltalake(path, pa.table({"raw": pa.array(raw, pa.binary()), "decoded": latin}))
    cols = _by_name(_classify(spark, path))
    assert cols["raw"].entity is None and cols["decoded"].entity == "EMAIL_ADDRESS"


def test_missing_path_is_table_not_found(spark: Any, tmp_path: Path) -> None:
    with pytest.raises(TableNotFoundError, match="does not exist"):
        _classify(spark, str(tmp_path / "nope"))


def test_folder_without_a_table_is_not_a_delta_table(spark: Any, tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "readme.txt").write_text("x")
    with pytest.raises(NotADeltaTableError):
        _classify(spark, str(tmp_path / "junk"))


def test_table_written_concurrently_is_classified_at_one_version(spark: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "busy")
    batch = pa.table({"email": [f"w{i}@example.com" for i in range(200)], "amount": [float(i) for i in range(200)]})
    write_deltalake(path, batch)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            while not stop.is_set():
                write_deltalake(path, batch, mode="append")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        results = [_classify(spark, path, sample_rows=50) for _ in range(3)]
    finally:
        stop.set()
        t.join(timeout=30)
    assert not errors
    for res in results:
        assert res.delta_version is not None
        assert _by_name(res)["email"].entity == "EMAIL_ADDRESS" and _by_name(res)["amount"].entity is None


def test_column_names_with_spaces_dots_and_backticks(spark: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "names")
    emails = [f"q{i}@example.com" for i in range(30)]
    write_deltalake(path, pa.table({"e mail": emails, "a.b": emails, "we`ird": [float(i) for i in range(30)]}))
    cols = _by_name(_classify(spark, path))
    assert cols["e mail"].entity == "EMAIL_ADDRESS" and cols["a.b"].entity == "EMAIL_ADDRESS" and cols["we`ird"].entity is None


def _international_table(n: int) -> pa.Table:
    import random
    from datetime import date, timedelta

    rng = random.Random(5)
    surnames = ["Novák", "Svoboda", "Dvořák", "Černá", "Procházková", "Silva", "Ferreira", "Gonçalves", "Dubois", "Lefèvre",
                "Kowalski", "Wiśniewska", "Müller", "Schröder", "Rossi", "Bianchi", "Jansen", "de Vries", "Nielsen", "Virtanen"]
    phones = {"351": lambda: f"2{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
              "420": lambda: f"60{rng.randint(2, 8)} {rng.randint(100, 999)} {rng.randint(100, 999)}"}
    codes = [rng.choice(["351", "420"]) for _ in range(n)]
    start = date(1940, 1, 1)
    return pa.table({
        "MothersMaidenName": [rng.choice(surnames) for _ in range(n)],
        "CountryCode": codes,
        "TelephoneNumber": [phones[c]() for c in codes],
        "field_07": [str(start + timedelta(days=rng.randrange(365 * 62))) for _ in range(n)],
        "created_at": [str(date(2024, 1, 1) + timedelta(days=rng.randrange(700))) for _ in range(n)],
        "Country": [rng.choice(["Portugal", "Česko", "France", "Polska", "Deutschland", "Italia", "Jordan", "Chad"]) for _ in range(n)],
    })


def test_international_identities_are_found_by_the_profilers_and_countries_are_quasi_identifiers(spark: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "intl")
    write_deltalake(path, _international_table(600))
    cols = _by_name(_classify(spark, path, sample_rows=300))
    assert cols["MothersMaidenName"].entity == "PERSON"
    assert cols["TelephoneNumber"].entity == "PHONE_NUMBER"  # read in the row's country (CountryCode)
    assert cols["field_07"].entity == "DATE_OF_BIRTH" and cols["created_at"].entity is None
    assert cols["Country"].entity is None and cols["Country"].quasi_identifier == "country"
    assert cols["CountryCode"].entity is None


def test_full_scan_reads_phone_numbers_with_the_row_country_too(spark: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "intl_full")
    write_deltalake(path, _international_table(300))
    cols = _by_name(_classify(spark, path, full=True))
    assert cols["TelephoneNumber"].entity == "PHONE_NUMBER" and cols["TelephoneNumber"].evidence["full_scan"]
