"""Benchmark of issue 3 for ``ggzy bench``: certificate signature verification; a JSON-ready dict.

:func:`bench_certificates` — ms per verification of one signed document the way the server does
it on submission: parse the certificate DER, check the chain (leaf → intermediate → trusted root),
validity, CA constraints and revocation against a CRL of ``crl_size`` entries (its signature
verified), then verify the signature over ``payload_bytes`` of canonical bytes. For RSA-2048 and
ECDSA P-256 leaves. Pure: no database (the trust-store query is a few indexed rows and is not what
scales).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from typing import Any

from ggzy.sealing import certs
from ggzy.sealing import testing as pki


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_certificates(n: int = 200, *, crl_size: int = 1000, payload_bytes: int = 4096) -> dict[str, Any]:
    if n < 1 or crl_size < 0:
        raise ValueError("n must be >= 1 and crl_size >= 0")
    at = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    root_cert, root_key = pki.make_ca("基准根CA", key_type="rsa")
    inter_cert, inter_key = pki.make_intermediate(root_cert, root_key, "基准二级CA", key_type="ec")
    # Revoked serials unrelated to the leaves: the lookup has to search the whole list.
    crl = pki.make_crl(inter_cert, inter_key, range(10**6, 10**6 + crl_size))
    crl_root = pki.make_crl(root_cert, root_key, range(2 * 10**6, 2 * 10**6 + crl_size // 10))
    payload = bytes(range(256)) * (payload_bytes // 256 + 1)
    payload = payload[:payload_bytes]
    result: dict[str, Any] = {
        "n": n,
        "crl_size": crl_size,
        "payload_bytes": payload_bytes,
        "chain": "leaf → 二级CA (P-256) → 根CA (RSA-2048)",
    }
    for key_type in ("rsa", "ec"):
        cert, key = pki.make_leaf(
            inter_cert,
            inter_key,
            org_name="基准代理公司",
            credit_code="91640400MA00000017",
            key_type=key_type,
        )
        der = pki.cert_der(cert)
        signature = certs.sign_bytes(pki.key_pem(key), payload)

        def once(der: bytes = der, signature: bytes = signature) -> None:
            leaf = certs.load_certificate(der)
            certs.check_certificate(
                leaf, roots=[root_cert], intermediates=[inter_cert], crls=[crl, crl_root], at=at
            )
            certs.verify_signature(leaf, payload, signature)

        once()  # warm-up
        full: list[float] = []
        verify_only: list[float] = []
        leaf = certs.load_certificate(der)
        for _ in range(n):
            started = time.perf_counter()
            once()
            full.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            certs.verify_signature(leaf, payload, signature)
            verify_only.append((time.perf_counter() - started) * 1000)
        name = "rsa2048" if key_type == "rsa" else "p256"
        result[name] = {
            "ms_per_verification_mean": round(statistics.fmean(full), 3),
            "ms_per_verification_p95": round(_percentile(full, 0.95), 3),
            "ms_signature_only_mean": round(statistics.fmean(verify_only), 3),
            "verifications_per_s": round(1000 / statistics.fmean(full), 1),
        }
    return result
