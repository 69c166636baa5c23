"""The S3 file store (ggzy.core.s3, ADR 0032) against a real S3 server on loopback (moto over HTTP):
what ``GGZY_STORAGE_URL`` means, stored files written, read back streamed and deleted, bulk
listing and deletion, and clear errors when the store is down."""

from __future__ import annotations

import hashlib
import io
import os
from typing import Any

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.http import FileResponse

from ggzy.core.errors import StorageUnavailable
from ggzy.core.s3 import S3FileStore
from ggzy.core.storage_url import StorageUrlError, describe, parse_storage_url
from ggzy.core.tests import s3server
from ggzy.core.tests.s3server import S3Server, S3Store, store_options

s3_server, s3_store = s3server.s3_server, s3server.s3_store  # the fixtures, for this module
pytestmark = pytest.mark.s3
MiB = 1024 * 1024


# ---------------------------------------------------------------- GGZY_STORAGE_URL


def test_storage_url_selects_s3_with_its_options() -> None:
    assert parse_storage_url("") is None  # the local file system
    entry = parse_storage_url(
        "s3://ggzy-files/prod/v1?endpoint_url=https://minio.internal:9000&region=cn-north-1"
        "&checksums=when_required&sse=aws:kms&kms_key_id=k-1&storage_class=STANDARD_IA&verify=false"
    )
    assert entry == {
        "BACKEND": "ggzy.core.s3.S3FileStore",
        "OPTIONS": {
            "bucket_name": "ggzy-files",
            "location": "prod/v1",
            "endpoint_url": "https://minio.internal:9000",
            "region_name": "cn-north-1",
            "checksums": "when_required",
            "server_side_encryption": "aws:kms",
            "sse_kms_key_id": "k-1",
            "storage_class": "STANDARD_IA",
            "verify": False,
            "addressing_style": "path",  # default with an endpoint (MinIO, Ceph RGW)
        },
    }
    aws = parse_storage_url("s3://bucket")
    assert aws is not None and aws["OPTIONS"] == {"bucket_name": "bucket", "location": ""}
    assert describe("s3://b/p?endpoint_url=http://127.0.0.1:9000") == "s3://b/p @ http://127.0.0.1:9000"
    assert describe("") == "local"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///srv/files", "只支持 s3://"),
        ("s3://AKIA:secret@bucket/p", "不能写访问密钥"),
        ("s3:///prefix", "缺少桶名"),
        ("s3://bucket/a/../b", "前缀无效"),
        ("s3://bucket/p?endpoint=http://x", "不认识参数"),
        ("s3://bucket/p?endpoint_url=ftp://x", "endpoint_url"),
        ("s3://bucket/p?addressing_style=sideways", "addressing_style"),
        ("s3://bucket/p?kms_key_id=k", "sse=aws:kms"),
    ],
)
def test_bad_storage_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(StorageUrlError, match=reason):
        parse_storage_url(url)


# ---------------------------------------------------------------- the store itself


@pytest.mark.django_db
def test_stored_file_round_trip_through_the_bucket(s3_store: S3Store) -> None:
    from ggzy.publishing.services.files import stored_file_put

    pdf = b"%PDF-1.7\n" + os.urandom(200_000) + b"\n%%EOF\n"
    stored = stored_file_put(name="招标文件.pdf", content=io.BytesIO(pdf))
    sha = hashlib.sha256(pdf).hexdigest()
    assert stored.path == f"blobs/{sha[:2]}/{sha}"
    # the bytes are in the bucket under the store's prefix, exactly (read with boto3 directly)
    assert s3_store.objects() == {f"live/{stored.path}": len(pdf)}
    assert s3_store.get(f"live/{stored.path}") == pdf
    # and read back through Django's storage API, as the download views do
    with default_storage.open(stored.path, "rb") as fh:
        assert fh.size == len(pdf)
        assert fh.read() == pdf
    # the same bytes again: the same row, no second object
    assert stored_file_put(name="copy.pdf", content=io.BytesIO(pdf)).pk == stored.pk
    assert len(s3_store.objects()) == 1
    # names are never overwritten: another save under the name gets a new name
    other = default_storage.save(stored.path, ContentFile(b"other"))
    assert other != stored.path and s3_store.get(f"live/{stored.path}") == pdf
    default_storage.delete(other)
    default_storage.delete(stored.path)
    assert not default_storage.exists(stored.path) and s3_store.objects() == {}
    with pytest.raises(FileNotFoundError):
        default_storage.open(stored.path, "rb")


