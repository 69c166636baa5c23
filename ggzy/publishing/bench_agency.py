"""Benchmark of issue 3 for ``ggzy bench``: what the server does to accept one signed agency
notice, in ms per notice — rebuild the canonical bytes from the database (notice + attachments),
check the certificate (bound to the agency, chained to the trust store, not revoked: C2's
``certificate_usable``) and verify the signature. For an ECDSA P-256 and an RSA-2048 agency.

Runs in this process's database inside one transaction that is rolled back at the end, so it
leaves nothing behind (it can be pointed at a database holding real data).
"""

from __future__ import annotations

import io
import random
import statistics
import time
from typing import Any

PDF = b"%PDF-1.4\n" + b"bench " * 20000


class _Rollback(Exception):
    pass


def _code(rng: random.Random) -> str:
    from ggzy.accounts.models import Organisation
    from ggzy.core.codes import make_credit_code

    while True:
        code = make_credit_code(f"91640400MA{rng.randrange(10**7):07d}")
        if not Organisation.objects.filter(credit_code=code).exists():
            return code


def _measure(key_type: str, n: int, rng: random.Random) -> dict[str, Any]:
    import datetime as dt

    from ggzy.accounts import selectors as accounts_selectors
    from ggzy.accounts import services as accounts_services
    from ggzy.core.clock import SHANGHAI, FixedClock
    from ggzy.publishing import selectors
    from ggzy.publishing.services import agency as agency_services
    from ggzy.sealing import certs
    from ggzy.sealing import testing as pki

    now = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    clock = FixedClock(now)
    center = accounts_services.organisation_create(
        actor=None, kind="center", name="基准测试中心", credit_code=_code(rng)
    )
    admin = accounts_services.user_create(
        actor=None,
        username=f"bench-admin-{rng.randrange(10**9)}",
        password="bench-password-123",  # noqa: S106 - rolled back
        organisation=center,
        roles=["system_admin"],
    )
    ca_cert, ca_key = pki.make_ca("基准测试根CA", key_type=key_type)  # type: ignore[arg-type]
    accounts_services.trusted_root_import(actor=admin, data=pki.cert_pem(ca_cert), clock=clock)
    agency = accounts_services.organisation_create(
        actor=None, kind="agency", name="基准测试代理公司", credit_code=_code(rng)
    )
    publisher = accounts_services.user_create(
        actor=None,
        username=f"bench-agency-{rng.randrange(10**9)}",
        password="bench-password-123",  # noqa: S106 - rolled back
        organisation=agency,
        roles=["agency_publisher"],
    )
    cert, key = pki.make_leaf(
        ca_cert,
        ca_key,
        org_name=agency.name,
        credit_code=agency.credit_code,
        key_type=key_type,  # type: ignore[arg-type]
    )
    accounts_services.certificate_bind(
        actor=publisher, organisation=agency, data=pki.cert_pem(cert), clock=clock
    )
    tenderer = accounts_services.organisation_create(
        actor=None, kind="tenderer", name="基准测试招标人", credit_code=_code(rng)
    )
    agency_services.agency_mandate_grant(
        actor=admin,
        tenderer=tenderer,
        agency=agency,
        project_code="BENCH-001",
        project_name="基准测试项目",
        valid_from=dt.date(2026, 1, 1),
        clock=clock,
    )
    start = dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)
    notice = agency_services.agency_notice_create(
        actor=publisher,
        clock=clock,
        title="基准测试施工招标公告",
        body_html="<p>" + "招标内容。" * 400 + "</p>",
        kind="tender",
        domain="construction",
        procedure="open_tendering",
        project_code="BENCH-001",
        project_name="基准测试项目",
        file_issue_start=start,
        file_issue_end=start + dt.timedelta(days=6),
        bid_deadline=start + dt.timedelta(days=21),
        opening_at=start + dt.timedelta(days=21),
        uploads=[(f"附件{i}.pdf", io.BytesIO(PDF + bytes([i]))) for i in range(3)],
    )
    key_pem = pki.key_pem(key)
    cert_der = pki.cert_der(cert)
    signature = certs.sign_bytes(key_pem, selectors.notice_canonical_bytes(notice))

    def verify_once() -> None:
        data = selectors.notice_canonical_bytes(notice)
        accounts_selectors.certificate_usable(organisation=agency, certificate_der=cert_der, at=now)
        certs.verify_signature(certs.load_certificate(cert_der), data, signature)

    verify_once()  # warm-up (and proof that it verifies)
    timings = []
    for _ in range(n):
        t0 = time.perf_counter()
        verify_once()
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    return {
        "key_type": key_type,
        "n": n,
        "canonical_bytes": len(selectors.notice_canonical_bytes(notice)),
        "mean_ms": round(statistics.fmean(timings), 3),
        "median_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 3),
        "max_ms": round(timings[-1], 3),
    }


def bench_notice_signature(n: int = 200, *, seed: int = 3) -> dict[str, Any]:
    """ms per notice verification (canonical bytes + certificate check + signature), EC and RSA."""
    from django.db import connection, transaction

    if n < 1:
        raise ValueError("n must be >= 1")
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    results: list[dict[str, Any]] = []
    try:
        with transaction.atomic():
            results = [_measure("ec", n, rng), _measure("rsa", n, rng)]
            raise _Rollback
    except _Rollback:
        pass
    return {
        "benchmark": "notice_signature_verification",
        "database_vendor": connection.vendor,
        "note": "per notice: canonical JSON rebuilt from the database (3 attachments), certificate "
        "bound + chained + CRLs (certificate_usable), signature verified",
        "suites": results,
    }
