"""Bid uploads with the file store in S3 (ggzy.trading.upload_store, ADR 0032), against a real S3
server on loopback: every chunk is an object, a crashed write is replaced by the resumed one, the
envelope is verified and stored from the chain of parts, and the parts are removed however the
session ends. (The HTTP protocol and the opening are in ggzy/opening/tests/test_s3_opening.py.)"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.core.errors import StorageUnavailable, ValidationFailed
from ggzy.core.tests import s3server
from ggzy.core.tests.s3server import S3Server, S3Store, store_options
from ggzy.publishing.models import StoredFile
from ggzy.trading import services, upload_store
from ggzy.trading.models import Bid, BidUpload, Section
from ggzy.trading.tests.bidkit import Sealer, make_sealer, trust_ca
from ggzy.trading.tests.conftest import Parties

s3_server, s3_store = s3server.s3_server, s3server.s3_store  # the fixtures, for this module
pytestmark = [pytest.mark.django_db, pytest.mark.s3]
KiB = 1024


@pytest.fixture
def section(build: Callable[..., Any]) -> Section:
    return build("published", deadline_days=20)


@pytest.fixture
def b1(parties: Parties, tclock: FixedClock) -> Sealer:
    return make_sealer(trust_ca(tclock), parties.bidder, tclock)


def part_keys(store: S3Store, token: str) -> dict[str, int]:
    return {k: v for k, v in store.objects().items() if k.startswith(f"live/bid-uploads/{token}/")}


def test_chunks_are_objects_a_crashed_write_is_replaced_and_the_parts_go_away(
    s3_store: S3Store, section: Section, b1: Sealer, tclock: FixedClock, tmp_path: Path, settings: Any
) -> None:
    settings.GGZY_BID_UPLOAD_DIR = str(tmp_path / "local-upload-area")
    assert upload_store.in_store()
    data = b1.seal(section, bytes(range(256)) * 2000)  # ≈ 512 KiB
    upload = services.bid_upload_start(actor=b1.user, section=section, total_size=len(data), clock=tclock)
    for start in range(0, 200 * KiB, 100 * KiB):
        services.bid_upload_append(
            actor=b1.user,
            token=upload.token,
            offset=start,
            data=data[start : start + 100 * KiB],
            clock=tclock,
        )
    assert part_keys(s3_store, upload.token) == {
        f"live/bid-uploads/{upload.token}/000000000000000": 100 * KiB,
        f"live/bid-uploads/{upload.token}/000000000102400": 100 * KiB,
    }
    # A request that wrote its part and died before its commit: garbage at the current offset,
    # which the server never acknowledged (written with boto3 directly, as the dead process did).
    s3_store.client.put_object(
        Bucket=s3_store.bucket, Key=f"live/bid-uploads/{upload.token}/000000000204800", Body=b"X" * 999
    )
    with pytest.raises(ValidationFailed) as err:  # not complete: received is still 200 KiB
        services.bid_upload_finalise(actor=b1.user, token=upload.token, clock=tclock)
    assert err.value.code == "incomplete"
    upload.refresh_from_db()
    assert upload.status == "open" and upload.received == 200 * KiB
    # the client resumes from the server's offset; the part of the same offset is replaced
    services.bid_upload_append(
        actor=b1.user, token=upload.token, offset=200 * KiB, data=data[200 * KiB :], clock=tclock
    )
    bid = services.bid_upload_finalise(actor=b1.user, token=upload.token, clock=tclock)
    sha = hashlib.sha256(data).hexdigest()
    assert bid.envelope_sha256 == sha
    # the stored envelope is exactly the uploaded bytes, in the bucket; no part is left; nothing
    # was written to the local upload area
    assert s3_store.get(f"live/blobs/{sha[:2]}/{sha}") == data
    assert part_keys(s3_store, upload.token) == {}
    assert not any((tmp_path / "local-upload-area").glob("*.part"))


def test_a_refused_envelope_stores_nothing_and_removes_its_parts(
    s3_store: S3Store, section: Section, b1: Sealer, tclock: FixedClock
) -> None:
    blobs_before = set(StoredFile.objects.values_list("sha256", flat=True))
    objects_before = {k for k in s3_store.objects() if k.startswith("live/blobs/")}  # the tender file
    data = b1.seal(section, b"bid" * 1000, section_code="E0000000000000000001")  # another section
    upload = services.bid_upload_start(actor=b1.user, section=section, total_size=len(data), clock=tclock)
    services.bid_upload_append(actor=b1.user, token=upload.token, offset=0, data=data, clock=tclock)
    assert part_keys(s3_store, upload.token)
    with pytest.raises(ValidationFailed) as err:
        services.bid_upload_finalise(actor=b1.user, token=upload.token, clock=tclock)
    assert err.value.code == "header_mismatch"
    upload.refresh_from_db()
    assert upload.status == "rejected"
    assert part_keys(s3_store, upload.token) == {}
    assert {k for k in s3_store.objects() if k.startswith("live/blobs/")} == objects_before
    assert set(StoredFile.objects.values_list("sha256", flat=True)) == blobs_before
    assert not Bid.objects.exists()


def test_abandon_expire_and_sweep_remove_parts(
    s3_store: S3Store,
    section: Section,
    b1: Sealer,
    tclock: FixedClock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def started(n: int) -> BidUpload:
        u = services.bid_upload_start(actor=b1.user, section=section, total_size=10 * n, clock=tclock)
        services.bid_upload_append(actor=b1.user, token=u.token, offset=0, data=b"12345", clock=tclock)
        return u

    abandoned, open_one, late = started(1), started(2), started(3)
    with django_capture_on_commit_callbacks(execute=True):
        services.bid_upload_abandon(actor=b1.user, token=abandoned.token, clock=tclock)
    assert part_keys(s3_store, abandoned.token) == {}
    # parts left behind by a crash after their session ended (finalised here), and a stray folder
    # of a session that never existed: swept by the worker's expiry job; open sessions are kept
    BidUpload.objects.filter(pk=late.pk).update(status="finalised")
    s3_store.client.put_object(
        Bucket=s3_store.bucket, Key="live/bid-uploads/deadbeef00/000000000000000", Body=b"stray"
    )
    assert services.bid_uploads_expire(clock=tclock) == 0
    tokens = {k.split("/")[2] for k in s3_store.objects() if k.startswith("live/bid-uploads/")}
    assert tokens == {open_one.token}
    # at the deadline the open one expires and its parts go too
    assert services.bid_uploads_expire(clock=FixedClock(section.bid_deadline)) == 1
    assert not any(k.startswith("live/bid-uploads/") for k in s3_store.objects())


def test_a_store_that_is_down_refuses_the_chunk_and_keeps_the_offset(
    s3_server: S3Server, section: Section, b1: Sealer, tclock: FixedClock, settings: Any
) -> None:
    own = S3Server()
    bucket = own.make_bucket()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "ggzy.core.s3.S3FileStore", "OPTIONS": store_options(own, bucket, "live")},
    }
    upload = services.bid_upload_start(actor=b1.user, section=section, total_size=100, clock=tclock)
    services.bid_upload_append(actor=b1.user, token=upload.token, offset=0, data=b"a" * 50, clock=tclock)
    own.stop()
    with pytest.raises(StorageUnavailable) as err:
        services.bid_upload_append(actor=b1.user, token=upload.token, offset=50, data=b"b" * 50, clock=tclock)
    assert err.value.http_status == 503
    upload.refresh_from_db()
    assert upload.received == 50 and upload.status == "open"  # the client resumes from 50 later
