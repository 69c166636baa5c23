"""The file store in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, the clouds' own), on
django-storages' ``S3Storage``. Selected with ``GGZY_STORAGE_URL=s3://bucket/prefix?…``
(ggzy.core.storage_url; ADR 0032; docs/operations.md "File store (S3)").

What this adds to ``S3Storage``, and why:

* **Reads stream.** ``S3Storage`` downloads the whole object into a ``SpooledTemporaryFile`` when a
  file is opened, in memory unless ``max_memory_size`` is set — for a sealed bid of a few GB,
  opened by the opening hall just to read its header. Here ``open(name, "rb")`` returns a seekable
  reader that fetches byte ranges as they are read (one ranged GET per sequential run, re-opened
  on a seek or a dropped connection, pinned to the object's ETag so a replaced object fails
  instead of mixing versions). Memory: one read buffer.
* **Writes stream.** ``save`` goes through boto3's managed transfer: multipart above 8 MiB, parts
  of 8 MiB, at most four in memory — a 2 GB envelope is never held whole.
* **Names are never overwritten** (``file_overwrite=False``, as Django's file system storage):
  content-addressed blobs are written once; a PUT is atomic, so an object is complete or absent.
* **Errors say what happened**: a full bucket or quota → ``StorageFull`` (507), an unreachable or
  failing endpoint → ``StorageUnavailable`` (503), both with a Chinese message, instead of a
  botocore traceback. Bounded timeouts and retries, so /readyz answers quickly when the store is down
  (``GGZY_STORAGE_CONNECT_TIMEOUT`` / ``_READ_TIMEOUT`` / ``_MAX_ATTEMPTS``; a stream that times out
  is not resumed again and again: the store is stalled, the caller hears so after one read timeout).
* ``probe``: one LIST of at most one key, one attempt, a short read timeout — the pre-flight of
  ``ggzy backup`` / ``restore`` / the drill, so a stopped store fails them in seconds, before any work.
* Bulk helpers for the backup, the restore drill and the bid upload area: ``iter_names``,
  ``delete_prefix``, ``put_bytes`` (overwrite one small object), ``with_location``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import threading
from collections.abc import Iterator
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotoConnectionError
from django.core.exceptions import SuspiciousOperation
from django.core.files.base import File
from django.utils.deconstruct import deconstructible
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from ggzy.core.errors import StorageUnavailable
from ggzy.core.storage import storage_full

MiB = 1024 * 1024
READ_BUFFER = 1 * MiB
# Error codes that mean "no space": MinIO, Ceph RGW (and S3 gateways that copy their codes).
QUOTA_CODES = frozenset(
    {"QuotaExceeded", "XMinioStorageFull", "XMinioAdminBucketQuotaExceeded", "StorageFull"}
)
BUSY_CODES = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"})
STREAM_RETRIES = 3


def storage_unavailable() -> StorageUnavailable:
    return StorageUnavailable(
        "文件存储服务暂时无法访问，本次内容没有保存。请稍后重试；如持续出现，请联系交易中心。"
    )


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line, for command-line errors (botocore's messages may wrap)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """Translate botocore failures into the platform's storage errors (see the module docstring)."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        code = str(error.get("Code", ""))
        if code in QUOTA_CODES:
            raise storage_full() from exc
        if status >= 500 or code in BUSY_CODES:
            raise storage_unavailable() from exc
        raise
    except (BotoConnectionError, HTTPClientError) as exc:
        raise storage_unavailable() from exc


