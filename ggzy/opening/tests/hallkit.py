"""Building an opening hall for tests, the fault-test subprocess and the benchmarks: a published
construction section with backup decryption (2 of 3 custodians), bidders with bound
certificates and registered envelope keys whose bids were sealed with ggzy.sealing and submitted
through the trading services before the deadline, and the clock moved to the opening time."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy.core.clock import FixedClock
from ggzy.sealing import envelope, kit, shamir
from ggzy.sealing import testing as pki

PROJECT_CODE = "2026-640400-48-01-000777"
PDF = b"%PDF-1.4\n% tender file\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
T0 = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 Beijing time
_n = itertools.count(1)


@dataclass
class Bidder:
    user: Any
    org: Any
    cert: Any
    signing_key: Any
    key: kit.KeyFiles
    bid: Any = None
    payload: bytes = b""

    def seal(
        self, section: Any, payload: bytes, *, summary: dict[str, Any], escrow_pem: bytes | None
    ) -> bytes:
        out = io.BytesIO()
        self.seal_to(
            section, io.BytesIO(payload), out, summary=summary, escrow_pem=escrow_pem, chunk_size=4096
        )
        return out.getvalue()

    def seal_to(
        self,
        section: Any,
        src: Any,
        dst: Any,
        *,
        summary: dict[str, Any],
        escrow_pem: bytes | None,
        chunk_size: int,
    ) -> None:
        envelope.seal(
            src,
            dst,
            section=section.code,
            bidder=self.org.credit_code,
            summary=summary,
            file_name="投标文件.pdf",
            bidder_public_key=self.key.public_pem,
            signing_key=self.signing_key,
            created_at=T0,
            escrow_public_key=escrow_pem,
            chunk_size=chunk_size,
        )

    def content_key(self, bid: Any) -> bytes:
        from django.core.files.storage import default_storage

        with default_storage.open(bid.envelope.path, "rb") as f:
            header = envelope.read_header(f)
        return envelope.unwrap_content_key(header, kit.load_private_key(self.key.private_pem))


@dataclass
class Hall:
    section: Any
    host: Any
    bidders: list[Bidder]
    escrow: shamir.EscrowKit
    custodians: list[Any]
    clock: FixedClock
    staff: dict[str, Any] = field(default_factory=dict)

    def shares(self, n: int) -> list[tuple[Any, str]]:
        return [(self.custodians[i], self.escrow.shares[i].to_text()) for i in range(n)]


def _org(kind: str, name: str) -> Any:
    from ggzy.accounts import services
    from ggzy.core.codes import make_credit_code

    return services.organisation_create(
        actor=None, kind=kind, name=name, credit_code=make_credit_code(f"91640400MB{next(_n):07d}")
    )


def _user(role: str, org: Any, username: str | None = None) -> Any:
    from ggzy.accounts import services

    return services.user_create(
        actor=None,
        username=username or f"{role}-{next(_n)}",
        password="pw-1234567890",
        organisation=org,
        display_name=f"{role}用户",
        roles=[role],
    )


def make_staff() -> dict[str, Any]:
    center = _org("center", "示范市公共资源交易中心")
    return {
        role: _user(role, center)
        for role in ("editor", "first_reviewer", "reviewer", "second_reviewer", "signer", "system_admin")
    }


def publish(staff: dict[str, Any], item: Any) -> Any:
    from ggzy.publishing import services

    item = services.release_submit(actor=staff["editor"], item=item)
    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        item = services.release_approve(actor=staff[role], item=item)
    return item


def build_hall(
    clock: FixedClock,
    *,
    staff: dict[str, Any] | None = None,
    bids: int = 3,
    backup: bool = True,
    domain: str = "construction",
    payload_size: int = 3000,
    big_bid_path: Path | None = None,
    big_size: int = 0,
    submit: Callable[[Bidder, Any, bytes], Any] | None = None,
) -> Hall:
    """A section closed for bidding at the opening time with ``bids`` sealed bids. With
    ``big_bid_path``, the first bidder's file is ``big_size`` random bytes sealed through that
    path (1 MiB chunks, constant memory). ``submit(bidder, section, envelope)`` replaces the
    service call that submits each sealed bid (e.g. the HTTP upload protocol); returns the bid."""
    import os

    from ggzy.accounts import services as account_services
    from ggzy.publishing import services as publishing
    from ggzy.trading import services

    staff = staff or make_staff()
    notice = publishing.notice_create(
        actor=staff["editor"],
        title="示范市体育馆改造工程施工招标公告",
        kind="tender",
        domain="construction",
        project_code=PROJECT_CODE,
        project_name="示范市体育馆改造工程",
        bid_deadline=dt.datetime(2026, 12, 31, 1, 30, tzinfo=dt.UTC),
    )
    notice = publish(staff, notice)
    tenderer_org = _org("tenderer", "示范市体育局")
    tenderer = _user("tenderer", tenderer_org)
    project = services.project_create(
        actor=tenderer,
        tenderer=tenderer_org,
        name="示范市体育馆改造工程",
        domain=domain,
        procedure="open_tendering",
        code=PROJECT_CODE,
        clock=clock,
    )
    tp = services.tender_project_create(actor=tenderer, project=project, name="施工招标", clock=clock)
    section = services.section_create(actor=tenderer, tender_project=tp, name="施工一标段", clock=clock)
    deadline = clock.now() + dt.timedelta(days=20)
    extra: dict[str, Any] = {"allows_backup_decryption": True, "backup_k": 2, "backup_n": 3} if backup else {}
    section = services.section_update(
        actor=tenderer,
        section=section,
        name="施工一标段",
        bid_deadline=deadline,
        opening_at=deadline,
        summary_keys=["price", "duration"],
        clock=clock,
        **extra,
    )
    services.tender_file_upload(
        actor=tenderer, section=section, name="招标文件.pdf", content=io.BytesIO(PDF), clock=clock
    )
    section = services.section_link_tender_notice(actor=tenderer, section=section, notice=notice, clock=clock)
    section = services.section_publish(actor=tenderer, section=section, clock=clock)
    escrow = shamir.generate_escrow(k=2, n=3)
    if backup:
        services.section_escrow_key_set(
            actor=staff["system_admin"],
            section=section,
            public_key_pem=escrow.public_key_pem,
            threshold_k=2,
            custodians_n=3,
            clock=clock,
        )
    ca = pki.make_ca("示范CA根证书")
    account_services.trusted_root_import(actor=None, data=pki.cert_pem(ca[0]), name="示范CA", clock=clock)
    people = []
    for i in range(bids):
        org = _org("bidder", f"示范建设第{i + 1}工程有限公司")
        user = _user("bidder", org, username=f"bidder{i + 1}-{org.pk}")
        cert, signing_key = pki.make_leaf(*ca, org_name=org.name, credit_code=org.credit_code)
        account_services.certificate_bind(actor=user, organisation=org, data=pki.cert_pem(cert), clock=clock)
        key = kit.generate_key()
        services.bidder_key_register(actor=user, public_key_pem=key.public_pem, clock=clock)
        b = Bidder(user=user, org=org, cert=cert, signing_key=signing_key, key=key)
        summary = {"price": f"{1000000 + i * 12345}.00", "duration": str(300 + i)}
        escrow_pem = escrow.public_key_pem if backup else None
        if i == 0 and big_bid_path is not None:
            plain = big_bid_path.with_suffix(".plain")
            with plain.open("wb") as f:
                left = big_size
                while left:
                    n = min(left, 8 << 20)
                    f.write(os.urandom(n))
                    left -= n
            with plain.open("rb") as src, big_bid_path.open("wb") as dst:
                b.seal_to(section, src, dst, summary=summary, escrow_pem=escrow_pem, chunk_size=1 << 20)
            plain.unlink()
            with big_bid_path.open("rb") as f:
                b.bid = services.bid_submit_file(actor=user, section=section, src=f, clock=clock)
        else:
            b.payload = (b"%PDF-1.4 bid of " + org.name.encode() + b"\n") * (payload_size // 40 + 1)
            sealed = b.seal(section, b.payload, summary=summary, escrow_pem=escrow_pem)
            if submit is not None:
                b.bid = submit(b, section, sealed)
            else:
                b.bid = services.bid_submit_file(
                    actor=user, section=section, src=io.BytesIO(sealed), clock=clock
                )
        people.append(b)
    clock.at = deadline
    services.sections_close_due(clock=clock)
    section.refresh_from_db()
    custodians = [_user("supervisor", _org("supervisor", f"监督部门{i}")) for i in range(3)]
    return Hall(
        section=section,
        host=staff["editor"],
        bidders=people,
        escrow=escrow,
        custodians=custodians,
        clock=clock,
        staff=staff,
    )
