"""Test setup for agency notices, made through the real services: a trusted test CA, an agency
with a publisher and a bound certificate, a tenderer that mandated the agency for one project."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ggzy.accounts import services as accounts_services
from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.publishing import selectors
from ggzy.publishing.services import agency as agency_services
from ggzy.sealing import certs
from ggzy.sealing import testing as pki

PROJECT = "E6404000001"
# Monday 2 March 2026, 10:00 in Shanghai: inside the official calendar's years.
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@dataclass
class Agency:
    center: Any
    admin: Any
    agency: Any
    publisher: Any
    tenderer: Any
    tenderer_user: Any
    ca_cert: Any
    ca_key: Any
    cert: Any
    key: Any
    mandate: Any

    @property
    def cert_der(self) -> bytes:
        return pki.cert_der(self.cert)

    @property
    def key_pem(self) -> bytes:
        return pki.key_pem(self.key)

    def sign(self, notice: Any) -> bytes:
        return certs.sign_bytes(self.key_pem, selectors.notice_canonical_bytes(notice))


def make_agency(
    make_org: Callable[..., Any],
    make_user: Callable[..., Any],
    clock: FixedClock,
    *,
    key_type: str = "ec",
    ca_key_type: str = "ec",
) -> Agency:
    center = make_org("center", "示范市公共资源交易中心")
    admin = make_user("system_admin", "editor", org=center)
    ca_cert, ca_key = pki.make_ca("测试根CA", key_type=ca_key_type)  # type: ignore[arg-type]
    accounts_services.trusted_root_import(actor=admin, data=pki.cert_pem(ca_cert), clock=clock)
    agency = make_org("agency", "示范招标代理有限公司")
    publisher = make_user("agency_publisher", org=agency)
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
    tenderer = make_org("tenderer", "示范市城市建设投资有限公司")
    tenderer_user = make_user("tenderer", org=tenderer)
    mandate = agency_services.agency_mandate_grant(
        actor=tenderer_user,
        tenderer=tenderer,
        agency=agency,
        project_code=PROJECT,
        project_name="示范市滨河路改造工程",
        valid_from=dt.date(2026, 1, 1),
        clock=clock,
    )
    return Agency(
        center, admin, agency, publisher, tenderer, tenderer_user, ca_cert, ca_key, cert, key, mandate
    )


def tender_fields(**overrides: Any) -> dict[str, Any]:
    """A construction tender notice that passes every default rule (file issue 5 days, 21 days
    to the deadline, opening at the deadline, price cap under the budget)."""
    start = dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)
    fields: dict[str, Any] = {
        "title": "示范市滨河路改造工程施工招标公告",
        "body_html": "<p>本项目已具备招标条件，现对该项目的施工进行公开招标。</p>",
        "kind": "tender",
        "domain": "construction",
        "procedure": "open_tendering",
        "project_code": PROJECT,
        "project_name": "示范市滨河路改造工程",
        "section_code": f"{PROJECT}001",
        "section_name": "施工标段",
        "budget": Decimal("12000000.00"),
        "price_cap": Decimal("11500000.00"),
        "file_issue_start": start,
        "file_issue_end": start + dt.timedelta(days=6),
        "bid_deadline": start + dt.timedelta(days=21),
        "opening_at": start + dt.timedelta(days=21),
    }
    fields.update(overrides)
    return fields