class ObjectReader(io.RawIOBase):
    """A seekable, read-only view of one object: ranged GETs, streamed (see the module docstring)."""

    def __init__(self, client: Any, bucket: str, key: str, *, size: int, etag: str | None) -> None:
        super().__init__()
        self._client, self._bucket, self._key = client, bucket, key
        self._size, self._etag = size, etag
        self._pos = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        target = base + offset
        if target < 0:
            raise ValueError("negative seek position")
        if target != self._pos:
            self._drop_body()
            self._pos = target
        return self._pos

    def _drop_body(self) -> None:
        if self._body is not None:
            with contextlib.suppress(Exception):
                self._body.close()
            self._body = None

    def _open_body(self) -> None:
        params: dict[str, Any] = {"Bucket": self._bucket, "Key": self._key, "Range": f"bytes={self._pos}-"}
        if self._etag:
            params["IfMatch"] = self._etag
        try:
            with storage_errors():
                self._body = self._client.get_object(**params)["Body"]
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 412:
                raise OSError(f"对象 {self._key} 在读取过程中被替换（ETag 不符）") from exc
            raise

    def readinto(self, buffer: Any) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        for attempt in range(STREAM_RETRIES + 1):
            if self._body is None:
                self._open_body()
            try:
                data = self._body.read(want)
            except ReadTimeoutError as exc:
                # The store stopped answering: botocore already waited read_timeout; resuming would
                # multiply that wait by STREAM_RETRIES x max_attempts (minutes per object).
                self._drop_body()
                raise storage_unavailable() from exc
            except (BotoCoreError, OSError) as exc:  # a dropped connection mid-stream: resume here
                self._drop_body()
                if attempt == STREAM_RETRIES:
                    raise storage_unavailable() from exc
                continue
            if not data:  # the server closed the stream early
                self._drop_body()
                if attempt == STREAM_RETRIES:
                    raise storage_unavailable()
                continue
            n = len(data)
            buffer[:n] = data
            self._pos += n
            return n
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self._drop_body()
        super().close()


class ObjectFile(File):
    """What ``S3FileStore.open(name, "rb")`` returns: Django's ``File`` over an ``ObjectReader``."""

    def __init__(self, file: Any, name: str, size: int, mode: str = "rb") -> None:
        super().__init__(file, name)
        self.mode = mode
        self._object_size = size

    @property
    def size(self) -> int:
        return self._object_size

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> ObjectFile:
        if self.closed:
            raise ValueError("the object reader is closed; open the name from the storage again")
        self.seek(0)
        return self


