"""The platform documents agencies accept electronically, as versioned data (``data/agreements.json``
plus one UTF-8 text file per version), and the canonical bytes a pledge signature covers.

Pure: no Django. The SHA-256 of a document is over its text file's exact bytes, so anyone holding
the file can check which wording was signed. A new wording is a new version (a new file); rows that
recorded an older version keep pointing at it.

Canonical form of a pledge (documented in docs/formats/agency-signatures.md)::

    canonical_json({
      "type": "ggzy.pledge", "format": 1,
      "document": {"code", "version", "title", "sha256"},
      "organisation": {"name", "credit_code"},
      "issued_at": "<UTC ISO-8601 Z>", "nonce": "<32 hex>"
    })
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ggzy.core.canonical import canonical_json

DATA = Path(__file__).parent / "data"
PLEDGE_TYPE = "ggzy.pledge"
PLEDGE_FORMAT = 1
# The document whose yearly signatures the annual report counts ("与194家代理机构签订承诺书").
YEARLY_PLEDGE_CODE = "ideology-pledge"


@dataclass(frozen=True)
class Document:
    code: str
    version: str
    title: str
    text: str
    sha256: str
    yearly: bool  # must be signed again every calendar year

    def header(self) -> dict[str, str]:
        return {"code": self.code, "version": self.version, "title": self.title, "sha256": self.sha256}


@cache
def documents() -> tuple[Document, ...]:
    rows = json.loads((DATA / "agreements.json").read_text("utf-8"))
    out = []
    for row in rows:
        raw = (DATA / row["file"]).read_bytes()
        out.append(
            Document(
                code=row["code"],
                version=str(row["version"]),
                title=row["title"],
                text=raw.decode("utf-8"),
                sha256=hashlib.sha256(raw).hexdigest(),
                yearly=bool(row.get("counts_as_pledge")),
            )
        )
    return tuple(out)


def current(code: str) -> Document | None:
    """The newest version of a document (versions compare as integers)."""
    versions = [d for d in documents() if d.code == code]
    return max(versions, key=lambda d: int(d.version)) if versions else None


def current_all() -> list[Document]:
    codes = list(dict.fromkeys(d.code for d in documents()))
    return [d for d in (current(c) for c in codes) if d is not None]


def pledge_canonical(*, document: Document, org_name: str, credit_code: str, issued_at: dt.datetime) -> bytes:
    return canonical_json(
        {
            "type": PLEDGE_TYPE,
            "format": PLEDGE_FORMAT,
            "document": document.header(),
            "organisation": {"name": org_name, "credit_code": credit_code},
            "issued_at": issued_at,
            "nonce": secrets.token_hex(16),
        }
    )


def parse_pledge_canonical(data: bytes) -> dict[str, Any] | None:
    """The pledge fields when ``data`` is exactly the canonical form of a pledge, else None."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if (
        not isinstance(value, dict)
        or value.get("type") != PLEDGE_TYPE
        or value.get("format") != PLEDGE_FORMAT
    ):
        return None
    try:
        if canonical_json(value) != data:
            return None
        doc, org = value["document"], value["organisation"]
        issued = dt.datetime.fromisoformat(value["issued_at"].replace("Z", "+00:00"))
        fields = {
            "code": str(doc["code"]),
            "version": str(doc["version"]),
            "sha256": str(doc["sha256"]),
            "org_name": str(org["name"]),
            "credit_code": str(org["credit_code"]),
            "nonce": str(value["nonce"]),
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if issued.tzinfo is None:
        return None
    return {**fields, "issued_at": issued}
