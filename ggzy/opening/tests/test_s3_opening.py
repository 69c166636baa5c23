"""End to end with the file store in S3 (ADR 0032), against a real S3 server on loopback: bidders
upload sealed bids of a few MiB in chunks through the HTTP upload protocol (resuming after a
refused chunk), the envelopes land in the bucket, and the opening hall reads them back from the
bucket, decrypts them and stores the plaintext there too."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from ggzy.core.clock import FixedClock
from ggzy.core.tests import s3server
from ggzy.core.tests.s3server import S3Store
from ggzy.opening import services
from ggzy.opening.tests.hallkit import Bidder, build_hall
from ggzy.trading.models import Bid
from ggzy.trading.views import common

s3_server, s3_store = s3server.s3_server, s3server.s3_store  # the fixtures, for this module
pytestmark = [pytest.mark.django_db, pytest.mark.s3]
MiB = 1024 * 1024


def upload_over_http(store: S3Store, bidder: Bidder, section: Any, envelope: bytes) -> Bid:
    """The page script's protocol: start, PUT chunks with Content-Range, finalise."""
    c = Client()
    c.force_login(bidder.user)
    r = c.post(
        f"/trading/sections/{section.pk}/bid/uploads/",
        {"total_size": len(envelope)},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    token = r.json()["token"]

    def put(start: int, chunk: bytes) -> Any:
        return c.generic(
            "PUT",
            f"/trading/bid-uploads/{token}/",
            chunk,
            content_type="application/octet-stream",
            headers={"Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{len(envelope)}"},
        )

    step = MiB
    assert put(0, envelope[:step]).json()["received"] == step
    # a retried chunk the server already has: 409 and the offset to resume from
    r = put(step // 2, envelope[step // 2 : step // 2 + step])
    assert r.status_code == 409 and r.json()["error"]["fields"]["offset"] == str(step)
    offset = int(c.get(f"/trading/bid-uploads/{token}/").json()["received"])
    while offset < len(envelope):
        r = put(offset, envelope[offset : offset + step])
        assert r.status_code == 200, r.content
        offset = r.json()["received"]
    parts = [k for k in store.objects() if k.startswith(f"live/bid-uploads/{token}/")]
    assert len(parts) == -(-len(envelope) // step)  # one object per chunk until finalised
    r = c.post(f"/trading/bid-uploads/{token}/finalise/")
    assert r.status_code == 201, r.content
    assert not any(k.startswith(f"live/bid-uploads/{token}/") for k in store.objects())
    return Bid.objects.get(pk=r.json()["bid"]["id"])


def test_bids_uploaded_in_chunks_to_s3_are_opened_from_s3(
    s3_store: S3Store, oclock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "clock", oclock)
    hall = build_hall(
        oclock,
        bids=3,  # fewer than three bidders: no opening (招标投标法 art. 28)
        payload_size=2 * MiB,
        submit=lambda b, section, envelope: upload_over_http(s3_store, b, section, envelope),
    )
    objects = s3_store.objects()
    for b in hall.bidders:
        assert b.bid.size > 2 * MiB
        # the envelope is in the bucket, content-addressed, byte for byte what was submitted
        key = f"live/{b.bid.envelope.path}"
        assert objects[key] == b.bid.size
        assert hashlib.sha256(s3_store.get(key)).hexdigest() == b.bid.envelope_sha256
    # the opening: check-in, decryption with each bidder's key (the envelope read from S3)
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    for b in hall.bidders:
        services.opening_check_in(actor=b.user, session=session, clock=hall.clock)
    services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
    for b in hall.bidders:
        opened = services.content_key_submit(
            actor=b.user, bid=b.bid, content_key=b.content_key(b.bid), clock=hall.clock
        )
        b.bid.refresh_from_db()
        assert b.bid.status == "decrypted"
        # the decrypted file is stored in the bucket too, and reads back as the bidder's file
        assert s3_store.get(f"live/{opened.file.path}") == b.payload
        with default_storage.open(opened.file.path, "rb") as fh:
            assert fh.read() == b.payload
    assert not any(k.startswith("live/bid-uploads/") for k in s3_store.objects())
