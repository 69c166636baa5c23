"""Experts' personal data at rest: identity number and phone encrypted with the configured field
keys (the same keys and cipher as ``disclosure.pii``), bound to their own columns; masked copies
for screens; a blind index on the identity number so the same person cannot be entered twice."""

from __future__ import annotations

import datetime as dt
import re

from ggzy.disclosure import pii as base

mask_id_number = base.mask_id_number
mask_phone = base.mask_phone

ID_RE = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def context(field: str) -> bytes:
    return f"experts.expert.{field}".encode("ascii")


def encrypt(field: str, value: str) -> str:
    return base.cipher().encrypt(value, context=context(field))


def decrypt(field: str, token: str) -> str:
    return base.cipher().decrypt(token, context=context(field))


def id_digest(id_number: str) -> str:
    return base.identity_digest("expert", id_number)


def id_digests(id_number: str) -> list[str]:
    """Every digest the number may be stored under (both suites, current first; see
    ``disclosure.pii.identity_digests``) — for the "already in the pool" check."""
    return base.identity_digests("expert", id_number)


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 18-digit resident identity number (GB 11643 check digit)."""
    value = base.normalise_id_number(value)
    if not ID_RE.match(value):
        return "身份证号应为 18 位（最后一位可为 X）"
    total = sum(int(c) * w for c, w in zip(value[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != value[17]:
        return "身份证号校验位不正确"
    if birth_from_id(value) is None:
        return "身份证号中的出生日期不正确"
    return None


def birth_from_id(value: str) -> dt.date | None:
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def make_id_number(region: str, birth: dt.date, serial: int) -> str:
    """A syntactically valid identity number (tests, demo data, benchmarks)."""
    body = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + _CHECK[total % 11]
