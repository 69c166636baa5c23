"""Demo trust material for ``ggzy demo``: a throw-away CA in the trust store, one EC P-256 signing
certificate bound to each given agency, its key written to ``key_dir`` (so a demo user can sign in
the browser), and — optionally — the yearly pledge signed for each agency, so the annual count has
data. Everything goes through the real services (validated and audited). Never for production:
the CA key is discarded and the agency keys are written unencrypted."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ggzy.accounts import agreements, services
from ggzy.accounts.choices import Role
from ggzy.accounts.models import Organisation, TrustedRoot, User
from ggzy.core.clock import Clock, system_clock
from ggzy.sealing import certs
from ggzy.sealing import testing as pki

DEMO_CA_NAME = "示范市电子认证服务中心根CA（演示）"


def demo_pki(
    *,
    agencies: Iterable[Organisation],
    key_dir: Path,
    sign_pledges: bool = True,
    clock: Clock = system_clock,
) -> dict[str, Any]:
    """Returns {"root": TrustedRoot, "certificates": {credit_code: (cert_path, key_path)}, "pledges": n}."""
    key_dir.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = pki.make_ca(DEMO_CA_NAME)
    (key_dir / "demo-ca.pem").write_bytes(pki.cert_pem(ca_cert))
    root: TrustedRoot = services.trusted_root_import(
        actor=None, data=pki.cert_pem(ca_cert), name=DEMO_CA_NAME, clock=clock
    )
    out: dict[str, tuple[Path, Path]] = {}
    pledges = 0
    for org in agencies:
        cert, key = pki.make_leaf(ca_cert, ca_key, org_name=org.name, credit_code=org.credit_code)
        cert_path = key_dir / f"{org.credit_code}.cert.pem"
        key_path = key_dir / f"{org.credit_code}.key.pem"
        cert_path.write_bytes(pki.cert_pem(cert))
        key_path.write_bytes(pki.key_pem(key))
        key_path.chmod(0o600)
        row = services.certificate_bind(actor=None, organisation=org, data=pki.cert_pem(cert), clock=clock)
        out[org.credit_code] = (cert_path, key_path)
        publisher = User.objects.filter(organisation=org, role_grants__role=Role.AGENCY_PUBLISHER).first()
        document = agreements.current(agreements.YEARLY_PLEDGE_CODE)
        if sign_pledges and publisher is not None and document is not None:
            canonical = agreements.pledge_canonical(
                document=document, org_name=org.name, credit_code=org.credit_code, issued_at=clock.now()
            )
            services.pledge_sign(
                actor=publisher,
                certificate=row,
                canonical=canonical,
                signature=certs.sign_bytes(pki.key_pem(key), canonical),
                clock=clock,
            )
            pledges += 1
    return {"root": root, "certificates": out, "pledges": pledges}
