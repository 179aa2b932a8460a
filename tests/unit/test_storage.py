"""The storage layer's URL rules, settings and local put-if-absent (no server needed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance import storage
from governance.config import load_settings
from governance.errors import ConfigError, InputError


@pytest.fixture(autouse=True)
def _default_storage() -> Iterator[None]:
    saved = dict(os.environ)
    storage.configure(storage.StorageSettings())
    yield
    os.environ.clear()
    os.environ.update(saved)
    storage.configure(storage.StorageSettings())


def test_s3a_and_s3n_urls_name_the_same_object_as_s3() -> None:
    assert storage.canonical("s3a://bank/lake/t") == "s3://bank/lake/t"
    assert storage.canonical("s3n://bank/lake/t") == "s3://bank/lake/t"
    assert storage.canonical("/data/lake/t") == "/data/lake/t"


def test_classic_spark_gets_s3a_and_the_other_engines_s3() -> None:
    assert storage.engine_url("s3://bank/lake/t", kind="classic") == "s3a://bank/lake/t"
    assert storage.engine_url("s3a://bank/lake/t", kind="embedded") == "s3://bank/lake/t"
    assert storage.engine_url("/data/t", kind="classic") == "/data/t"


def test_an_s3_url_without_a_bucket_is_an_input_error() -> None:
    with pytest.raises(InputError, match="needs a bucket"):
        storage.split_s3("s3:///lake")


def test_an_unsupported_object_store_scheme_is_named() -> None:
    with pytest.raises(InputError, match="abfss:// is not supported"):
        storage.storage_for("abfss://c@acct.dfs.core.windows.net/lake")


def test_plain_http_endpoint_is_refused_unless_allowed_and_on_loopback() -> None:
    with pytest.raises(ValueError, match="plain HTTP"):
        storage.S3Settings(endpoint_url="http://127.0.0.1:9000")
    with pytest.raises(ValueError, match="loopback only"):
        storage.S3Settings(endpoint_url="http://minio.bank.internal:9000", allow_http=True)
    assert storage.S3Settings(endpoint_url="http://localhost:9000", allow_http=True).allow_http
    assert storage.S3Settings(endpoint_url="https://minio.bank.internal").endpoint_url


def test_storage_settings_in_yaml_fail_at_load_with_the_key_path(tmp_path: Path) -> None:
    cfg = tmp_path / "lw.yaml"
    cfg.write_text("storage:\n  s3:\n    endpoint: https://minio.bank.internal\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"storage\.s3\.endpoint"):
        load_settings(cfg, environ={})
    cfg.write_text("storage:\n  s3:\n    endpoint_url: https://minio.bank.internal\n    path_style: true\n", encoding="utf-8")
    s = load_settings(cfg, environ={})
    assert s.storage.s3.endpoint_url == "https://minio.bank.internal" and s.storage.s3.path_style


def test_engines_get_the_endpoint_and_conditional_put_but_never_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-lakewarden")
    for k in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ALLOW_HTTP", "AWS_CONDITIONAL_PUT"):
        monkeypatch.delenv(k, raising=False)
    storage.configure(storage.StorageSettings(s3=storage.S3Settings(endpoint_url="https://s3.bank.internal", path_style=True)))

    assert os.environ["AWS_ENDPOINT_URL"] == "https://s3.bank.internal" and os.environ["AWS_CONDITIONAL_PUT"] == "etag"
    rs = storage.delta_rs_options()
    assert rs["AWS_CONDITIONAL_PUT"] == "etag" and rs["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] == "false"
    hadoop = storage.hadoop_s3a_conf()
    assert hadoop["spark.hadoop.fs.s3a.endpoint"] == "https://s3.bank.internal"
    assert hadoop["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert hadoop["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "true"
    assert not any("not-for-lakewarden" in v for v in [*rs.values(), *hadoop.values()])


def test_local_put_if_absent_keeps_the_first_writer(tmp_path: Path) -> None:
    st = storage.storage_for(str(tmp_path))
    target = str(tmp_path / "_delta_log" / "00000000000000000001.json")
    assert st.put_if_absent(target, b"first\n")
    assert not st.put_if_absent(target, b"second\n")
    assert Path(target).read_bytes() == b"first\n"
    assert [e.path for e in st.list_files(str(tmp_path))] == [target]  # no temporary file left behind


def test_hadoop_aws_matches_the_hadoop_client_jars_pyspark_ships() -> None:
    from pathlib import Path as P

    import pyspark

    from governance.engine import hadoop_aws_package

    jar = next((P(pyspark.__file__).parent / "jars").glob("hadoop-client-api-*.jar"))
    assert hadoop_aws_package() == f"org.apache.hadoop:hadoop-aws:{jar.stem.removeprefix('hadoop-client-api-')}"


def test_an_s3a_lake_root_is_read_as_s3_so_every_engine_and_log_names_one_url() -> None:
    from governance.config import Settings

    s = Settings.model_validate({"lake": {"root": "s3a://bank-lake/prod/"}})
    assert s.lake.root == "s3://bank-lake/prod"
    assert s.system_table("audit") == "s3://bank-lake/prod/_lakewarden/audit"
