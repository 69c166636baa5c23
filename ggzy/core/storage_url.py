"""``GGZY_STORAGE_URL``: where the file store lives, as one URL (pure: no Django, read by settings).

Empty (the default): the local file system under ``GGZY_MEDIA_ROOT``. Otherwise an S3-compatible
bucket, optionally with a key prefix, and the connection options as query parameters::

    s3://ggzy-files/prod?endpoint_url=https://minio.internal:9000&region=cn-north-1

Credentials never go in the URL (it is printed in logs and error messages): they come from the
standard ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` environment variables (or any other
source boto3 reads: a profile, an instance role). docs/operations.md "File store (S3)";
ADR 0032.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

S3_BACKEND = "ggzy.core.s3.S3FileStore"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
ADDRESSING = ("auto", "path", "virtual")
CHECKSUMS = ("when_supported", "when_required")


class StorageUrlError(ValueError):
    """The URL cannot describe a file store; the message says why (for ImproperlyConfigured)."""


def _bool_or_path(value: str) -> bool | str:
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return value  # a CA bundle to verify the endpoint's certificate with


def parse_storage_url(url: str) -> dict[str, Any] | None:
    """The ``STORAGES["default"]`` entry for ``url`` (``None`` for the local file system)."""
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise StorageUrlError(f"GGZY_STORAGE_URL 只支持 s3://bucket/prefix，不支持 {parts.scheme or url!r}")
    if parts.username or parts.password:
        raise StorageUrlError(
            "GGZY_STORAGE_URL 里不能写访问密钥：请用环境变量 AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"
        )
    bucket = parts.hostname or ""
    if not bucket or parts.port is not None:
        raise StorageUrlError("GGZY_STORAGE_URL 缺少桶名：s3://bucket/prefix")
    prefix = parts.path.strip("/")
    if prefix and any(seg in ("", ".", "..") for seg in prefix.split("/")):
        raise StorageUrlError(f"GGZY_STORAGE_URL 的前缀无效：{parts.path!r}")
    options: dict[str, Any] = {"bucket_name": bucket, "location": prefix}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "endpoint_url":
            endpoint = urlsplit(value)
            if endpoint.scheme not in ("http", "https") or not endpoint.hostname:
                raise StorageUrlError(f"endpoint_url 应为 http(s)://host[:port]，不是 {value!r}")
            options["endpoint_url"] = value
        elif key == "region":
            options["region_name"] = value
        elif key == "addressing_style":
            if value not in ADDRESSING:
                raise StorageUrlError(f"addressing_style 只能是 {'/'.join(ADDRESSING)}")
            options["addressing_style"] = None if value == "auto" else value
        elif key == "verify":
            options["verify"] = _bool_or_path(value)
        elif key == "checksums":
            if value not in CHECKSUMS:
                raise StorageUrlError(f"checksums 只能是 {'/'.join(CHECKSUMS)}")
            options["checksums"] = value
        elif key == "sse":
            options["server_side_encryption"] = value
        elif key == "kms_key_id":
            options["sse_kms_key_id"] = value
        elif key == "storage_class":
            options["storage_class"] = value
        else:
            raise StorageUrlError(f"GGZY_STORAGE_URL 不认识参数 {key!r}")
    if "endpoint_url" in options:
        # S3-compatible servers (MinIO, Ceph RGW, …) answer on one host name: path-style by default,
        # and a region is still needed to sign requests.
        options.setdefault("addressing_style", "path")
        options.setdefault("region_name", "us-east-1")
    if "sse_kms_key_id" in options and options.get("server_side_encryption") != "aws:kms":
        raise StorageUrlError("kms_key_id 需要 sse=aws:kms")
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def describe(url: str) -> str:
    """A short, secret-free description for logs and the readiness page."""
    entry = parse_storage_url(url)
    if entry is None:
        return "local"
    o = entry["OPTIONS"]
    where = f"s3://{o['bucket_name']}/{o['location']}".rstrip("/")
    return f"{where} @ {o.get('endpoint_url', 'AWS')}"
