"""Canonical JSON: the byte form that hashes and signatures are computed over.

Keys sorted, no insignificant white space, UTF-8 (not ASCII-escaped), datetimes as ISO-8601 UTC
with 'Z', decimals as strings. Documented in docs/formats/audit-chain.md so anyone can re-hash.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in canonical JSON")
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not canonical-JSON serialisable: {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default, allow_nan=False
    ).encode("utf-8")
