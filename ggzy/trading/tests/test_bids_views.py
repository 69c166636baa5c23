"""The bid page and the upload endpoints over HTTP (Django test client): the resumable protocol,
every bad request answered with the reason as JSON (never a 500), receipts and the platform key."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.core.clock import FixedClock
from ggzy.sealing import kit, receipts
from ggzy.trading.models import Bid, BidderKey, Section
from ggzy.trading.tests.bidkit import Sealer, make_sealer, trust_ca
from ggzy.trading.tests.conftest import Parties
from ggzy.trading.views import common

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed(monkeypatch: pytest.MonkeyPatch, tclock: FixedClock) -> None:
    monkeypatch.setattr(common, "clock", tclock)


@pytest.fixture
def section(build: Callable[..., Any]) -> Section:
    return build("published", deadline_days=20)


@pytest.fixture
def b1(parties: Parties, tclock: FixedClock) -> Sealer:
    return make_sealer(trust_ca(tclock), parties.bidder, tclock)


def as_user(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def put(c: Client, token: str, start: int, chunk: bytes, total: int, **extra: Any) -> Any:
    return c.generic(
        "PUT",
        f"/trading/bid-uploads/{token}/",
        chunk,
        content_type="application/octet-stream",
        headers={"Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{total}", **extra},
    )


def test_upload_protocol_end_to_end(section: Section, b1: Sealer) -> None:
    c = as_user(b1.user)
    page = c.get(f"/trading/sections/{section.pk}/bid/")
    assert page.status_code == 200
    config = page.context["config"]
    assert config["section"] == section.code and config["registeredKeyIds"] == [b1.key.key_id]
    assert config["signers"][0]["public_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    data = b1.seal(section, b"%PDF bid" * 3000)
    r = c.post(
        f"/trading/sections/{section.pk}/bid/uploads/",
        {"total_size": len(data)},
        content_type="application/json",
    )
    assert r.status_code == 201
    token = r.json()["token"]
    assert put(c, token, 0, data[:5000], len(data)).json()["received"] == 5000
    # a resent chunk: 409 and the offset to resume from
    r = put(c, token, 1000, data[1000:6000], len(data))
    assert r.status_code == 409 and r.json()["error"]["fields"]["offset"] == "5000"
    assert c.get(f"/trading/bid-uploads/{token}/").json()["received"] == 5000
    assert put(c, token, 5000, data[5000:], len(data)).json()["received"] == len(data)
    r = c.post(f"/trading/bid-uploads/{token}/finalise/")
    assert r.status_code == 201, r.content
    body = r.json()
    bid = Bid.objects.get(pk=body["bid"]["id"])
    assert body["receipt"] == bid.receipt
    platform = c.get("/trading/platform-key.pem").content
    assert receipts.verify_receipt(
        platform, c.get(f"/trading/bids/{bid.pk}/receipt.json").content
    ).sequence == (bid.receipt_sequence)
    # the page lists it; withdraw through the form
    page = c.get(f"/trading/sections/{section.pk}/bid/")
    assert bid.envelope_sha256 in page.content.decode()
    r = c.post(f"/trading/bids/{bid.pk}/withdraw/")
    assert r.status_code == 302
    bid.refresh_from_db()
    assert bid.status == "withdrawn"


@pytest.mark.parametrize(
    ("headers", "body", "code"),
    [
        ({}, b"abc", "bad_range"),
        ({"Content-Range": "bytes 0-2"}, b"abc", "bad_range"),
        ({"Content-Range": "bytes 2-0/10"}, b"abc", "bad_range"),
        ({"Content-Range": "bytes 0-2/11"}, b"abc", "bad_range"),
        ({"Content-Range": "bytes 0-5/10"}, b"abc", "short_body"),
        ({"Content-Range": "bytes 0-99999999/10"}, b"abc", "bad_range"),
    ],
)
def test_bad_chunks_are_refused_as_json(
    section: Section, b1: Sealer, headers: dict[str, str], body: bytes, code: str
) -> None:
    c = as_user(b1.user)
    token = c.post(
        f"/trading/sections/{section.pk}/bid/uploads/", {"total_size": 10}, content_type="application/json"
    ).json()["token"]
    r = c.generic(
        "PUT",
        f"/trading/bid-uploads/{token}/",
        body,
        content_type="application/octet-stream",
        headers=headers,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == code


def test_bad_requests_never_500(section: Section, b1: Sealer, parties: Parties) -> None:
    c = as_user(b1.user)
    url = f"/trading/sections/{section.pk}/bid/uploads/"
    for payload in (
        b"not json",
        b"[]",
        b'{"total_size": "12"}',
        b'{"total_size": true}',
        b'{"total_size": 0}',
    ):
        r = c.post(url, payload, content_type="application/json")
        assert r.status_code == 400 and r.json()["error"]["message"]
    assert c.get("/trading/bid-uploads/nonexistent/").status_code == 404
    assert c.post("/trading/bid-uploads/nonexistent/finalise/").status_code == 404
    assert c.get("/trading/sections/999999/bid/").status_code == 404
    # garbage envelope: refused with the reason
    token = c.post(url, {"total_size": 20}, content_type="application/json").json()["token"]
    put(c, token, 0, b"x" * 20, 20)
    r = c.post(f"/trading/bid-uploads/{token}/finalise/")
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed"
    # a tenderer is not a bidder
    t = as_user(parties.tenderer)
    assert t.get(f"/trading/sections/{section.pk}/bid/").status_code == 403
    assert t.post(url, {"total_size": 20}, content_type="application/json").status_code == 403
    # anonymous: to the login page
    assert Client().get(f"/trading/sections/{section.pk}/bid/").status_code == 302


def test_key_registration_json_and_file(section: Section, b1: Sealer) -> None:
    c = as_user(b1.user)
    k = kit.generate_key()
    r = c.post("/trading/keys/", {"public_key_pem": k.public_pem.decode()}, content_type="application/json")
    assert r.status_code == 201 and r.json()["key_id"] == k.key_id
    r = c.post("/trading/keys/", {"public_key_pem": k.public_pem.decode()}, content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "duplicate"
    assert c.post("/trading/keys/", b"{", content_type="application/json").status_code == 400
    from django.core.files.uploadedfile import SimpleUploadedFile

    k2 = kit.generate_key()
    r = c.post(
        "/trading/keys/",
        {
            "public_key": SimpleUploadedFile("KEY.pub.pem", k2.public_pem),
            "next": f"/trading/sections/{section.pk}/bid/",
        },
    )
    assert r.status_code == 302 and BidderKey.objects.filter(key_id=k2.key_id).exists()
    row = BidderKey.objects.get(key_id=k2.key_id)
    assert c.post(f"/trading/keys/{row.pk}/revoke/").status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    page = c.get(f"/trading/sections/{section.pk}/bid/")
    assert json.loads(json.dumps(page.context["config"]["registeredKeyIds"])).count(k2.key_id) == 0


def test_closed_section_page_says_so(section: Section, b1: Sealer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert section.bid_deadline is not None
    monkeypatch.setattr(common, "clock", FixedClock(section.bid_deadline))
    c = as_user(b1.user)
    page = c.get(f"/trading/sections/{section.pk}/bid/")
    assert page.status_code == 200 and "bid-closed" in page.content.decode()
    r = c.post(
        f"/trading/sections/{section.pk}/bid/uploads/", {"total_size": 10}, content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "deadline_passed"


def test_center_staff_register_the_escrow_key(
    parties: Parties, build: Callable[..., Any], tclock: FixedClock
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ggzy.sealing import shamir
    from ggzy.trading import services

    section = build("ready")
    section = services.section_update(
        actor=parties.tenderer,
        section=section,
        name=section.name,
        bid_deadline=section.bid_deadline,
        opening_at=section.opening_at,
        allows_backup_decryption=True,
        backup_k=2,
        backup_n=3,
        clock=tclock,
    )
    ceremony = shamir.generate_escrow(k=2, n=3)
    url = f"/manage/trading/sections/{section.pk}/escrow/"
    assert as_user(parties.tenderer).get(url).status_code == 403
    c = as_user(parties.admin)
    assert c.get(url).status_code == 200
    r = c.post(
        url, {"public_key": SimpleUploadedFile("x.pem", b"junk"), "threshold_k": "2", "custodians_n": "3"}
    )
    assert r.status_code == 400 and "无法读取" in r.content.decode()
    r = c.post(
        url,
        {
            "public_key": SimpleUploadedFile("x.pem", ceremony.public_key_pem),
            "threshold_k": "4",
            "custodians_n": "3",
        },
    )
    assert r.status_code == 400
    r = c.post(
        url,
        {
            "public_key": SimpleUploadedFile("escrow.pub.pem", ceremony.public_key_pem),
            "threshold_k": "2",
            "custodians_n": "3",
            "custodians": "监督人\n交易中心\n公证员",
        },
    )
    assert r.status_code == 302
    page = c.get(url).content.decode()
    assert ceremony.key_id in page and "公证员" in page
