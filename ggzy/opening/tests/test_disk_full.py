"""A full temporary directory or a full file store while a bid is decrypted at the opening (ADR
0034; the drill for uploads is scripts/faults/full_disk.py): the key endpoint answers structured
JSON ``storage_full`` (507) with a Chinese message, the backup-decryption page shows the Chinese
message — never a 500; nothing half-written is kept or referenced (no stored file, no opened row,
the bid not marked), no failed attempt is recorded and nothing is audited as done; once space is
freed the same key (or the same shares) opens the bid.

How the disk is made full, for real: ``ggzy.core.tests.diskfull`` mounts a small tmpfs when the test
process may (root, as in CI and on the development machine) — the opening's temporary directory
(``tempfile.tempdir``, the standard library's own setting, which is what the opening uses when
``GGZY_OPENING_TMP_DIR`` is unset) or ``MEDIA_ROOT`` is put on it, so the kernel itself answers
ENOSPC to the writes of ``NamedTemporaryFile`` and of the atomic storage. Without root
(no ``mount``) the fallback is the OS's ENOSPC raised from the standard library's ``os.fsync``
(which does report ENOSPC on NFS and thin-provisioned disks) — still the real error on our own
write path; nothing of ggzy is mocked. The store is filled with a ballast file written until the
kernel refuses, and freed by deleting it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from ggzy.audit.models import Event
from ggzy.core.tests.diskfull import DiskFull, disk_full, leftovers
from ggzy.opening import services, views
from ggzy.opening.models import (
    CustodianShare,
    DecryptionAttempt,
    DecryptionFailure,
    OpenedBid,
    OpeningEvent,
)
from ggzy.publishing.models import StoredFile
from ggzy.trading.models import Bid

pytestmark = pytest.mark.django_db
PW = "pw-1234567890"
PAYLOAD = 160_000  # bytes of each bid file: more than the 64 KiB temporary directory holds


def _login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _fill(d: DiskFull) -> None:
    """Make the next write fail for lack of space: fill the tmpfs with a ballast file until the
    kernel refuses (or, without a tmpfs, let fsync report ENOSPC)."""
    if not d.mounted:
        d.fill()
        return
    with (d.root / "ballast").open("wb", buffering=0) as f, pytest.raises(OSError) as refused:
        _write_forever(f)
    assert refused.value.errno == errno.ENOSPC


def _write_forever(f: Any) -> None:
    chunk = b"\0" * 4096
    while True:
        f.write(chunk)


def _free(d: DiskFull) -> None:
    if d.mounted:
        (d.root / "ballast").unlink(missing_ok=True)
        d.free()  # and grow the tmpfs, so the retry has room for every bid
    else:
        d.free()


@pytest.fixture
def small_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DiskFull]:
    """The default temporary directory (TMPDIR) on a 64 KiB file system."""
    with (
        disk_full(tmp_path / "tmp", monkeypatch, size_kb=64) as d,
        override_settings(GGZY_OPENING_TMP_DIR=None),
    ):
        monkeypatch.setattr(tempfile, "tempdir", str(d.root))
        yield d


@pytest.fixture
def small_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DiskFull]:
    """The file store (MEDIA_ROOT) on a 2 MiB file system; the envelopes are stored there too."""
    with (
        disk_full(tmp_path / "store", monkeypatch, size_kb=2048) as d,
        override_settings(MEDIA_ROOT=d.root / "files"),
    ):
        yield d


def _decrypting(make_hall: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    hall = make_hall(3, payload_size=PAYLOAD)
    monkeypatch.setattr(views, "clock", hall.clock)
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
    return hall


def _submit(hall: Any, b: Any) -> Any:
    return _login(b.user).post(
        f"/opening/{hall.section.code}/key/",
        data=json.dumps({"bid": b.bid.pk, "content_key": b.content_key(b.bid).hex()}),
        content_type="application/json",
    )


def _assert_storage_full(r: Any, words: str) -> None:
    assert r.status_code == 507, r.content
    assert r["Content-Type"].startswith("application/json")
    error = r.json()["error"]
    assert error["code"] == "storage_full" and words in error["message"], error


def _assert_untouched(b: Any) -> None:
    """Nothing of the refused decryption is on record: no opened row, the bid not marked, no
    stored plaintext, no failed attempt, no audit of a decryption."""
    sha = hashlib.sha256(b.payload).hexdigest()
    assert not OpenedBid.objects.filter(bid=b.bid).exists()
    bid = Bid.objects.get(pk=b.bid.pk)
    assert bid.opened_at is None and bid.status == b.bid.status != "decrypted"
    assert not StoredFile.objects.filter(sha256=sha).exists()
    assert not DecryptionAttempt.objects.exists()
    actions = set(Event.objects.values_list("action", flat=True))
    assert not actions & {"opening.bid_decrypt", "opening.decrypt_attempt_fail", "trading.bid_mark_opened"}


def _assert_opened(b: Any) -> None:
    row = OpenedBid.objects.select_related("file").get(bid=b.bid)
    sha = hashlib.sha256(b.payload).hexdigest()
    assert row.file_sha256 == sha and row.file.sha256 == sha and row.file.size == len(b.payload)
    from django.core.files.storage import default_storage

    with default_storage.open(row.file.path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == sha
    assert Event.objects.filter(action="opening.bid_decrypt", target_id=str(row.pk)).count() == 1


def test_full_temporary_directory_then_retry(
    small_tmp: DiskFull, make_hall: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hall = _decrypting(make_hall, monkeypatch)
    b = hall.bidders[0]
    _fill(small_tmp)
    r = _submit(hall, b)
    _assert_storage_full(r, "临时空间不足")
    _assert_untouched(b)
    assert not any(p.name.startswith("opening-") for p in small_tmp.root.iterdir())  # temp file removed
    # the hall page still answers, and the bidder may still decrypt (the panel is there)
    page = _login(b.user).get(f"/opening/{hall.section.code}/").content.decode()
    assert 'id="decrypt-btn"' in page
    _free(small_tmp)
    r = _submit(hall, b)
    assert r.status_code == 200, r.content
    _assert_opened(b)
    assert [p.name for p in small_tmp.root.iterdir() if p.name.startswith("opening-")] == []


def test_full_file_store_then_retry(
    small_store: DiskFull, make_hall: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hall = _decrypting(make_hall, monkeypatch)
    b = hall.bidders[1]
    _fill(small_store)
    r = _submit(hall, b)
    # on the tmpfs it is the store's own refusal (ADR 0034's message); with the fallback the
    # injected fsync error already meets the temporary file
    _assert_storage_full(r, "存储空间不足" if small_store.mounted else "空间不足")
    _assert_untouched(b)
    # no partial blob under a real name, no .partial-* file: only complete blobs (and the ballast)
    assert [p for p in leftovers(small_store.root) if p != "ballast"] == []
    _free(small_store)
    r = _submit(hall, b)
    assert r.status_code == 200, r.content
    _assert_opened(b)
    assert leftovers(small_store.root) == []


def test_backup_decryption_on_a_full_temporary_directory(
    small_tmp: DiskFull, make_hall: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hall = _decrypting(make_hall, monkeypatch)
    session = services.session_for(hall.section)
    hall.clock.advance(minutes=30)
    services.opening_window_end(actor=None, session=session, clock=hall.clock)
    rows = [(hall.custodians[i].username, PW, hall.escrow.shares[i].to_text()) for i in range(2)]
    data = {"username": [r[0] for r in rows], "password": [r[1] for r in rows], "share": [r[2] for r in rows]}
    url = f"/opening/{hall.section.code}/backup/"
    _fill(small_tmp)
    r = _login(hall.host).post(url, data)
    assert r.status_code == 507
    page = r.content.decode()
    assert 'id="backup-error"' in page and "存储空间不足" in page and "其余 3 份未解密" in page
    assert "未记录任何份额" not in page  # the shares were recorded: the page must not deny it
    assert 'id="backup-form"' in page  # the custodians can submit again
    for b in hall.bidders:
        _assert_untouched(b)
    # what did happen is on record, truthfully: the shares were used, nothing opened, stopped
    assert CustodianShare.objects.count() == 2
    audit = Event.objects.get(action="opening.backup_decrypt")
    assert audit.data["opened"] == [] and audit.data["stopped"] == "storage_full"
    _free(small_tmp)
    r = _login(hall.host).post(url, data)
    assert r.status_code == 200, r.content
    assert 'id="backup-result"' in r.content.decode()
    assert OpenedBid.objects.filter(method="backup").count() == 3
    for b in hall.bidders:
        _assert_opened(b)


def test_backup_decryption_stops_when_the_store_fills_and_records_what_it_opened(
    small_store: DiskFull, make_hall: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Room for one decrypted bid only: the first opens, the store refuses the second, the rest
    stay unopened (not failed); the record says exactly that, and a second submission opens them.
    Needs the real tmpfs: only a file system that is really full after some bytes can leave room
    for exactly one bid (the fallback fails every fsync, which test_backup_decryption_on_a_full_
    temporary_directory covers)."""
    if not small_store.mounted:
        pytest.skip("room for exactly one bid needs a real tmpfs (mount, as root)")
    hall = _decrypting(make_hall, monkeypatch)
    session = services.session_for(hall.section)
    hall.clock.advance(minutes=30)
    services.opening_window_end(actor=None, session=session, clock=hall.clock)
    rows = [(hall.custodians[i].username, PW, hall.escrow.shares[i].to_text()) for i in range(2)]
    data = {"username": [r[0] for r in rows], "password": [r[1] for r in rows], "share": [r[2] for r in rows]}
    url = f"/opening/{hall.section.code}/backup/"
    _fill(small_store)
    ballast = small_store.root / "ballast"
    os.truncate(ballast, ballast.stat().st_size - (PAYLOAD * 3) // 2)  # room for one bid, not two
    r = _login(hall.host).post(url, data)
    assert r.status_code == 507
    page = r.content.decode()
    assert "本次已解密 1 份，其余 2 份未解密" in page and "未记录任何份额" not in page
    first, *rest = sorted(hall.bidders, key=lambda b: b.org.name)
    _assert_opened(first)
    assert OpenedBid.objects.get(bid=first.bid).method == "backup"
    for b in rest:
        assert not OpenedBid.objects.filter(bid=b.bid).exists()
        assert not DecryptionFailure.objects.filter(bid=b.bid).exists()
        assert Bid.objects.get(pk=b.bid.pk).opened_at is None
    audit = Event.objects.get(action="opening.backup_decrypt")
    assert audit.data["opened"] == [first.bid.pk] and audit.data["stopped"] == "storage_full"
    event = OpeningEvent.objects.get(session=session, kind="backup_decryption")
    assert "解密 1 份" in event.text and "其余 2 份未处理" in event.text
    assert [p for p in leftovers(small_store.root) if p != "ballast"] == []
    _free(small_store)
    r = _login(hall.host).post(url, data)
    assert r.status_code == 200, r.content
    for b in hall.bidders:
        _assert_opened(b)
    assert CustodianShare.objects.count() == 4
