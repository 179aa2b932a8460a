"""One filesystem layer for everything Lakewarden reads or writes outside the engine.

Listing tables, reading the Delta log, committing, writing receipts and keyrings, reading event and
access logs, and the every-byte verification scans all go through :func:`storage_for`, on a local
lake or on S3 (and S3-compatible stores). Reads, writes and listings use ``pyarrow.fs`` (ranged
reads of Parquet included); what ``pyarrow.fs`` cannot do is done with ``boto3``: put-if-absent
(``If-None-Match: *``), object versions, and deleting one version by its id.

Credentials come from the standard AWS chain (environment, shared profile, web-identity or
instance role), never from Lakewarden's settings. ``storage.s3`` only names where the store is
(``endpoint_url`` for S3-compatible stores, ``region``, ``path_style``).

URLs: Lakewarden writes ``s3://bucket/key`` everywhere; ``s3a://`` and ``s3n://`` given by a user are
the same object (:func:`canonical`), and :func:`engine_url` gives classic Spark its ``s3a://``.
"""

from __future__ import annotations

import io
import ipaddress
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, model_validator

from governance.errors import InputError, StoragePermissionError, StorageUnavailableError

if TYPE_CHECKING:
    import pyarrow

_S3_SCHEMES = ("s3://", "s3a://", "s3n://")


