"""Sealed bid submission on the real database, real storage and real crypto: keys, uploads,
verification refusals (nothing stored), receipts, replace/withdraw, the deadline, and the
storage-level secrecy property (a full copy of everything the server has opens no bid)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, models

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ggzy.publishing.models import StoredFile
from ggzy.sealing import envelope, kit, receipts, shamir, signing, suites
from ggzy.trading import selectors, services
from ggzy.trading.models import Bid, BidUpload, Section
from ggzy.trading.services import bids as bid_services
from ggzy.trading.tests.bidkit import Sealer, make_sealer, trust_ca
from ggzy.trading.tests.conftest import Parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def ca(tclock: FixedClock) -> Any:
    return trust_ca(tclock)


@pytest.fixture
def section(build: Callable[..., Any]) -> Section:
    return build("published", deadline_days=20)


@pytest.fixture
def b1(ca: Any, parties: Parties, tclock: FixedClock) -> Sealer:
    return make_sealer(ca, parties.bidder, tclock)


@pytest.fixture
def b2(ca: Any, parties: Parties, tclock: FixedClock) -> Sealer:
    return make_sealer(ca, parties.bidder2, tclock)


def submit(sealer: Sealer, section: Section, data: bytes, clock: FixedClock) -> Bid:
    return services.bid_submit_file(actor=sealer.user, section=section, src=io.BytesIO(data), clock=clock)


def refused(sealer: Sealer, section: Section, data: bytes, clock: FixedClock, code: str) -> str:
    blobs_before = set(StoredFile.objects.values_list("sha256", flat=True))
    with pytest.raises((ValidationFailed, InvalidTransition)) as err:
        submit(sealer, section, data, clock)
    assert err.value.code == code, err.value.message
    assert (
        not Bid.objects.filter(section=section, organisation=sealer.org, status="submitted")
        .exclude(envelope_sha256__in=blobs_before)
        .exists()
    )
    assert set(StoredFile.objects.values_list("sha256", flat=True)) == blobs_before
    upload = BidUpload.objects.order_by("-pk").first()
    assert upload is not None and upload.status == "rejected" and upload.error == err.value.message
    assert not bid_services.upload_path(upload).exists()
    return err.value.message


def platform_public() -> bytes:
    return signing.load_or_create(settings.GGZY_PLATFORM_KEY_PATH).public_pem()


# ----------------------------------------------------------------------------- happy path


def test_submit_stores_ciphertext_and_issues_a_verifiable_receipt(
    section: Section, b1: Sealer, tclock: FixedClock, tmp_path: Path
) -> None:
    data = b1.seal(section, b"%PDF-1.7 my bid" * 1000)
    bid = submit(b1, section, data, tclock)
    assert (bid.version, bid.status, bid.is_current) == (1, "submitted", True)
    with default_storage.open(bid.envelope.path, "rb") as fh:
        assert fh.read() == data  # the stored bytes are exactly the ciphertext
    assert (
        bid.envelope.sha256
        == bid.envelope_sha256
        == envelope.verify_envelope(io.BytesIO(data), signer=b1.cert).envelope_sha256
    )
    assert bid.bidder_key == b1.bidder_key
    receipt = receipts.verify_receipt(platform_public(), bid.receipt)
    assert (receipt.section, receipt.bidder, receipt.envelope_sha256) == (
        section.code,
        b1.org.credit_code,
        bid.envelope_sha256,
    )
    assert receipt.server_datetime == tclock.now() and receipt.sequence == bid.receipt_sequence
    assert Event.objects.filter(action="trading.bid_submit", target_id=str(bid.pk)).exists()
    # offline, with the kit command
    (tmp_path / "receipt.json").write_text(json.dumps(bid.receipt))
    (tmp_path / "platform.pub.pem").write_bytes(platform_public())
    out = io.StringIO()
    call_command(
        "bid",
        "verify-receipt",
        str(tmp_path / "receipt.json"),
        "--platform-key",
        str(tmp_path / "platform.pub.pem"),
        stdout=out,
    )
    assert bid.envelope_sha256 in out.getvalue()


def test_chunked_upload_resumes_from_the_servers_offset(
    section: Section, b1: Sealer, tclock: FixedClock
) -> None:
    data = b1.seal(section, bytes(range(256)) * 400)
    upload = services.bid_upload_start(actor=b1.user, section=section, total_size=len(data), clock=tclock)
    services.bid_upload_append(actor=b1.user, token=upload.token, offset=0, data=data[:10000], clock=tclock)
    # the client lost its connection and retries a chunk the server already has: told where it stands
    with pytest.raises(ValidationFailed) as err:
        services.bid_upload_append(
            actor=b1.user, token=upload.token, offset=5000, data=data[5000:15000], clock=tclock
        )
    assert err.value.code == "offset_mismatch" and err.value.fields["offset"] == "10000"
    # bytes written beyond the committed offset (a crash between write and commit) are cut off
    with open(bid_services.upload_path(upload), "ab") as fh:
        fh.write(b"garbage from a crashed request")
    services.bid_upload_append(
        actor=b1.user, token=upload.token, offset=10000, data=data[10000:], clock=tclock
    )
    with pytest.raises(ValidationFailed) as err:
        services.bid_upload_append(
            actor=b1.user, token=upload.token, offset=len(data), data=b"x", clock=tclock
        )
    assert err.value.code == "too_much_data"
    bid = services.bid_upload_finalise(actor=b1.user, token=upload.token, clock=tclock)
    assert bid.envelope_sha256 == envelope.verify_envelope(io.BytesIO(data), signer=b1.cert).envelope_sha256


def test_incomplete_upload_is_not_finalised(section: Section, b1: Sealer, tclock: FixedClock) -> None:
    data = b1.seal(section)
    upload = services.bid_upload_start(actor=b1.user, section=section, total_size=len(data), clock=tclock)
    services.bid_upload_append(actor=b1.user, token=upload.token, offset=0, data=data[:100], clock=tclock)
    with pytest.raises(ValidationFailed) as err:
        services.bid_upload_finalise(actor=b1.user, token=upload.token, clock=tclock)
    assert err.value.code == "incomplete"
    assert not Bid.objects.exists()


def test_upload_limits_and_ownership(
    section: Section, b1: Sealer, b2: Sealer, parties: Parties, tclock: FixedClock, settings: Any
) -> None:
    settings.GGZY_TRADING = {"bid_max_bytes": 1000}
    with pytest.raises(ValidationFailed) as err:
        services.bid_upload_start(actor=b1.user, section=section, total_size=1001, clock=tclock)
    assert err.value.code == "too_large"
    for bad in (0, -5):
        with pytest.raises(ValidationFailed):
            services.bid_upload_start(actor=b1.user, section=section, total_size=bad, clock=tclock)
    upload = services.bid_upload_start(actor=b1.user, section=section, total_size=10, clock=tclock)
    with pytest.raises(NotFound):  # another bidder cannot write into or finalise my upload
        services.bid_upload_append(actor=b2.user, token=upload.token, offset=0, data=b"x", clock=tclock)
    with pytest.raises(NotFound):
        services.bid_upload_finalise(actor=b2.user, token=upload.token, clock=tclock)
    with pytest.raises(PermissionDenied):  # only bidders submit
        services.bid_upload_start(actor=parties.tenderer, section=section, total_size=10, clock=tclock)


# ----------------------------------------------------------------------------- refusals


def test_tampered_envelopes_are_refused_with_the_reason_and_nothing_stored(
    section: Section, b1: Sealer, b2: Sealer, build: Callable[..., Any], tclock: FixedClock
) -> None:
    good = b1.seal(section, b"x" * 20000)
    # truncated
    refused(b1, section, good[:-100], tclock, "truncated")
    # bit-flipped ciphertext (in the middle of a chunk)
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x01
    assert "签名" in refused(b1, section, bytes(flipped), tclock, "signature_invalid")
    # trailing data
    refused(b1, section, good + b"\x00", tclock, "malformed")
    # garbage
    refused(b1, section, b"not an envelope at all" * 10, tclock, "malformed")
    # sealed for another section
    refused(b1, section, b1.seal(section, section_code=section.code[:-3] + "999"), tclock, "header_mismatch")
    # claims to be another bidder's
    refused(b1, section, b1.seal(section, bidder=b2.org.credit_code), tclock, "header_mismatch")
    # signed by another bidder's certificate key
    assert "绑定" in refused(
        b1, section, b1.seal(section, signing_key=b2.signing_key), tclock, "wrong_signer"
    )
    # addressed to a key the bidder never registered (it could not decrypt it at opening)
    stranger = kit.generate_key()
    refused(b1, section, b1.seal(section, recipient_pem=stranger.public_pem), tclock, "wrong_recipient")
    # addressed to another bidder's registered key
    refused(b1, section, b1.seal(section, recipient_pem=b2.key.public_pem), tclock, "wrong_recipient")
    # an escrow recipient in a section without backup decryption (someone else could open it)
    refused(b1, section, b1.seal(section, escrow_pem=stranger.public_pem), tclock, "wrong_recipient")
    assert not Bid.objects.exists()
    assert Event.objects.filter(action="trading.bid_reject").count() == 10


def test_header_swap_between_envelopes_is_refused(section: Section, b1: Sealer, tclock: FixedClock) -> None:
    """A replaced envelope header (another envelope's header on this ciphertext) fails."""
    a = b1.seal(section, b"A" * 9000)
    b = b1.seal(section, b"B" * 9000)
    head_len = len(envelope.MAGIC) + 4 + int.from_bytes(a[8:12], "big")
    refused(b1, section, b[:head_len] + a[head_len:], tclock, "signature_invalid")


def test_replayed_envelope_is_refused(section: Section, b1: Sealer, tclock: FixedClock) -> None:
    v1 = b1.seal(section, b"first")
    submit(b1, section, v1, tclock)
    submit(b1, section, b1.seal(section, b"second"), tclock)
    # the old (replaced) envelope submitted again would silently revert the bid
    with pytest.raises(ValidationFailed) as err:
        submit(b1, section, v1, tclock)
    assert err.value.code == "replayed_envelope"
    assert Bid.objects.filter(organisation=b1.org).count() == 2


def test_revoked_key_and_unbound_certificate(section: Section, b1: Sealer, tclock: FixedClock) -> None:
    from ggzy.accounts import services as account_services
    from ggzy.accounts.models import Certificate

    assert b1.bidder_key is not None
    services.bidder_key_revoke(actor=b1.user, key=b1.bidder_key, clock=tclock)
    refused(b1, section, b1.seal(section), tclock, "wrong_recipient")
    services.bidder_key_register(actor=b1.user, public_key_pem=b1.key.public_pem, clock=tclock)
    account_services.certificate_unbind(
        actor=b1.user, certificate=Certificate.objects.get(organisation=b1.org), clock=tclock
    )
    refused(b1, section, b1.seal(section), tclock, "wrong_signer")


def test_bidder_key_registration_rules(b1: Sealer, parties: Parties, tclock: FixedClock) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.bidder_key_register(actor=b1.user, public_key_pem=b1.key.public_pem, clock=tclock)
    assert err.value.code == "duplicate"
    for bad in (b"", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "垃圾", b"x" * 9000):
        with pytest.raises(ValidationFailed):
            services.bidder_key_register(actor=b1.user, public_key_pem=bad, clock=tclock)
    with pytest.raises(PermissionDenied):
        services.bidder_key_register(
            actor=parties.tenderer, public_key_pem=kit.generate_key().public_pem, clock=tclock
        )
    # a key generated by the kit in the sm suite registers too
    sm = kit.generate_key(suite=suites.SM)
    assert (
        services.bidder_key_register(actor=b1.user, public_key_pem=sm.public_pem, clock=tclock).suite == "sm"
    )


# ----------------------------------------------------------------------------- escrow


def test_backup_decryption_section_requires_the_escrow_recipient(
    parties: Parties, build: Callable[..., Any], b1: Sealer, tclock: FixedClock
) -> None:
    section = build("ready")
    section = services.section_update(
        actor=parties.tenderer,
        section=section,
        name=section.name,
        bid_deadline=section.bid_deadline,
        opening_at=section.opening_at,
        summary_keys=["price", "duration"],
        allows_backup_decryption=True,
        backup_k=2,
        backup_n=3,
        clock=tclock,
    )
    escrow = shamir.generate_escrow(k=2, n=3)  # the ceremony: public half + 3 shares
    with pytest.raises(PermissionDenied):
        services.section_escrow_key_set(
            actor=parties.tenderer,
            section=section,
            public_key_pem=escrow.public_key_pem,
            threshold_k=2,
            custodians_n=3,
            clock=tclock,
        )
    section = services.section_publish(actor=parties.tenderer, section=section, clock=tclock)
    # published, but the center has not set the escrow key yet: no envelope can be accepted
    refused(b1, section, b1.seal(section, escrow_pem=escrow.public_key_pem), tclock, "no_escrow_key")
    services.section_escrow_key_set(
        actor=parties.admin,
        section=section,
        public_key_pem=escrow.public_key_pem,
        threshold_k=2,
        custodians_n=3,
        custodians=["监督人", "交易中心", "公证员"],
        clock=tclock,
    )
    refused(b1, section, b1.seal(section), tclock, "wrong_recipient")
    refused(
        b1, section, b1.seal(section, escrow_pem=kit.generate_key().public_pem), tclock, "wrong_recipient"
    )
    bid = submit(b1, section, b1.seal(section, escrow_pem=escrow.public_key_pem), tclock)
    assert bid.backup_decryption
    assert escrow.key_id in {r["key_id"] for r in bid.header["recipients"]}
    # k shares of the ceremony open it (the opening hall's backup path)
    with default_storage.open(bid.envelope.path, "rb") as fh:
        data = fh.read()
    private = shamir.combine_private_key(escrow.shares[:2])
    assert len(envelope.unwrap_content_key(envelope.read_header(io.BytesIO(data)), private)) == 32
    # the escrow key cannot change once a bid was sealed to it
    with pytest.raises(InvalidTransition):
        services.section_escrow_key_set(
            actor=parties.admin,
            section=section,
            public_key_pem=kit.generate_key().public_pem,
            threshold_k=2,
            custodians_n=3,
            clock=tclock,
        )


# ----------------------------------------------------------------------------- replace / withdraw / deadline


def test_replace_and_withdraw_keep_every_version(section: Section, b1: Sealer, tclock: FixedClock) -> None:
    v1 = submit(b1, section, b1.seal(section, b"v1"), tclock)
    tclock.advance(hours=1)
    v2 = submit(b1, section, b1.seal(section, b"v2"), tclock)
    v1.refresh_from_db()
    assert (v1.status, v1.is_current, v2.version, v2.is_current) == ("replaced", False, 2, True)
    assert v2.receipt_sequence == v1.receipt_sequence + 1
    services.bid_withdraw(actor=b1.user, bid=v2, clock=tclock)
    v2.refresh_from_db()
    assert (v2.status, v2.is_current) == ("withdrawn", False)
    with pytest.raises(InvalidTransition):
        services.bid_withdraw(actor=b1.user, bid=v1, clock=tclock)
    v3 = submit(b1, section, b1.seal(section, b"v3"), tclock)
    assert v3.version == 3
    assert [b.version for b in selectors.my_bids(actor=b1.user, section=section)] == [3, 2, 1]
    assert list(Event.objects.filter(action__startswith="trading.bid_").values_list("action", flat=True)) == [
        "trading.bid_submit",
        "trading.bid_submit",
        "trading.bid_withdraw",
        "trading.bid_submit",
    ]


def test_deadline_closes_submission_atomically(
    section: Section, b1: Sealer, b2: Sealer, tclock: FixedClock
) -> None:
    assert section.bid_deadline is not None
    submit(b2, section, b2.seal(section), tclock)
    data = b1.seal(section, b"late" * 5000)
    upload = services.bid_upload_start(actor=b1.user, section=section, total_size=len(data), clock=tclock)
    services.bid_upload_append(actor=b1.user, token=upload.token, offset=0, data=data, clock=tclock)
    at_deadline = FixedClock(section.bid_deadline)
    with pytest.raises(InvalidTransition) as err:  # in flight at the deadline: not a bid
        services.bid_upload_finalise(actor=b1.user, token=upload.token, clock=at_deadline)
    assert err.value.code == "deadline_passed"
    with pytest.raises(InvalidTransition):
        services.bid_upload_start(actor=b1.user, section=section, total_size=10, clock=at_deadline)
    with pytest.raises(InvalidTransition):
        services.bid_withdraw(actor=b2.user, bid=Bid.objects.get(organisation=b2.org), clock=at_deadline)
    assert not Bid.objects.filter(organisation=b1.org).exists()
    assert [o.pk for o in selectors.section_bidders(section=section, clock=at_deadline)] == [b2.org.pk]
    # an upload left open at the deadline is abandoned by the worker and its temp file removed
    other = services.bid_upload_start(actor=b2.user, section=section, total_size=10, clock=tclock)
    services.bid_upload_append(actor=b2.user, token=other.token, offset=0, data=b"12345", clock=tclock)
    assert services.bid_uploads_expire(clock=tclock) == 0
    # b1's upload in flight at the deadline, and this one
    assert services.bid_uploads_expire(clock=at_deadline) == 2
    other.refresh_from_db()
    assert other.status == "abandoned" and not bid_services.upload_path(other).exists()


def test_who_bid_is_secret_until_the_deadline(
    section: Section, b1: Sealer, b2: Sealer, parties: Parties, tclock: FixedClock
) -> None:
    submit(b1, section, b1.seal(section), tclock)
    submit(b2, section, b2.seal(section), tclock)
    for actor in (None, parties.tenderer, parties.admin):
        with pytest.raises(PermissionDenied):
            selectors.section_bids(section=section, clock=tclock, actor=actor)
    with pytest.raises(PermissionDenied):
        selectors.section_bidders(section=section, clock=tclock)
    assert [
        b.organisation_id for b in selectors.section_bids(section=section, clock=tclock, actor=b1.user)
    ] == [b1.org.pk]
    assert section.bid_deadline is not None
    after = FixedClock(section.bid_deadline + dt.timedelta(seconds=1))
    assert selectors.section_bids(section=section, clock=after).count() == 2


def test_mark_opened_for_the_opening_hall(section: Section, b1: Sealer, tclock: FixedClock) -> None:
    bid = submit(b1, section, b1.seal(section), tclock)
    with pytest.raises(InvalidTransition):
        services.bid_mark_opened(bid=bid, outcome="decrypted", actor=None, clock=tclock)
    assert section.bid_deadline is not None
    after = FixedClock(section.bid_deadline + dt.timedelta(minutes=5))
    with pytest.raises(InvalidTransition):
        services.bid_mark_opened(bid=bid, outcome="replaced", actor=None, clock=after)
    with pytest.raises(ValidationFailed):
        services.bid_mark_opened(bid=bid, outcome="revoked_art31", cause=" ", actor=None, clock=after)
    bid = services.bid_mark_opened(
        bid=bid, outcome="revoked_art31", cause="投标人未在解密时限内解密", actor=None, clock=after
    )
    assert (bid.status, bid.open_cause) == ("revoked_art31", "投标人未在解密时限内解密")
    with pytest.raises(InvalidTransition):
        services.bid_mark_opened(bid=bid, outcome="decrypted", actor=None, clock=after)


# ----------------------------------------------------------------------------- the secrecy property


def _every_server_secret() -> tuple[list[Any], list[bytes]]:
    """Every private key and every symmetric secret the server holds: the platform key, keys
    derived from SECRET_KEY, the field keys, and any private key found in any column of any row or
    in any stored file."""
    import base64
    import hashlib

    from cryptography.hazmat.primitives import serialization

    private: list[Any] = [signing.load_or_create(settings.GGZY_PLATFORM_KEY_PATH).private_key]
    symmetric: list[bytes] = [
        hashlib.sha256(settings.SECRET_KEY.encode()).digest(),
        settings.SECRET_KEY.encode()[:32].ljust(32, b"\0"),
    ]
    for k in [*settings.GGZY_FIELD_KEYS, settings.GGZY_FIELD_INDEX_KEY]:
        symmetric.append(base64.b64decode(k))
    blobs: list[bytes] = []
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        if model._meta.db_table not in tables:  # an app still being built, without migrations
            continue
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.TextField | models.CharField | models.BinaryField | models.JSONField)
        ]
        for row in model._default_manager.values_list(*text_fields) if text_fields else []:
            for value in row:
                if isinstance(value, memoryview):
                    value = bytes(value)
                blobs.append(value if isinstance(value, bytes) else json.dumps(value).encode())
    root = Path(settings.MEDIA_ROOT)
    blobs.extend(p.read_bytes() for p in root.rglob("*") if p.is_file())
    for blob in blobs:
        start = blob.find(b"-----BEGIN")
        while start != -1:
            end = blob.find(b"-----END", start)
            pem = blob[start : blob.find(b"-----", end + 8) + 5].replace(b"\\n", b"\n")
            with contextlib.suppress(ValueError, TypeError):
                private.append(serialization.load_pem_private_key(pem, password=None))
            start = blob.find(b"-----BEGIN", start + 10)
    return private, symmetric


