"""S3 server access logs (hand-written lines, modelled on the AWS documented log format), read from
a local folder and from a bucket of a real MinIO server.

The keys name objects of the generated lake through a path alias (``s3://bank-lake/prod`` ->
the local lake root), so mapping to tables and partitions is checked against real Delta tables.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from governance.config import Settings
from governance.errors import InputError
from governance.maintenance import DeltaRsMaintenance
from retention.usage.ingest import ingest
from retention.usage.sources.s3_access import S3AccessLogSource
from retention.usage.store import read_usage
from tests.fixtures.eventlogs import RealEventLogs
from tests.fixtures.s3_logs import access_log_line

def _line(time: str, req: str, op: str, key: str, status: str, sent: str, agent: str, requester: str = "arn:aws:iam::123:user/analyst") -> str:
    return access_log_line("bank-lake", time, req, op, key, status, sent, agent, requester)


def _part_file(lake: Path, partition: str) -> tuple[str, int]:
    f = next(f for f in DeltaRsMaintenance().files(str(lake / "payments")) if f.partition_values.get("country") == partition)
    rel = f.path[len(str(lake)) + 1:]
    return rel.replace("=", "%3D"), f.size_bytes


@pytest.fixture()
def settings(real_eventlogs: RealEventLogs) -> Settings:
    s = Settings.model_validate({"lake": {"root": str(real_eventlogs.lake), "system_dir": "_lw_s3"}})
    shutil.rmtree(s.system_root, ignore_errors=True)
    yield s
    shutil.rmtree(s.system_root, ignore_errors=True)


@pytest.mark.parametrize("where", ["local", "s3"])
def test_s3_access_log_get_requests_become_reads_of_tables_and_partitions(
        spark: Any, real_eventlogs: RealEventLogs, settings: Settings, tmp_path: Path, where: str, request: pytest.FixtureRequest) -> None:
    lake = real_eventlogs.lake
    de_key, de_size = _part_file(lake, "DE")
    fr_key, _ = _part_file(lake, "FR")
    lines = [
        _line("06/Nov/2026:10:00:01", "REQ1", "REST.GET.OBJECT", f"prod/{de_key}", "200", str(de_size), "aws-sdk-java/1.12 spark"),
        _line("06/Nov/2026:10:00:02", "REQ2", "REST.GET.OBJECT", f"prod/{fr_key}", "206", "4096", "aws-sdk-java/1.12 spark"),
        _line("06/Nov/2026:10:00:03", "REQ3", "REST.HEAD.OBJECT", f"prod/{fr_key}", "200", "-", "aws-cli/2"),
        _line("06/Nov/2026:10:00:04", "REQ4", "REST.GET.OBJECT", "prod/payments/_delta_log/00000000000000000000.json", "200", "900", "aws-sdk-java/1.12 spark"),
        _line("06/Nov/2026:10:00:05", "REQ5", "REST.GET.OBJECT", "other/extract/part-0.parquet", "200", "77", "aws-cli/2"),
        _line("06/Nov/2026:10:00:06", "REQ6", "REST.GET.OBJECT", f"prod/{de_key}", "200", str(de_size), "lakewarden/0.1 classify", "arn:aws:iam::123:role/lw"),
        _line("06/Nov/2026:10:00:07", "REQ7", "REST.GET.OBJECT", f"prod/{de_key}", "403", "-", "aws-cli/2"),
        "this line is not an access log record",
    ]
    logs = tmp_path / "s3logs"
    logs.mkdir()
    (logs / "2026-11-06-10-00-00-ABCDEF").write_text("\n".join(lines) + "\n")
    where_logs = str(logs) if where == "local" else request.getfixturevalue("s3").upload(logs)  # read from a bucket
    src = S3AccessLogSource(where_logs)
    result = ingest(spark, settings, [src], maintenance=DeltaRsMaintenance(), aliases=[("s3://bank-lake/prod", str(lake))])
    [sr] = result.sources
    assert sr.stats is not None and (sr.stats.lines, sr.stats.malformed, sr.stats.events) == (8, 1, 5)
    assert sr.by_status == {"present": 3, "delta_log": 1, "outside_lake": 1}
    rows = sorted((r.user, r.kind, r.table, tuple(r.partitions), r.bytes_read, r.columns) for r in read_usage(spark, settings).collect())
    assert rows == [
        ("arn:aws:iam::123:role/lw", "governance", "payments", ("country=DE",), de_size, None),
        ("arn:aws:iam::123:user/analyst", "business", "payments", ("country=DE",), de_size, None),
        ("arn:aws:iam::123:user/analyst", "business", "payments", ("country=FR",), 4096, None),
    ]
    again = ingest(spark, settings, [S3AccessLogSource(where_logs)], maintenance=DeltaRsMaintenance(), aliases=[("s3://bank-lake/prod", str(lake))], full=True)
    assert again.reads_new == 0


def test_s3_access_log_path_that_does_not_exist_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        S3AccessLogSource(str(tmp_path / "nope")).discover()


def test_a_damaged_byte_count_or_time_reads_as_null_instead_of_failing_the_ingest(spark: Any, tmp_path: Path) -> None:
    # found by tests/fuzz: a non-numeric bytes field failed the whole ingest on a cast (ANSI mode)
    from tests.fuzz.test_fuzz_inputs import _S3_LINE

    good = _S3_LINE
    bad_bytes = good.replace(" 1130 1130 ", ' 11"X][ 1130 ')
    bad_time = good.replace("06/Feb/2026:00:00:38", "06/Xyz/2026:00:00:38")
    d = tmp_path / "s3logs"
    d.mkdir()
    (d / "2026-02-06-00-00-38-ABC").write_text("\n".join([good, bad_bytes, bad_time]) + "\n", encoding="utf-8")
    src = S3AccessLogSource(str(d))
    reads, stats = src.load(spark, src.discover(), staging=str(tmp_path / "staging"))
    rows = sorted(reads.collect(), key=lambda r: (r["bytes_read"] is None, r["read_time"] is None))
    assert stats.lines == 3 and len(rows) == 3
    assert rows[0]["bytes_read"] == 1130 and rows[0]["read_time"] is not None
    assert sum(r["bytes_read"] is None for r in rows) == 1 and sum(r["read_time"] is None for r in rows) == 1
