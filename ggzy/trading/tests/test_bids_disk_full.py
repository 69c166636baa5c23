"""A full file store during uploads (issue 9 §6; the drill is scripts/faults/full_disk.py): the
bid upload API answers structured JSON ``storage_full`` (507) with a Chinese message, the tender
file page shows the Chinese message on the form — never a 500; no row points at a partial file,
no partial or temporary file is left, an upload's part holds exactly what the server received, and
the same upload finishes once space is back. The file store and the upload area are a real small
tmpfs when the tests may mount one (root, as in CI), else the OS's ENOSPC is injected at fsync."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from ggzy.core.clock import FixedClock
from ggzy.core.tests.diskfull import DiskFull, disk_full, leftovers
from ggzy.publishing.models import StoredFile
from ggzy.trading.models import Bid, BidUpload, Section, TenderFile
from ggzy.trading.tests.bidkit import Sealer, make_sealer, trust_ca
from ggzy.trading.tests.conftest import PDF, Parties
from ggzy.trading.views import common

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed(monkeypatch: pytest.MonkeyPatch, tclock: FixedClock) -> None:
    monkeypatch.setattr(common, "clock", tclock)


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DiskFull]:
    with (
        disk_full(tmp_path / "store", monkeypatch, size_kb=1024) as d,
        override_settings(MEDIA_ROOT=d.root / "files", GGZY_BID_UPLOAD_DIR=str(d.root / "bid-uploads")),
    ):
        yield d


def as_user(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def put(c: Client, token: str, start: int, chunk: bytes, total: int) -> Any:
    return c.generic(
        "PUT",
        f"/trading/bid-uploads/{token}/",
        chunk,
        content_type="application/octet-stream",
        headers={"Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{total}"},
    )


def start(c: Client, section: Section, total: int) -> str:
    r = c.post(
        f"/trading/sections/{section.pk}/bid/uploads/", {"total_size": total}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    return str(r.json()["token"])


def assert_storage_full(r: Any) -> None:
    assert r.status_code == 507, r.content
    assert r["Content-Type"].startswith("application/json")
    error = r.json()["error"]
    assert error["code"] == "storage_full" and "存储空间不足" in error["message"]


def part(disk: DiskFull, token: str) -> Path:
    return disk.root / "bid-uploads" / f"{token}.part"


def test_bid_upload_on_a_full_store(
    disk: DiskFull, build: Callable[..., Any], parties: Parties, tclock: FixedClock
) -> None:
    section = build("published", deadline_days=20)
    sealer: Sealer = make_sealer(trust_ca(tclock), parties.bidder, tclock)
    before = StoredFile.objects.count()
    c = as_user(parties.bidder)
    data = sealer.seal(section, bytes(range(256)) * 2500)  # ≈ 640 KB: the part fits, a copy does not
    token = start(c, section, len(data))
    half = len(data) // 2
    assert put(c, token, 0, data[:half], len(data)).status_code == 200
    assert put(c, token, half, data[half:], len(data)).json()["received"] == len(data)
    disk.fill()

    # finalise: the verified envelope cannot be copied into the store
    assert_storage_full(c.post(f"/trading/bid-uploads/{token}/finalise/"))
    assert Bid.objects.count() == 0 and StoredFile.objects.count() == before
    assert leftovers(disk.root / "files") == [], disk.mode  # no partial blob, no temp file
    upload = BidUpload.objects.get(token=token)
    assert upload.status == "open" and part(disk, token).stat().st_size == upload.received == len(data)
    # a retry while still full is refused the same way — never a bid pointing at a partial file
    assert_storage_full(c.post(f"/trading/bid-uploads/{token}/finalise/"))
    assert Bid.objects.count() == 0

    # a chunk of another upload that does not fit: refused, and its part holds what was received
    other = sealer.seal(section, b"other bid " * 60000)
    token2 = start(c, section, len(other))
    assert_storage_full(put(c, token2, 0, other[:524288], len(other)))
    assert BidUpload.objects.get(token=token2).received == 0 and part(disk, token2).stat().st_size == 0

    # space is back: the same uploads finish
    disk.free()
    r = c.post(f"/trading/bid-uploads/{token}/finalise/")
    assert r.status_code == 201, r.content
    bid = Bid.objects.get(pk=r.json()["bid"]["id"])
    stored = disk.root / "files" / bid.envelope.path
    assert (
        hashlib.sha256(stored.read_bytes()).hexdigest()
        == bid.envelope_sha256
        == hashlib.sha256(data).hexdigest()
    )
    assert put(c, token2, 0, other[:524288], len(other)).json()["received"] == 524288
    assert leftovers(disk.root / "files") == []


def test_tender_file_page_on_a_full_store(
    disk: DiskFull, build: Callable[..., Any], parties: Parties, client: Client
) -> None:
    section = build("draft")
    client.force_login(parties.tenderer)
    disk.fill()
    body = PDF + bytes(range(256)) * 5000  # ≈ 1.3 MB: more than the 1 MiB tmpfs holds
    r = client.post(
        f"/manage/trading/sections/{section.pk}/upload/",
        {"upload-file": SimpleUploadedFile("招标文件.pdf", body, content_type="application/pdf")},
    )
    assert r.status_code == 400
    assert "服务器存储空间不足" in r.content.decode()
    assert TenderFile.objects.filter(section=section).count() == 0
    assert leftovers(disk.root / "files") == [], disk.mode
    disk.free()
    r = client.post(
        f"/manage/trading/sections/{section.pk}/upload/",
        {"upload-file": SimpleUploadedFile("招标文件.pdf", body, content_type="application/pdf")},
    )
    assert r.status_code == 302
    assert leftovers(disk.root / "files") == []
