"""Benchmark of sealed-bid submission for ``ggzy bench``; a JSON-ready dict.

* :func:`bench_bid_submission` — in this process's database and file storage: a bidder with a
  bound certificate and a registered key seals ``size_mb`` MiB (the kit's Python sealer; not
  counted), then the server side is timed: the chunked upload into the temporary area
  (``bid_upload_append`` in 8 MiB chunks, each fsynced), and the finalise (structure + signature
  verification over the whole envelope, content-addressed store, bid row + signed receipt). All
  rows are rolled back; the stored envelope blob is deleted afterwards.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import time
from typing import Any, BinaryIO, cast

from cryptography.hazmat.primitives.asymmetric import ec


class _Rollback(Exception):
    pass


def bench_bid_submission(size_mb: int = 64) -> dict[str, Any]:
    """Upload, verify+store and total MB/s of one ``size_mb`` MiB bid."""
    from django.core.files.storage import default_storage
    from django.db import transaction

    from ggzy.accounts import services as accounts
    from ggzy.accounts.models import Organisation, RoleGrant, User
    from ggzy.core.clock import FixedClock
    from ggzy.core.codes import make_credit_code
    from ggzy.publishing.models import Notice
    from ggzy.sealing import envelope, kit
    from ggzy.sealing import testing as pki
    from ggzy.trading import services
    from ggzy.trading.config import trading_rules
    from ggzy.trading.models import Project, Section, TenderProject

    if size_mb < 1:
        raise ValueError("size_mb must be >= 1")
    now = dt.datetime.now(tz=dt.UTC)
    clock = FixedClock(now)
    size = size_mb * 1024 * 1024
    result: dict[str, Any] = {"size_mb": size_mb}
    blob_path = ""
    with tempfile.TemporaryDirectory(prefix="ggzy-bench-bid-") as tmp:
        env_path = os.path.join(tmp, "bid.env")
        try:
            with transaction.atomic():
                tenderer_org = Organisation.objects.create(
                    kind="tenderer", name="BENCH 招标人", credit_code=make_credit_code("91640400BENCH0011")
                )
                bidder_org = Organisation.objects.create(
                    kind="bidder", name="BENCH 投标人", credit_code=make_credit_code("91640400BENCH0012")
                )
                tenderer = User.objects.create(username="bench-bids-tenderer", organisation=tenderer_org)
                bidder = User.objects.create(username="bench-bids-bidder", organisation=bidder_org)
                RoleGrant.objects.create(user=tenderer, role="tenderer")
                RoleGrant.objects.create(user=bidder, role="bidder")
                project = Project.objects.create(
                    code="Z996404000001010002",
                    name="BENCH 项目",
                    tenderer=tenderer_org,
                    domain="construction",
                    procedure="open_tendering",
                    created_by=tenderer,
                    created_at=now,
                )
                tp = TenderProject.objects.create(
                    project=project,
                    code=project.code + "001",
                    name="BENCH",
                    created_by=tenderer,
                    created_at=now,
                )
                notice = Notice.objects.create(
                    title="BENCH 招标公告",
                    kind="tender",
                    domain="construction",
                    status="published",
                    author=tenderer,
                    organisation=tenderer_org,
                    published_at=now,
                    project_code=project.code,
                )
                deadline = now + dt.timedelta(days=20)
                section = Section.objects.create(
                    tender_project=tp,
                    code=tp.code + "001",
                    name="BENCH 标段",
                    status="published",
                    bid_deadline=deadline,
                    opening_at=deadline,
                    published_at=now,
                    tender_notice=notice,
                    created_by=tenderer,
                    created_at=now,
                )
                ca_cert, ca_key = pki.make_ca("BENCH CA")
                accounts.trusted_root_import(
                    actor=None, data=pki.cert_pem(ca_cert), name="BENCH CA", clock=clock
                )
                cert, signing_key = pki.make_leaf(
                    ca_cert, ca_key, org_name=bidder_org.name, credit_code=bidder_org.credit_code
                )
                accounts.certificate_bind(
                    actor=None, organisation=bidder_org, data=pki.cert_pem(cert), clock=clock
                )
                key = kit.generate_key()
                services.bidder_key_register(actor=bidder, public_key_pem=key.public_pem, clock=clock)
                assert isinstance(signing_key, ec.EllipticCurvePrivateKey)
                with open(env_path, "wb") as out:
                    envelope.seal(
                        cast(BinaryIO, _RandomReader(size)),
                        out,
                        section=section.code,
                        bidder=bidder_org.credit_code,
                        summary={"price": "1.00"},
                        file_name="bench.bin",
                        bidder_public_key=key.public_pem,
                        signing_key=signing_key,
                        created_at=now,
                        file_size=size,
                    )
                total = os.path.getsize(env_path)
                step = trading_rules().bid_chunk_max_bytes
                t0 = time.perf_counter()
                upload = services.bid_upload_start(
                    actor=bidder, section=section, total_size=total, clock=clock
                )
                with open(env_path, "rb") as src:
                    offset = 0
                    while offset < total:
                        chunk = src.read(step)
                        services.bid_upload_append(
                            actor=bidder, token=upload.token, offset=offset, data=chunk, clock=clock
                        )
                        offset += len(chunk)
                t1 = time.perf_counter()
                bid = services.bid_upload_finalise(actor=bidder, token=upload.token, clock=clock)
                t2 = time.perf_counter()
                blob_path = bid.envelope.path
                mb = total / (1024 * 1024)
                result.update(
                    envelope_bytes=total,
                    upload_s=round(t1 - t0, 3),
                    finalise_s=round(t2 - t1, 3),
                    upload_mb_s=round(mb / (t1 - t0), 1),
                    verify_store_mb_s=round(mb / (t2 - t1), 1),
                    total_mb_s=round(mb / (t2 - t0), 1),
                )
                raise _Rollback
        except _Rollback:
            pass
        finally:
            if blob_path and default_storage.exists(blob_path):
                default_storage.delete(blob_path)
    return result


class _RandomReader(io.RawIOBase):
    """``size`` pseudo-random bytes without holding them in memory."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = os.urandom(1 << 20)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left, len(self.block))
        buffer[:n] = self.block[:n]
        self.left -= n
        return n