class S3Settings(BaseModel):
    """Where an S3 lake's store is. Credentials are not here: the AWS chain provides them.

    Attributes:
        endpoint_url: An S3-compatible store (MinIO, Ceph, R2 ...); unset means AWS S3
            (``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` in the environment are honoured too).
        region: The bucket's region (``AWS_REGION`` otherwise).
        path_style: ``https://host/bucket/key`` requests instead of ``https://bucket.host/key``;
            most S3-compatible stores need it.
        allow_http: Plain HTTP to the endpoint; refused unless the endpoint is on loopback.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint_url: str | None = None
    region: str | None = None
    path_style: bool = False
    allow_http: bool = False

    @model_validator(mode="after")
    def _http_only_to_loopback(self) -> "S3Settings":
        if self.endpoint_url and self.endpoint_url.startswith("http://"):
            host = urlparse(self.endpoint_url).hostname or ""
            if not self.allow_http:
                raise ValueError(f"endpoint_url {self.endpoint_url!r} is plain HTTP: use https, or set allow_http: true for a store on loopback")
            if not _loopback(host):
                raise ValueError(f"endpoint_url {self.endpoint_url!r}: plain HTTP is allowed to loopback only (credentials would cross the network unencrypted)")
        return self

    def resolved_endpoint(self) -> str | None:
        """The endpoint URL from the settings or the standard AWS variables (None: AWS S3)."""
        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None

    def path_style_requests(self) -> bool:
        """Path-style requests: asked for, or implied by a custom endpoint (S3-compatible stores)."""
        return self.path_style or bool(self.resolved_endpoint())

    def resolved_region(self) -> str:
        return self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class StorageSettings(BaseModel):
    """Object-store settings (``storage:`` in ``conf/lakewarden.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    s3: S3Settings = S3Settings()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_config = StorageSettings()
_lock = threading.Lock()
_stores: dict[tuple[str, str], "Storage"] = {}


def configure(settings: StorageSettings) -> None:
    """Use ``settings`` for every object store opened from now on, engines included.

    The embedded engine (Sail) and delta-rs read the standard AWS variables, so the endpoint,
    region and path style are exported to this process's environment (never credentials).
    """
    global _config
    with _lock:
        if settings != _config:
            _stores.clear()
        _config = settings
    s3 = settings.s3
    endpoint = s3.resolved_endpoint()
    if endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        os.environ["AWS_ENDPOINT_URL_S3"] = endpoint
        if endpoint.startswith("http://"):
            os.environ["AWS_ALLOW_HTTP"] = "true"
    if s3.region:
        os.environ["AWS_REGION"] = s3.region
    os.environ["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] = "false" if s3.path_style_requests() else "true"
    # delta-rs commits with If-None-Match (put-if-absent): two writers cannot both take one version.
    os.environ["AWS_CONDITIONAL_PUT"] = "etag"


def forget_clients() -> None:
    """Drop the cached store clients: the next use reads the credentials chain again (a new role)."""
    with _lock:
        _stores.clear()


def current() -> StorageSettings:
    """The storage settings in force (:func:`configure`)."""
    return _config


def is_s3(path: str) -> bool:
    """True for ``s3://``, ``s3a://`` and ``s3n://`` URLs."""
    return path.startswith(_S3_SCHEMES)


def canonical(path: str) -> str:
    """``s3a://b/k`` and ``s3n://b/k`` -> ``s3://b/k``; anything else unchanged."""
    for scheme in _S3_SCHEMES[1:]:
        if path.startswith(scheme):
            return "s3://" + path[len(scheme):]
    return path


def engine_url(path: str, *, kind: str) -> str:
    """The URL an engine reads: ``s3a://`` for classic Spark (hadoop-aws), ``s3://`` for the others."""
    path = canonical(path)
    if kind == "classic" and path.startswith("s3://"):
        return "s3a://" + path[len("s3://"):]
    return path


def split_s3(url: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` -> ``("bucket", "a/b")``."""
    rest = canonical(url)[len("s3://"):]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise InputError(f"{url}: an S3 URL needs a bucket (s3://bucket/prefix)")
    return bucket, key


def delta_rs_options() -> dict[str, str]:
    """``storage_options`` for delta-rs: endpoint, region, and safe commits by conditional put."""
    s3 = _config.s3
    opts = {"AWS_REGION": s3.resolved_region(), "AWS_CONDITIONAL_PUT": "etag"}
    endpoint = s3.resolved_endpoint()
    if endpoint:
        opts["AWS_ENDPOINT_URL"] = endpoint
        if endpoint.startswith("http://"):
            opts["AWS_ALLOW_HTTP"] = "true"
    opts["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] = "false" if s3.path_style_requests() else "true"
    return opts


def hadoop_s3a_conf() -> dict[str, str]:
    """``spark.hadoop.fs.s3a.*`` settings for classic Spark (credentials: hadoop-aws's default AWS chain)."""
    s3 = _config.s3
    conf = {"spark.hadoop.fs.s3a.endpoint.region": s3.resolved_region()}
    endpoint = s3.resolved_endpoint()
    if endpoint:
        conf["spark.hadoop.fs.s3a.endpoint"] = endpoint
        conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] = "false" if endpoint.startswith("http://") else "true"
    if s3.path_style_requests():
        conf["spark.hadoop.fs.s3a.path.style.access"] = "true"
    return conf


@dataclass(frozen=True)
class FileEntry:
    """One file (local) or current object (S3)."""

    path: str
    size: int
    mtime_s: float | None


@dataclass(frozen=True)
class ObjectVersion:
    """One version of an object, or a delete marker, in a versioned bucket."""

    path: str
    version_id: str
    size: int
    is_latest: bool
    delete_marker: bool


class Storage(ABC):
    """Files of one store, addressed by local path or ``s3://`` URL."""

    @abstractmethod
    def list_files(self, prefix: str, *, recursive: bool = True) -> list[FileEntry]:
        """Files under ``prefix`` (a folder); empty when it does not exist."""

    @abstractmethod
    def list_dirs(self, prefix: str) -> list[str]:
        """Immediate sub-folders of ``prefix`` (full paths)."""

    @abstractmethod
    def read_bytes(self, path: str) -> bytes:
        """The whole file. Raises FileNotFoundError."""

    @abstractmethod
    def open_input(self, path: str) -> "pyarrow.NativeFile":
        """A random-access file (Parquet readers use ranged reads on it)."""

    @abstractmethod
    def write_bytes(self, path: str, data: bytes) -> None:
        """Create or replace ``path`` (atomic: readers see the old or the new file)."""

    @abstractmethod
    def put_if_absent(self, path: str, data: bytes) -> bool:
        """Create ``path`` only if nothing is there; False when something already was."""

    @abstractmethod
    def entry(self, path: str) -> FileEntry | None:
        """The file (or object) at ``path`` with its size and time; None when there is none."""

    @abstractmethod
    def exists(self, path: str) -> bool:
        """True when a file (or, locally, a folder) is at ``path``."""

    @abstractmethod
    def delete(self, path: str) -> None:
        """Delete one file (a no-op when it is gone)."""

    def delete_prefix(self, prefix: str) -> int:
        """Delete every file under the folder ``prefix``; returns how many there were."""
        files = self.list_files(prefix)
        for e in files:
            self.delete(e.path)
        return len(files)

    @abstractmethod
    def rename(self, src: str, dst: str) -> None:
        """Move one file (S3: server-side copy, then delete)."""

    @abstractmethod
    def versioning(self, path: str) -> Literal["none", "enabled", "suspended"]:
        """Whether the store keeps old versions of objects under ``path``."""

    @abstractmethod
    def versions(self, prefix: str) -> list[ObjectVersion]:
        """Every version and delete marker under ``prefix`` (local disks keep none)."""

    @abstractmethod
    def delete_version(self, version: ObjectVersion) -> None:
        """Delete one version permanently. Raises StoragePermissionError when the role may not."""


class LocalStorage(Storage):
    """A local (or mounted) file system."""

    def list_files(self, prefix: str, *, recursive: bool = True) -> list[FileEntry]:
        root = Path(_local(prefix))
        if not root.is_dir():
            return []
        it: Iterator[Path] = root.rglob("*") if recursive else root.iterdir()
        out = []
        for p in it:
            try:
                if p.is_file():
                    st = p.stat()
                    out.append(FileEntry(str(p), st.st_size, st.st_mtime))
            except OSError:
                continue  # removed while listing
        return sorted(out, key=lambda e: e.path)

    def list_dirs(self, prefix: str) -> list[str]:
        root = Path(_local(prefix))
        return sorted(str(p) for p in root.iterdir() if p.is_dir()) if root.is_dir() else []

    def read_bytes(self, path: str) -> bytes:
        return Path(_local(path)).read_bytes()

    def open_input(self, path: str) -> "pyarrow.NativeFile":
        import pyarrow as pa

        return pa.OSFile(_local(path), "rb")

    def write_bytes(self, path: str, data: bytes) -> None:
        import uuid

        p = Path(_local(path))
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, p)

    def put_if_absent(self, path: str, data: bytes) -> bool:
        import uuid

        p = Path(_local(path))
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        try:
            os.link(tmp, p)  # fails if the name exists: put-if-absent on a POSIX file system
            return True
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)

    def entry(self, path: str) -> FileEntry | None:
        p = Path(_local(path))
        try:
            st = p.stat()
        except OSError:
            return None
        return FileEntry(str(p), st.st_size, st.st_mtime) if p.is_file() else None

    def exists(self, path: str) -> bool:
        return Path(_local(path)).exists()

    def delete(self, path: str) -> None:
        Path(_local(path)).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        import shutil

        n = len(self.list_files(prefix))
        shutil.rmtree(_local(prefix), ignore_errors=True)
        return n

    def rename(self, src: str, dst: str) -> None:
        Path(_local(dst)).parent.mkdir(parents=True, exist_ok=True)
        os.replace(_local(src), _local(dst))

    def versioning(self, path: str) -> Literal["none", "enabled", "suspended"]:
        return "none"

    def versions(self, prefix: str) -> list[ObjectVersion]:
        return [ObjectVersion(e.path, "", e.size, True, False) for e in self.list_files(prefix)]

    def delete_version(self, version: ObjectVersion) -> None:
        self.delete(version.path)


class S3Storage(Storage):
    """An S3 bucket (or an S3-compatible store), through pyarrow.fs and boto3."""

    def __init__(self, settings: S3Settings) -> None:
        from pyarrow import fs

        self.settings = settings
        endpoint = settings.resolved_endpoint()
        kwargs: dict[str, Any] = {"region": settings.resolved_region()}
        if endpoint:
            parsed = urlparse(endpoint)
            kwargs["endpoint_override"] = parsed.netloc
            kwargs["scheme"] = parsed.scheme or "https"
        kwargs["force_virtual_addressing"] = not settings.path_style_requests()
        self.fs = fs.S3FileSystem(**kwargs)
        import boto3
        from botocore.config import Config

        # A session of its own: boto3's default session keeps the first credentials it resolved.
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name=settings.resolved_region(),
            config=Config(s3={"addressing_style": "path" if settings.path_style_requests() else "virtual"},
                          retries={"mode": "standard", "max_attempts": 5}),
        )

    @staticmethod
    def _key(path: str) -> str:
        b, k = split_s3(path)
        return f"{b}/{k}".rstrip("/")

    def list_files(self, prefix: str, *, recursive: bool = True) -> list[FileEntry]:
        from pyarrow import fs

        try:
            infos = self.fs.get_file_info(fs.FileSelector(self._key(prefix), recursive=recursive, allow_not_found=True))
        except OSError as exc:
            raise _s3_error(exc, prefix) from None
        return sorted(
            (FileEntry("s3://" + i.path, i.size or 0, i.mtime.timestamp() if i.mtime else None)
             for i in infos if i.type == fs.FileType.File),
            key=lambda e: e.path,
        )

    def list_dirs(self, prefix: str) -> list[str]:
        from pyarrow import fs

        try:
            infos = self.fs.get_file_info(fs.FileSelector(self._key(prefix), recursive=False, allow_not_found=True))
        except OSError as exc:
            raise _s3_error(exc, prefix) from None
        return sorted("s3://" + i.path for i in infos if i.type == fs.FileType.Directory)

    def read_bytes(self, path: str) -> bytes:
        try:
            with self.fs.open_input_stream(self._key(path)) as f:
                return bytes(f.read())
        except FileNotFoundError:
            raise
        except OSError as exc:
            if "NoSuchKey" in str(exc) or "does not exist" in str(exc) or "Path does not exist" in str(exc):
                raise FileNotFoundError(path) from None
            raise _s3_error(exc, path) from None

    def open_input(self, path: str) -> "pyarrow.NativeFile":
        try:
            return self.fs.open_input_file(self._key(path))
        except OSError as exc:
            raise _s3_error(exc, path) from None

    def write_bytes(self, path: str, data: bytes) -> None:
        bucket, key = split_s3(path)
        self._call("put_object", path, Bucket=bucket, Key=key, Body=data)

    def put_if_absent(self, path: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        bucket, key = split_s3(path)
        try:
            self.client.put_object(Bucket=bucket, Key=key, Body=data, IfNoneMatch="*")
            return True
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (409, 412):
                return False
            raise _client_error(exc, path) from None

    def entry(self, path: str) -> FileEntry | None:
        from pyarrow import fs

        try:
            i = self.fs.get_file_info(self._key(path))
        except OSError as exc:
            raise _s3_error(exc, path) from None
        if i.type != fs.FileType.File:
            return None
        return FileEntry("s3://" + i.path, i.size or 0, i.mtime.timestamp() if i.mtime else None)

    def exists(self, path: str) -> bool:
        from pyarrow import fs

        try:
            return self.fs.get_file_info(self._key(path)).type != fs.FileType.NotFound
        except OSError as exc:
            raise _s3_error(exc, path) from None

    def delete(self, path: str) -> None:
        bucket, key = split_s3(path)
        self._call("delete_object", path, Bucket=bucket, Key=key)

    def rename(self, src: str, dst: str) -> None:
        sb, sk = split_s3(src)
        db, dk = split_s3(dst)
        self._call("copy_object", dst, Bucket=db, Key=dk, CopySource={"Bucket": sb, "Key": sk})
        self._call("delete_object", src, Bucket=sb, Key=sk)

    def versioning(self, path: str) -> Literal["none", "enabled", "suspended"]:
        bucket, _ = split_s3(path)
        status = self._call("get_bucket_versioning", path, Bucket=bucket).get("Status")
        return "enabled" if status == "Enabled" else "suspended" if status == "Suspended" else "none"

    def versions(self, prefix: str) -> list[ObjectVersion]:
        bucket, key = split_s3(prefix)
        pfx = key.rstrip("/") + "/" if key else ""
        out: list[ObjectVersion] = []
        try:
            for page in self.client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=pfx):
                for v in page.get("Versions", []):
                    out.append(ObjectVersion(f"s3://{bucket}/{v['Key']}", v.get("VersionId") or "null", int(v.get("Size") or 0), bool(v.get("IsLatest")), False))
                for m in page.get("DeleteMarkers", []):
                    out.append(ObjectVersion(f"s3://{bucket}/{m['Key']}", m.get("VersionId") or "null", 0, bool(m.get("IsLatest")), True))
        except Exception as exc:  # noqa: BLE001 - botocore raises ClientError and transport errors
            raise _client_error(exc, prefix) from None
        return sorted(out, key=lambda v: (v.path, v.version_id))

    def delete_version(self, version: ObjectVersion) -> None:
        bucket, key = split_s3(version.path)
        self._call("delete_object", version.path, Bucket=bucket, Key=key, VersionId=version.version_id)

    def read_version(self, version: ObjectVersion) -> bytes:
        """The bytes of one (possibly noncurrent) version."""
        bucket, key = split_s3(version.path)
        extra = {} if version.version_id in ("", "null") else {"VersionId": version.version_id}
        body = self._call("get_object", version.path, Bucket=bucket, Key=key, **extra)["Body"]
        return bytes(body.read())

    def open_version(self, version: ObjectVersion) -> "_RangedObject":
        """A seekable file over one version of an object, read by HTTP ranges (Parquet footers and chunks)."""
        bucket, key = split_s3(version.path)
        return _RangedObject(self, bucket, key, version.version_id, version.size)

    def _call(self, op: str, path: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, op)(**kwargs)
        except Exception as exc:  # noqa: BLE001
            raise _client_error(exc, path, op=op) from None


class _RangedObject(io.RawIOBase):
    """A read-only, seekable view of one object version; every read is one ranged GET."""

    def __init__(self, store: S3Storage, bucket: str, key: str, version_id: str, size: int) -> None:
        super().__init__()
        self._store, self._bucket, self._key, self._size = store, bucket, key, size
        self._version = None if version_id in ("", "null") else version_id
        self._pos = 0
        self.requests = 0
        self.fetched = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int = -1) -> bytes:
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        if end <= self._pos:
            return b""
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Key": self._key, "Range": f"bytes={self._pos}-{end - 1}"}
        if self._version:
            kwargs["VersionId"] = self._version
        data = bytes(self._store._call("get_object", f"s3://{self._bucket}/{self._key}", **kwargs)["Body"].read())
        self.requests += 1
        self.fetched += len(data)
        self._pos += len(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def _client_error(exc: BaseException, path: str, *, op: str = "") -> Exception:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("AccessDenied", "AllAccessDisabled", "Forbidden", "403"):
            return StoragePermissionError(f"{path}: the store refused {op or 'the request'} (AccessDenied): the role Lakewarden runs as lacks the permission; see the README's IAM table")
        if code in ("NoSuchKey", "404", "NotFound"):
            return FileNotFoundError(path)
        if code == "NoSuchBucket":
            return InputError(f"{path}: bucket does not exist")
        return StorageUnavailableError(f"{path}: {op or 'request'} failed: {code or type(exc).__name__}")
    return StorageUnavailableError(f"{path}: {op or 'request'} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")


def _s3_error(exc: OSError, path: str) -> Exception:
    text = str(exc)
    if "ACCESS_DENIED" in text or "AccessDenied" in text or "403" in text:
        return StoragePermissionError(f"{path}: the store refused access (AccessDenied): the role Lakewarden runs as lacks the permission")
    return StorageUnavailableError(f"{path}: {text.splitlines()[0][:300] if text else type(exc).__name__}")


def _local(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


def storage_for(path: str) -> Storage:
    """The store that holds ``path`` (local path or ``s3://`` URL), opened once per process.

    Raises:
        InputError: A URL scheme this build cannot reach (``abfss://``, ``gs://`` ...).
    """
    if not ("://" in path and not path.startswith("file://")):
        key = ("local", "")
    elif is_s3(path):
        key = ("s3", _config.s3.model_dump_json())
    else:
        raise InputError(f"{path}: object store scheme {path.split('://')[0]}:// is not supported yet (s3:// and local paths are)")
    with _lock:
        st = _stores.get(key)
        if st is None:
            st = LocalStorage() if key[0] == "local" else S3Storage(_config.s3)
            _stores[key] = st
        return st
