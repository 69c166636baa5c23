"""The chain's hashing rule, shared by writing and verifying. See docs/formats/audit-chain.md.

hash = H( prev_hash_hex ‖ "\n" ‖ canonical_json(body) ), H = SHA-256 or SM3, hex lower-case, where
body = {seq, at, actor_id, actor_label, actor_org_id, action, target_type, target_id, ip, data}.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives import hashes

from ggzy.core.canonical import canonical_json

ALGORITHMS = {"sha256": hashes.SHA256, "sm3": hashes.SM3}


def digest(algorithm: str, message: bytes) -> str:
    try:
        h = hashes.Hash(ALGORITHMS[algorithm]())
    except KeyError:
        raise ValueError(f"unknown audit hash algorithm {algorithm!r}") from None
    h.update(message)
    return h.finalize().hex()


def event_body(
    *,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    actor_org_id: int | None,
    action: str,
    target_type: str,
    target_id: str,
    ip: str,
    data: Any,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "actor_org_id": actor_org_id,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "ip": ip,
        "data": data,
    }


def event_hash(algorithm: str, prev_hash: str, body: dict[str, Any]) -> str:
    return digest(algorithm, prev_hash.encode("ascii") + b"\n" + canonical_json(body))


def checkpoint_message(seq: int, head_hash: str, at: dt.datetime) -> bytes:
    return canonical_json({"seq": seq, "hash": head_hash, "at": at})
