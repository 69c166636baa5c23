"""k-of-n Shamir secret sharing of a section's escrow (backup decryption) private key.

The secret is the escrow key's P-256 private scalar; shares are points of a random polynomial of
degree k-1 over the prime field of the P-256 group order. A share is a line of text a custodian can
keep on paper or a token::

    ggzy-share/1:<escrow key id, 64 hex>:<k>:<n>:<index>:<y, 64 hex>:<checksum, 8 hex>

``checksum`` is the first 8 hex digits of SHA-256 over everything before the last ``:``, so a typo or
a share of another escrow key is refused before any arithmetic; after combining, the recovered key
must match the escrow key id, so a wrong share that passes its checksum is refused too.

:func:`generate_escrow` is the key ceremony: it runs in a custodian's kit (not on the server),
returns the public key and the n shares, and keeps the scalar only in local variables; the server
receives the public key alone (see docs/formats/sealed-envelope.md, "Escrow ceremony").

Suite ``sm``: the secret is an SM2 private scalar, the field is the SM2 group order, and the line
starts ``ggzy-sm-share/1`` (otherwise identical; the key id is the SM3 one of the envelope format).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from ggzy.sealing import suites
from ggzy.sealing.envelope import key_id

# The order of the P-256 base point (a prime).
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
PREFIX = "ggzy-share/1"
PREFIXES = {suites.INTL: PREFIX, suites.SM: "ggzy-sm-share/1"}
ORDERS = {suites.INTL: ORDER, suites.SM: suites.SM2_N}
MAX_SHARES = 255
SHARE_TEXT = re.compile(
    r"(ggzy-share/1|ggzy-sm-share/1):([0-9a-f]{64}):(\d{1,3}):(\d{1,3}):(\d{1,3}):([0-9a-f]{64}):([0-9a-f]{8})"
)


class ShareError(Exception):
    """A share or a set of shares that cannot be used; ``message`` is Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Share:
    escrow_key_id: str
    k: int
    n: int
    index: int
    y: int
    suite: str = suites.INTL

    def _body(self) -> str:
        return f"{PREFIXES[self.suite]}:{self.escrow_key_id}:{self.k}:{self.n}:{self.index}:{self.y:064x}"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self._body().encode("ascii")).hexdigest()[:8]

    def to_text(self) -> str:
        return f"{self._body()}:{self.checksum}"

    @classmethod
    def from_text(cls, text: str) -> Share:
        m = SHARE_TEXT.fullmatch(text.strip())
        if m is None:
            raise ShareError(
                "unreadable", "无法识别的密钥份额（格式应为 ggzy-share/1:… 或 ggzy-sm-share/1:…）"
            )
        share = cls(
            escrow_key_id=m.group(2),
            k=int(m.group(3)),
            n=int(m.group(4)),
            index=int(m.group(5)),
            y=int(m.group(6), 16),
            suite=suites.SM if m.group(1) == PREFIXES[suites.SM] else suites.INTL,
        )
        if share.checksum != m.group(7):
            raise ShareError("checksum", f"第 {share.index} 号密钥份额校验码不符（抄写错误或被篡改）")
        order = ORDERS[share.suite]
        if not (2 <= share.k <= share.n <= MAX_SHARES and 1 <= share.index <= share.n and share.y < order):
            raise ShareError("unreadable", "密钥份额的门限参数无效")
        return share


def _eval(coefficients: Sequence[int], x: int, order: int = ORDER) -> int:
    acc = 0
    for c in reversed(coefficients):
        acc = (acc * x + c) % order
    return acc


def interpolate(points: Sequence[tuple[int, int]], x: int, order: int = ORDER) -> int:
    """Lagrange interpolation mod ``order`` of the unique degree < len(points) polynomial, at ``x``."""
    total = 0
    for i, (xi, yi) in enumerate(points):
        num, den = 1, 1
        for j, (xj, _) in enumerate(points):
            if i != j:
                num = num * (x - xj) % order
                den = den * (xi - xj) % order
        total = (total + yi * num * pow(den, -1, order)) % order
    return total


def _suite_order(suite: str) -> int:
    if suite not in ORDERS:
        raise ShareError("parameters", f"不支持的密码套件 {str(suite)[:40]!r}（支持 intl、sm）")
    return ORDERS[suite]