def test_large_objects_stream_in_both_directions(s3_store: S3Store) -> None:
    data = os.urandom(18 * MiB + 12345)
    name = default_storage.save("blobs/big/object", File(io.BytesIO(data)))
    assert name == "blobs/big/object"
    head = s3_store.client.head_object(Bucket=s3_store.bucket, Key="live/blobs/big/object")
    assert head["ContentLength"] == len(data)
    assert "-" in head["ETag"]  # a multipart upload: the body was sent in parts, not in one buffer
    with default_storage.open(name, "rb") as fh:
        assert fh.read(16) == data[:16]
        fh.seek(10 * MiB + 7)
        buf = bytearray(3 * MiB)
        assert fh.readinto(buf) == len(buf)
        assert bytes(buf) == data[10 * MiB + 7 : 13 * MiB + 7]
        fh.seek(-5, io.SEEK_END)
        assert fh.read() == data[-5:]
        fh.seek(0)
        digest = hashlib.sha256()
        for chunk in fh.chunks(MiB):
            digest.update(chunk)
        assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    # the download views hand the opened file to FileResponse: length known, body streamed
    handle = default_storage.open(name, "rb")
    response = FileResponse(handle, as_attachment=True, filename="bid.pdf")
    assert response["Content-Length"] == str(len(data))
    assert b"".join(response.streaming_content) == data  # type: ignore[arg-type]
    handle.close()


def test_an_object_replaced_while_being_read_is_an_error_not_a_mix(s3_store: S3Store) -> None:
    first = os.urandom(3 * MiB)
    default_storage.save("blobs/x/replaced", ContentFile(first))
    with default_storage.open("blobs/x/replaced", "rb") as fh:
        assert fh.read(MiB) == first[:MiB]
        s3_store.client.put_object(Bucket=s3_store.bucket, Key="live/blobs/x/replaced", Body=b"B" * (3 * MiB))
        fh.seek(2 * MiB)  # a new ranged read, pinned to the first version's ETag
        with pytest.raises(OSError, match="被替换"):
            fh.read(10)


def test_listing_deleting_and_scratch_prefixes(s3_store: S3Store) -> None:
    store: Any = default_storage
    for name in (
        "blobs/aa/1",
        "blobs/bb/2",
        "bid-uploads/t1/000000000000000",
        "bid-uploads/t1/000000000000005",
    ):
        store.save(name, ContentFile(b"12345"))
    assert list(store.iter_names()) == [
        "bid-uploads/t1/000000000000000",
        "bid-uploads/t1/000000000000005",
        "blobs/aa/1",
        "blobs/bb/2",
    ]
    assert dict(store.iter_objects("blobs/")) == {"blobs/aa/1": 5, "blobs/bb/2": 5}
    store.put_bytes("bid-uploads/t1/000000000000005", b"replaced")  # overwrite in place
    assert store.size("bid-uploads/t1/000000000000005") == len(b"replaced")
    assert store.delete_prefix("bid-uploads/t1/") == 2
    assert sorted(s3_store.objects()) == ["live/blobs/aa/1", "live/blobs/bb/2"]
    with pytest.raises(ValueError, match="whole store"):
        store.delete_prefix("")
    scratch = store.with_location("live/.drill/x")
    scratch.save("blobs/aa/1", ContentFile(b"copy"))
    assert s3_store.get("live/.drill/x/blobs/aa/1") == b"copy"
    assert "live/blobs/aa/1" in s3_store.objects() and scratch.describe().startswith(
        f"s3://{s3_store.bucket}/live/.drill/x @ http://127.0.0.1:"
    )


def test_a_stopped_store_is_a_clear_error(s3_server: S3Server) -> None:
    own = S3Server()  # stopped below; the session's server stays up for the other tests
    bucket = own.make_bucket()
    store = S3FileStore(**store_options(own, bucket, "live"))
    store.save("blobs/aa/1", ContentFile(b"x"))
    own.stop()
    for attempt in (
        lambda: store.save("blobs/aa/2", ContentFile(b"y")),
        lambda: store.open("blobs/aa/1", "rb"),
        lambda: store.exists("blobs/aa/1"),
        lambda: list(store.iter_names()),
    ):
        with pytest.raises(StorageUnavailable) as info:
            attempt()
        assert info.value.http_status == 503 and "文件存储服务暂时无法访问" in info.value.message