@deconstructible
class S3FileStore(S3Storage):
    """The platform's S3 file store (see the module docstring). Options beyond ``S3Storage``'s:
    ``checksums`` (``when_supported`` | ``when_required``: boto3's integrity checksums, which some
    older S3-compatible servers refuse), ``server_side_encryption``, ``sse_kms_key_id``,
    ``storage_class``, ``connect_timeout``, ``read_timeout``, ``max_attempts`` (every call, retries
    included) and ``probe_timeout`` (the read timeout of ``probe``)."""

    object_parameters: dict[str, Any]

    def get_default_settings(self) -> dict[str, Any]:
        defaults: dict[str, Any] = super().get_default_settings()
        defaults.update(
            {
                "file_overwrite": False,
                "max_memory_size": 8 * MiB,  # write-mode S3File spools to disk past this
                "checksums": "when_supported",
                "server_side_encryption": None,
                "sse_kms_key_id": None,
                "storage_class": None,
                "connect_timeout": 5,
                "read_timeout": 60,
                "max_attempts": 3,
                "probe_timeout": 10,
            }
        )
        return defaults

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if "client_config" not in settings:
            self.client_config = Config(
                s3={"addressing_style": self.addressing_style} if self.addressing_style else {},
                signature_version=self.signature_version,
                proxies=self.proxies,
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                retries={"total_max_attempts": self.max_attempts, "mode": "standard"},
                request_checksum_calculation=self.checksums,
                response_checksum_validation=self.checksums,
            )
        if "transfer_config" not in settings:
            transfer = TransferConfig(
                multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB, max_concurrency=4
            )
            transfer.max_in_memory_upload_chunks = 4
            self.transfer_config = transfer
        params = dict(self.object_parameters or {})
        if self.server_side_encryption:
            params.setdefault("ServerSideEncryption", self.server_side_encryption)
        if self.sse_kms_key_id:
            params.setdefault("SSEKMSKeyId", self.sse_kms_key_id)
        if self.storage_class:
            params.setdefault("StorageClass", self.storage_class)
        self.object_parameters = params

    # ---------------------------------------------------------------- what Django calls

    def _open(self, name: str, mode: str = "rb") -> File:
        if any(flag in mode for flag in "wa+"):
            with storage_errors():
                return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))
        client = self.connection.meta.client
        try:
            with storage_errors():
                head = client.head_object(Bucket=self.bucket_name, Key=key)
        except ClientError as err:
            if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        size = int(head["ContentLength"])
        raw = ObjectReader(client, self.bucket_name, key, size=size, etag=head.get("ETag"))
        stream: Any = io.BufferedReader(raw, buffer_size=READ_BUFFER)
        if "b" not in mode:
            stream = io.TextIOWrapper(stream, encoding="utf-8")
        return ObjectFile(stream, name, size, mode)

    def _save(self, name: str, content: Any) -> str:
        with storage_errors():
            return super()._save(name, content)

    def exists(self, name: str) -> bool:
        with storage_errors():
            return super().exists(name)

    def delete(self, name: str) -> None:
        with storage_errors():
            super().delete(name)

    def size(self, name: str) -> int:
        with storage_errors():
            return super().size(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        with storage_errors():
            return super().listdir(path)

    # ---------------------------------------------------------------- bulk helpers

    def _key_prefix(self, prefix: str) -> str:
        """The bucket key prefix of ``prefix`` (a name or a "folder/" relative to the store)."""
        rel = clean_name(prefix).lstrip("/") if prefix else ""
        if ".." in rel.split("/"):
            raise SuspiciousOperation(f"Attempted access to '{prefix}' denied.")
        root = str(self.location).strip("/")
        return f"{root}/{rel}" if root else rel

    def _relative(self, key: str) -> str:
        root = str(self.location).strip("/")
        return key[len(root) + 1 :] if root else key

    def iter_objects(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """``(name, size)`` of every object under ``prefix`` (names relative to the store's root),
        in key order: one LIST request per 1,000 objects instead of a walk of "directories"."""
        paginator = self.connection.meta.client.get_paginator("list_objects_v2")
        with storage_errors():
            for page in paginator.paginate(Bucket=self.bucket_name, Prefix=self._key_prefix(prefix)):
                for entry in page.get("Contents", ()):
                    yield self._relative(entry["Key"]), int(entry["Size"])

    def iter_names(self, prefix: str = "") -> Iterator[str]:
        for name, _size in self.iter_objects(prefix):
            yield name

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix`` (1,000 per request); returns how many."""
        if not prefix.strip("/"):
            raise ValueError("refusing to delete the whole store")
        client = self.connection.meta.client
        batch: list[dict[str, str]] = []
        count = 0

        def flush() -> None:
            nonlocal count
            if batch:
                with storage_errors():
                    client.delete_objects(Bucket=self.bucket_name, Delete={"Objects": batch, "Quiet": True})
                count += len(batch)
                batch.clear()

        paginator = client.get_paginator("list_objects_v2")
        with storage_errors():
            for page in paginator.paginate(Bucket=self.bucket_name, Prefix=self._key_prefix(prefix)):
                for entry in page.get("Contents", ()):
                    batch.append({"Key": entry["Key"]})
                    if len(batch) == 1000:
                        flush()
        flush()
        return count

    def put_bytes(self, name: str, data: bytes) -> None:
        """Write ``data`` under exactly ``name``, replacing what is there (one atomic PUT). Only
        for the bid upload area's parts; the content store never overwrites."""
        key = self._normalize_name(clean_name(name))
        params = self._get_write_parameters(key)
        with storage_errors():
            self.connection.meta.client.put_object(Bucket=self.bucket_name, Key=key, Body=data, **params)

    def with_location(self, location: str) -> S3FileStore:
        """The same bucket and connection options under another key prefix (the restore drill's
        scratch store)."""
        clone = copy.copy(self)
        clone.location = location.strip("/")
        clone._connections = threading.local()
        clone._unsigned_connections = threading.local()
        clone._bucket = None
        return clone

    def probe(self) -> None:
        """Pre-flight: is the bucket reachable, readable and there? One LIST of at most one key,
        one attempt, ``connect_timeout`` to connect and ``probe_timeout`` to answer (a stopped
        server fails at once, a stalled one within seconds). Raises ``StorageUnavailable`` whose
        message names the store and the reason (connection refused, timeout, NoSuchBucket,
        AccessDenied, missing credentials …)."""
        clone = copy.copy(self)
        clone.client_config = self.client_config.merge(
            Config(
                read_timeout=min(float(self.probe_timeout), float(self.read_timeout)),
                retries={"total_max_attempts": 1, "mode": "standard"},
            )
        )
        clone._connections = threading.local()
        clone._unsigned_connections = threading.local()
        clone._bucket = None
        try:
            clone.connection.meta.client.list_objects_v2(
                Bucket=self.bucket_name, Prefix=self._key_prefix(""), MaxKeys=1
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise StorageUnavailable(f"文件存储 {self.describe()} 返回错误：{code or one_line(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"文件存储 {self.describe()} 无法访问：{one_line(exc)}") from exc

    def describe(self) -> str:
        """Where the objects are, without secrets: ``s3://bucket/prefix @ endpoint``."""
        where = f"s3://{self.bucket_name}/{self.location}".rstrip("/")
        return f"{where} @ {self.endpoint_url or 'AWS'}"
