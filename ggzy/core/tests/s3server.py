"""A real S3-compatible server on loopback for the tests of the S3 file store (ADR 0032).

moto's ``ThreadedMotoServer`` is a third-party S3 implementation speaking the S3 REST protocol
over real HTTP on 127.0.0.1 (a werkzeug server in a thread of the test process): the store under
test goes through boto3, signing, multipart uploads, ranged GETs and XML errors exactly as with
MinIO or AWS, and a child ``ggzy`` process reaches it too. Nothing leaves the machine.

Import the fixtures into a test module::

    from ggzy.core.tests.s3server import s3_server, s3_store  # noqa: F401
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

ACCESS_KEY = "ggzy-test-access"
SECRET_KEY = "ggzy-test-secret-0123456789"  # moto accepts any credentials
REGION = "us-east-1"


class S3Server:
    """moto's S3 over HTTP on a free loopback port; ``stop`` also closes the listening socket, so
    clients get "connection refused" (as with a stopped MinIO), not a hang."""

    def __init__(self) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.running = True

    def stop(self) -> None:
        if self.running:
            self._server.stop()
            inner = self._server._server
            if inner is not None:
                inner.server_close()
            self.running = False

    def client(self) -> Any:
        import boto3

        return boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
        ).client("s3", endpoint_url=self.endpoint)

    def make_bucket(self) -> str:
        name = f"ggzy-test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name


@dataclass
class S3Store:
    """One test's bucket, installed as Django's default storage."""

    server: S3Server
    bucket: str
    prefix: str

    @property
    def client(self) -> Any:
        return self.server.client()

    def url(self, prefix: str | None = None) -> str:
        """``GGZY_STORAGE_URL`` for this bucket (another prefix for a second instance)."""
        p = self.prefix if prefix is None else prefix
        return f"s3://{self.bucket}/{p}?endpoint_url={self.server.endpoint}&region={REGION}"

    def child_env(self, prefix: str) -> dict[str, str]:
        """Environment for a child ``ggzy`` process using this bucket under ``prefix``."""
        return {
            "GGZY_STORAGE_URL": self.url(prefix),
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def objects(self, prefix: str | None = None) -> dict[str, int]:
        """Every key under ``prefix`` (default: this store's) → size, read with boto3 directly."""
        p = self.prefix if prefix is None else prefix
        out: dict[str, int] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{p}/" if p else ""
        ):
            for entry in page.get("Contents", ()):
                out[entry["Key"]] = int(entry["Size"])
        return out

    def get(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())


def store_options(server: S3Server, bucket: str, prefix: str) -> dict[str, Any]:
    return {
        "bucket_name": bucket,
        "location": prefix,
        "endpoint_url": server.endpoint,
        "region_name": REGION,
        "addressing_style": "path",
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        # fail fast in tests; production keeps the defaults (5 s / 60 s / 3 attempts)
        "connect_timeout": 2,
        "read_timeout": 20,
        "max_attempts": 2,
    }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")  # never ask a cloud for credentials
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture
def s3_store(s3_server: S3Server, settings: Any) -> S3Store:
    """A fresh bucket as the default storage (prefix ``live``) for one test."""
    bucket = s3_server.make_bucket()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "ggzy.core.s3.S3FileStore",
            "OPTIONS": store_options(s3_server, bucket, "live"),
        },
    }
    return S3Store(server=s3_server, bucket=bucket, prefix="live")