def test_a_full_copy_of_the_server_opens_no_bid(
    parties: Parties, section: Section, b1: Sealer, b2: Sealer, tclock: FixedClock, tmp_path: Path
) -> None:
    bids = [submit(b1, section, b1.seal(section, b"secret price 1"), tclock)]
    bids.append(submit(b2, section, b2.seal(section, b"secret price 2"), tclock))
    private, symmetric = _every_server_secret()
    assert len(private) >= 1 and len(symmetric) >= 4
    for bid in bids:
        with default_storage.open(bid.envelope.path, "rb") as fh:
            data = fh.read()
        header = envelope.read_header(io.BytesIO(data))
        assert b"secret price" not in data
        for key in private:
            with pytest.raises(envelope.EnvelopeError):
                envelope.unwrap_content_key(header, key)
        for secret in symmetric:
            with pytest.raises(envelope.WrongContentKey):
                envelope.open_envelope(io.BytesIO(data), io.BytesIO(), content_key=secret[:32])
    # while the bidder's own key (never on the server) opens its bid
    own = kit.load_private_key(b1.key.private_pem)
    with default_storage.open(bids[0].envelope.path, "rb") as fh:
        data = fh.read()
    content_key = envelope.unwrap_content_key(envelope.read_header(io.BytesIO(data)), own)
    out = io.BytesIO()
    opened = envelope.open_envelope(io.BytesIO(data), out, content_key=content_key, signer=b1.cert)
    assert out.getvalue() == b"secret price 1" and opened.summary["price"] == "1234567.00"


def test_bench_bid_submission_runs_and_leaves_nothing() -> None:
    from ggzy.trading.bench_bids import bench_bid_submission

    result = bench_bid_submission(size_mb=1)
    assert result["envelope_bytes"] > 1024 * 1024 and result["total_mb_s"] > 0
    assert not Bid.objects.exists() and not StoredFile.objects.exists()