def split(secret: int, *, k: int, n: int, escrow_key_id: str, suite: str = suites.INTL) -> list[Share]:
    order = _suite_order(suite)
    if not 2 <= k <= n <= MAX_SHARES:
        raise ShareError("parameters", "门限参数应满足 2 ≤ k ≤ n ≤ 255")
    if not 0 < secret < order:
        raise ShareError("parameters", "秘密值超出群阶范围")
    coefficients = [secret] + [secrets.randbelow(order) for _ in range(k - 1)]
    return [Share(escrow_key_id, k, n, x, _eval(coefficients, x, order), suite) for x in range(1, n + 1)]


def combine(shares: Sequence[Share | str]) -> int:
    """The secret scalar from at least k shares of one escrow key (extra shares are cross-checked)."""
    parsed = [s if isinstance(s, Share) else Share.from_text(s) for s in shares]
    if not parsed:
        raise ShareError("not_enough", "没有提交密钥份额")
    first = parsed[0]
    for s in parsed:
        if s.escrow_key_id != first.escrow_key_id:
            raise ShareError("mixed", "这些密钥份额来自不同的备用解密密钥，不能混合使用")
        if (s.k, s.n) != (first.k, first.n):
            raise ShareError("mixed", "这些密钥份额的门限参数不一致，不能混合使用")
        if s.suite != first.suite:
            raise ShareError("mixed", "这些密钥份额属于不同的密码套件，不能混合使用")
    if len({s.index for s in parsed}) != len(parsed):
        raise ShareError("duplicate", "同一编号的密钥份额提交了多次")
    if len(parsed) < first.k:
        raise ShareError("not_enough", f"密钥份额不足：需要 {first.k} 份，只有 {len(parsed)} 份")
    order = ORDERS[first.suite]
    points = [(s.index, s.y) for s in parsed]
    base = points[: first.k]
    for x, y in points[first.k :]:
        if interpolate(base, x, order) != y:
            raise ShareError("inconsistent", f"第 {x} 号密钥份额与其他份额不一致")
    secret = interpolate(base, 0, order)
    if secret == 0 or _public_key_id(secret, first.suite) != first.escrow_key_id:
        raise ShareError("inconsistent", "份额组合出的私钥与备用解密公钥不符（有份额错误）")
    return secret


def _private_key(secret: int, suite: str) -> suites.PrivateKey:
    if suite == suites.SM:
        try:
            return suites.SM2PrivateKey.from_scalar(secret)
        except suites.SuiteError:
            raise ShareError("inconsistent", "份额组合出的私钥无效（有份额错误）") from None
    return ec.derive_private_key(secret, ec.SECP256R1())


def _public_key_id(secret: int, suite: str = suites.INTL) -> str:
    return key_id(_private_key(secret, suite).public_key())


def combine_private_key(shares: Sequence[Share | str]) -> suites.PrivateKey:
    """The escrow private key, for :func:`ggzy.sealing.envelope.unwrap_content_key` at opening:
    P-256 for ``ggzy-share/1`` shares, SM2 for ``ggzy-sm-share/1`` shares."""
    parsed = [s if isinstance(s, Share) else Share.from_text(s) for s in shares]
    secret = combine(parsed)
    return _private_key(secret, parsed[0].suite)


@dataclass(frozen=True)
class EscrowKit:
    """What the ceremony hands out: the public key (to the server) and one share per custodian."""

    public_key_pem: bytes
    key_id: str
    shares: tuple[Share, ...]


def generate_escrow(*, k: int, n: int, suite: str = suites.INTL) -> EscrowKit:
    """Generate an escrow key pair, split its scalar k-of-n, and return only public key + shares.
    ``suite="sm"`` makes an SM2 escrow key (for sections whose bids are sealed with ``sm``)."""
    _suite_order(suite)
    crypto = suites.suite_by_name(suite)
    private_key = crypto.generate_private_key()
    public_key = private_key.public_key()
    kid = key_id(public_key)
    shares = split(crypto.private_scalar(private_key), k=k, n=n, escrow_key_id=kid, suite=suite)
    del private_key  # never returned, never written: the whole key exists only during this call
    return EscrowKit(
        public_key_pem=crypto.public_pem(public_key),
        key_id=kid,
        shares=tuple(shares),
    )
