"""Test helpers for sealed bids: a trusted CA, bidders with bound certificates and registered
envelope keys, and sealing an envelope with the Python kit (the browser does the same in JS)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from ggzy.accounts import services as account_services
from ggzy.sealing import envelope, kit
from ggzy.sealing import testing as pki
from ggzy.trading import services
from ggzy.trading.models import BidderKey


@dataclass
class Sealer:
    """One bidder's keys: the certificate's signing key and the registered envelope key."""

    user: Any
    org: Any
    cert: Any
    signing_key: Any
    key: kit.KeyFiles
    bidder_key: BidderKey | None

    def seal(
        self,
        section: Any,
        payload: bytes = b"bid file",
        *,
        summary: dict[str, Any] | None = None,
        section_code: str | None = None,
        bidder: str | None = None,
        recipient_pem: bytes | None = None,
        signing_key: Any = None,
        escrow_pem: bytes | None = None,
        chunk_size: int = 4096,
    ) -> bytes:
        out = io.BytesIO()
        envelope.seal(
            io.BytesIO(payload),
            out,
            section=section_code or section.code,
            bidder=bidder or self.org.credit_code,
            summary=summary or {"price": "1234567.00", "duration": "365"},
            file_name="投标文件.pdf",
            bidder_public_key=recipient_pem or self.key.public_pem,
            signing_key=signing_key or self.signing_key,
            created_at=dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC),
            escrow_public_key=escrow_pem,
            chunk_size=chunk_size,
        )
        return out.getvalue()


def trust_ca(clock: Any) -> Any:
    ca = pki.make_ca("示范CA根证书")
    account_services.trusted_root_import(actor=None, data=pki.cert_pem(ca[0]), name="示范CA", clock=clock)
    return ca


def make_sealer(ca: Any, user: Any, clock: Any, *, register: bool = True) -> Sealer:
    org = user.organisation
    cert, signing_key = pki.make_leaf(*ca, org_name=org.name, credit_code=org.credit_code)
    account_services.certificate_bind(actor=user, organisation=org, data=pki.cert_pem(cert), clock=clock)
    key = kit.generate_key()
    row = (
        services.bidder_key_register(actor=user, public_key_pem=key.public_pem, clock=clock)
        if register
        else None
    )
    return Sealer(user=user, org=org, cert=cert, signing_key=signing_key, key=key, bidder_key=row)


def fault_setup() -> dict[str, Any]:
    """Build, in whatever database Django is configured for (a child server's), a published
    section and a bidder with a bound certificate, a registered key and a logged-in session; return
    what the test process needs to talk to the server. Uses the system clock (the server's)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from ggzy.accounts import services as accounts
    from ggzy.core.clock import system_clock
    from ggzy.core.codes import make_credit_code
    from ggzy.publishing import services as publishing

    clock = system_clock
    n = dt.datetime.now(dt.UTC).microsecond
    serial = iter(range(1, 100))

    def org(kind: str, name: str) -> Any:
        code = make_credit_code(f"91640400MA{n % 100000:05d}{next(serial):02d}")
        return accounts.organisation_create(actor=None, kind=kind, name=name, credit_code=code)

    center = org("center", "示范市公共资源交易中心")
    staff = {
        role: accounts.user_create(
            actor=None,
            username=f"{role}-{n}",
            password="pw-1234567890",
            organisation=center,
            display_name=role,
            roles=[role],
        )
        for role in ("editor", "first_reviewer", "reviewer", "second_reviewer", "signer")
    }
    tenderer_org = org("tenderer", "示范市第一中学")
    tenderer = accounts.user_create(
        actor=None,
        username=f"t-{n}",
        password="pw-1234567890",
        organisation=tenderer_org,
        display_name="t",
        roles=["tenderer"],
    )
    bidder_org = org("bidder", "示范建设工程有限公司")
    bidder = accounts.user_create(
        actor=None,
        username=f"b-{n}",
        password="pw-1234567890",
        organisation=bidder_org,
        display_name="b",
        roles=["bidder"],
    )
    code = f"2026-640400-48-01-{n:06d}"
    deadline = clock.now() + dt.timedelta(days=20)
    notice = publishing.notice_create(
        actor=staff["editor"],
        title="示范工程施工招标公告",
        kind="tender",
        domain="construction",
        project_code=code,
        project_name="示范工程",
        bid_deadline=deadline,
    )
    notice = publishing.release_submit(actor=staff["editor"], item=notice)
    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        notice = publishing.release_approve(actor=staff[role], item=notice)
    project = services.project_create(
        actor=tenderer,
        tenderer=tenderer_org,
        name="示范工程",
        domain="construction",
        procedure="open_tendering",
        code=code,
    )
    tp = services.tender_project_create(actor=tenderer, project=project, name="施工招标")
    section = services.section_create(actor=tenderer, tender_project=tp, name="施工一标段", price_cap=None)
    section = services.section_update(
        actor=tenderer,
        section=section,
        name="施工一标段",
        bid_deadline=deadline,
        opening_at=deadline,
        summary_keys=["price"],
    )
    services.tender_file_upload(
        actor=tenderer,
        section=section,
        name="招标文件.pdf",
        content=io.BytesIO(b"%PDF-1.4\n% tender\n%%EOF\n"),
    )
    section = services.section_link_tender_notice(actor=tenderer, section=section, notice=notice)
    section = services.section_publish(actor=tenderer, section=section)
    ca = trust_ca(clock)
    sealer = make_sealer(ca, bidder, clock)
    session = SessionStore()
    session[SESSION_KEY] = str(bidder.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = bidder.get_session_auth_hash()
    session.create()
    return {
        "section_pk": section.pk,
        "section_code": section.code,
        "bidder": bidder_org.credit_code,
        "session": session.session_key,
        "signing_key_pem": pki.key_pem(sealer.signing_key).decode(),
        "key_pem": sealer.key.private_pem.decode(),
        "public_pem": sealer.key.public_pem.decode(),
    }


def fault_state(section_pk: int) -> dict[str, Any]:
    """What the database holds about a section's bids (run in the child's database)."""
    from ggzy.publishing.models import StoredFile
    from ggzy.trading.models import Bid, BidUpload
    from ggzy.trading.services.bids import ENVELOPE_MEDIA_TYPE, upload_path

    uploads = list(BidUpload.objects.filter(section_id=section_pk).order_by("pk"))
    return {
        "bids": Bid.objects.filter(section_id=section_pk).count(),
        "receipts": Bid.objects.filter(section_id=section_pk).exclude(receipt={}).count(),
        "envelopes": StoredFile.objects.filter(media_type=ENVELOPE_MEDIA_TYPE).count(),
        "uploads": [
            {
                "status": u.status,
                "received": u.received,
                "total": u.total_size,
                "temp_size": upload_path(u).stat().st_size if upload_path(u).exists() else None,
            }
            for u in uploads
        ],
    }
