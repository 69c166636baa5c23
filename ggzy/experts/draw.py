"""The verifiable expert draw: hashes, commitment, seed and selection. Pure: no Django.

The protocol is specified in ``docs/formats/expert-draw.md``; this module is its reference
implementation and every function here is referred to by name there. In short:

* ``pool_hash``      = SHA-256(canonical JSON {"v": 1, "pool": {specialty code: sorted expert ids}})
* ``avoidance_hash`` = SHA-256(canonical JSON {"v": 1, "avoid": sorted expert ids})
* ``secret_hash``    = SHA-256(secret bytes)
* ``commitment``     = SHA-256(canonical JSON {"v": 1, "draw": ref, "section": code, "demands": …,
  "pool_hash", "avoidance_hash", "secret_hash"}) — published before any entropy is accepted.
* ``seed``           = HMAC-SHA256(key = secret, canonical JSON {"v": 1, "commitment": …,
  "entropy": [{"role", "value"} … in contribution order]})
* ``selection``: for each demand in order, the candidates are the specialty's pool minus the
  avoidance list minus experts already taken by an earlier demand, ordered by
  (HMAC-SHA256(key = seed, "expert:<id>"), id); the first ``count`` are the committee seats, the
  next ``reserves`` the ordered reserve list (补抽 takes them in that order).

Nobody can predict the seed before the draw: the server's secret is fixed (and committed) before
the tenderer types its entropy, and the tenderer's entropy is unknown to the server. Nobody can
steer it after: the pool, the avoidance list and the secret are bound by the commitment.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ggzy.core.canonical import canonical_json

VERSION = 1
SECRET_BYTES = 32
MAX_ENTROPY_CHARS = 200


@dataclass(frozen=True)
class Demand:
    """How many experts of one specialty the committee needs, and how many reserves after them."""

    specialty: str
    count: int
    reserves: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"specialty": self.specialty, "count": self.count, "reserves": self.reserves}


@dataclass(frozen=True)
class Contribution:
    """One entropy contribution: who (``tenderer`` / ``supervisor``) and the text they typed."""

    role: str
    value: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "value": self.value}


@dataclass
class Pick:
    specialty: str
    principals: list[int] = field(default_factory=list)
    reserves: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"specialty": self.specialty, "principals": self.principals, "reserves": self.reserves}


class Shortfall(Exception):
    """Too few eligible experts; ``missing`` maps specialty code → how many are missing."""

    def __init__(self, missing: Mapping[str, int], available: Mapping[str, int]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in missing.items()))
        self.missing = dict(missing)
        self.available = dict(available)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def normalise_pool(pool: Mapping[str, Iterable[int]]) -> dict[str, list[int]]:
    return {code: sorted({int(i) for i in ids}) for code, ids in sorted(pool.items())}


def pool_hash(pool: Mapping[str, Iterable[int]]) -> str:
    return sha256_hex(canonical_json({"v": VERSION, "pool": normalise_pool(pool)}))


def avoidance_hash(avoid: Iterable[int]) -> str:
    return sha256_hex(canonical_json({"v": VERSION, "avoid": sorted({int(i) for i in avoid})}))


def secret_hash(secret: bytes) -> str:
    return sha256_hex(secret)


def commitment(
    *,
    draw_ref: str,
    section: str,
    demands: Sequence[Demand],
    pool_hash: str,
    avoidance_hash: str,
    secret_hash: str,
) -> str:
    return sha256_hex(
        canonical_json(
            {
                "v": VERSION,
                "draw": draw_ref,
                "section": section,
                "demands": [d.as_dict() for d in demands],
                "pool_hash": pool_hash,
                "avoidance_hash": avoidance_hash,
                "secret_hash": secret_hash,
            }
        )
    )


def normalise_entropy(value: str) -> str:
    """What a contribution is hashed as: surrounding white space removed (a trailing newline
    typed at the terminal must not change the seed the tenderer can recompute)."""
    return value.strip()


def entropy_problem(value: str) -> str | None:
    value = normalise_entropy(value)
    if not value:
        return "随机数不能为空"
    if len(value) > MAX_ENTROPY_CHARS:
        return f"随机数不能超过 {MAX_ENTROPY_CHARS} 个字符"
    return None


def derive_seed(*, commitment: str, secret: bytes, contributions: Sequence[Contribution]) -> bytes:
    message = canonical_json(
        {
            "v": VERSION,
            "commitment": commitment,
            "entropy": [Contribution(c.role, normalise_entropy(c.value)).as_dict() for c in contributions],
        }
    )
    return hmac.new(secret, message, hashlib.sha256).digest()


def rank_key(seed: bytes, expert_id: int) -> bytes:
    return hmac.new(seed, f"expert:{int(expert_id)}".encode("ascii"), hashlib.sha256).digest()


def available_counts(
    *, pool: Mapping[str, Iterable[int]], avoid: Iterable[int], demands: Sequence[Demand]
) -> dict[str, int]:
    avoided = set(avoid)
    return {d.specialty: len(set(pool.get(d.specialty, ())) - avoided) for d in demands}


def check_supply(
    *, pool: Mapping[str, Iterable[int]], avoid: Iterable[int], demands: Sequence[Demand]
) -> None:
    """Refuse before anything is committed when a specialty (or all of them together) has fewer
    eligible experts than seats plus reserves. ``Shortfall.missing`` has the per-specialty gap;
    the key ``"*"`` is the gap of the whole committee when experts are shared between specialties."""
    avoided = set(avoid)
    available = available_counts(pool=pool, avoid=avoided, demands=demands)
    missing = {
        d.specialty: d.count + d.reserves - available[d.specialty]
        for d in demands
        if available[d.specialty] < d.count + d.reserves
    }
    union: set[int] = set()
    for d in demands:
        union.update(pool.get(d.specialty, ()))
    need = sum(d.count + d.reserves for d in demands)
    if not missing and len(union - avoided) < need:
        missing["*"] = need - len(union - avoided)
    if missing:
        raise Shortfall(missing, available)


def select(
    *, seed: bytes, pool: Mapping[str, Iterable[int]], avoid: Iterable[int], demands: Sequence[Demand]
) -> list[Pick]:
    """The committee and its reserves. Raises :class:`Shortfall` when a demand cannot be filled
    (possible only when experts are shared between specialties)."""
    avoided = set(avoid)
    taken: set[int] = set()
    picks: list[Pick] = []
    missing: dict[str, int] = {}
    available: dict[str, int] = {}

    def key(i: int) -> tuple[bytes, int]:
        # hmac.digest: the one-shot (OpenSSL) form of rank_key, several times faster.
        return hmac.digest(seed, b"expert:%d" % i, "sha256"), i

    for d in demands:
        candidates = [i for i in set(pool.get(d.specialty, ())) if i not in avoided and i not in taken]
        chosen = heapq.nsmallest(d.count + d.reserves, candidates, key=key)
        available[d.specialty] = len(candidates)
        if len(chosen) < d.count + d.reserves:
            missing[d.specialty] = d.count + d.reserves - len(chosen)
        taken.update(chosen)
        picks.append(Pick(d.specialty, chosen[: d.count], chosen[d.count :]))
    if missing:
        raise Shortfall(missing, available)
    return picks


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    expected: str
    actual: str


@dataclass(frozen=True)
class Verification:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def verify(published: Mapping[str, Any]) -> Verification:
    """Recompute a revealed draw from its published record (the JSON of
    ``docs/formats/expert-draw.md`` §"published record") and compare every value."""
    secret = bytes.fromhex(str(published["secret"]))
    demands = [Demand(str(d["specialty"]), int(d["count"]), int(d["reserves"])) for d in published["demands"]]
    pool = {str(k): [int(i) for i in v] for k, v in dict(published["pool"]).items()}
    avoid = [int(i) for i in published["avoid"]]
    contributions = [Contribution(str(c["role"]), str(c["value"])) for c in published["entropy"]]
    checks: list[Check] = []

    def check(name: str, expected: str, actual: str) -> None:
        checks.append(Check(name, expected == actual, expected, actual))

    ph, ah, sh = pool_hash(pool), avoidance_hash(avoid), secret_hash(secret)
    check("pool_hash", str(published["pool_hash"]), ph)
    check("avoidance_hash", str(published["avoidance_hash"]), ah)
    check("secret_hash", str(published["secret_hash"]), sh)
    c = commitment(
        draw_ref=str(published["draw"]),
        section=str(published["section"]),
        demands=demands,
        pool_hash=ph,
        avoidance_hash=ah,
        secret_hash=sh,
    )
    check("commitment", str(published["commitment"]), c)
    seed = derive_seed(commitment=c, secret=secret, contributions=contributions)
    check("seed", str(published["seed"]), seed.hex())
    try:
        picks = [p.as_dict() for p in select(seed=seed, pool=pool, avoid=avoid, demands=demands)]
        actual = canonical_json(picks).decode()
    except Shortfall as exc:
        actual = f"shortfall {exc.missing}"
    check("selection", canonical_json(list(published["selection"])).decode(), actual)
    chosen = {i for p in published["selection"] for i in [*p["principals"], *p["reserves"]]}
    clash = sorted(chosen & set(avoid))
    check("no_avoided_selected", "[]", str(clash))
    return Verification(checks)
