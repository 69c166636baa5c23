"""The canonical form of an agency notice: the exact bytes an agency signs. Pure: no Django.

Format ``ggzy-notice/1`` (documented in docs/formats/notice-signature.md): canonical JSON
(``ggzy.core.canonical``: keys sorted, no white space, UTF-8, datetimes ISO-8601 UTC with
microseconds and ``Z``, dates ``YYYY-MM-DD``) of one object holding the notice's fields, the
SHA-256 of every attachment, the agency's credit code and the project code. The server rebuilds
these bytes from the stored draft and verifies the signature over them, so what is signed is
exactly what is published; nothing the browser sends is trusted as "the content".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ggzy.core.canonical import canonical_json

FORMAT = "ggzy-notice/1"

# Every notice field that is signed, in the order the documentation lists them.
TEXT_FIELDS = (
    "kind",
    "domain",
    "procedure",
    "title",
    "body_html",
    "project_code",
    "project_name",
    "section_code",
    "section_name",
    "tenderer_name",
    "agency_name",
    "winner_name",
)
MONEY_FIELDS = ("budget", "price_cap", "award_amount")
DATETIME_FIELDS = ("bid_deadline", "opening_at", "file_issue_start", "file_issue_end")
DATE_FIELDS = ("publicity_start", "publicity_end")
BOOL_FIELDS = ("is_prequalification", "affects_bid_preparation")
SIGNED_FIELDS = TEXT_FIELDS + MONEY_FIELDS + DATETIME_FIELDS + DATE_FIELDS + BOOL_FIELDS


@dataclass(frozen=True)
class SignedAttachment:
    """One attachment as it is signed: its file name, the SHA-256 (hex) and size of its bytes."""

    name: str
    sha256: str
    size: int


def _money(value: Any) -> str | None:
    if value is None:
        return None
    # Always two decimals: "1200" typed in a form and "1200.00" read back sign the same bytes.
    return str(Decimal(value).quantize(Decimal("0.01")))


def _moment(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValueError("notice datetimes must be aware")
    return value.astimezone(dt.UTC)


def _day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError("publicity dates must be dates")
    return value.isoformat()


def notice_object(
    *,
    notice_id: int,
    version: int,
    fields: Mapping[str, Any],
    changes_id: int | None,
    attachments: Sequence[SignedAttachment],
    agency_credit_code: str,
    agency_name: str,
) -> dict[str, Any]:
    """The versioned object whose canonical JSON is signed (see :func:`notice_bytes`)."""
    notice: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        notice[name] = str(fields.get(name) or "")
    for name in MONEY_FIELDS:
        notice[name] = _money(fields.get(name))
    for name in DATETIME_FIELDS:
        notice[name] = _moment(fields.get(name))
    for name in DATE_FIELDS:
        notice[name] = _day(fields.get(name))
    for name in BOOL_FIELDS:
        notice[name] = bool(fields.get(name))
    return {
        "format": FORMAT,
        "notice_id": int(notice_id),
        "version": int(version),
        "project_code": notice["project_code"],
        "agency": {"credit_code": agency_credit_code, "name": agency_name},
        "changes": int(changes_id) if changes_id is not None else None,
        "notice": notice,
        "attachments": [
            {"name": a.name, "sha256": a.sha256.lower(), "size": int(a.size)} for a in attachments
        ],
    }


def notice_bytes(**kwargs: Any) -> bytes:
    """The exact bytes an agency signs: canonical JSON of :func:`notice_object`."""
    return canonical_json(notice_object(**kwargs))
