"""The SME declaration (中小企业声明) a bidder seals into its bid summary. Pure: no Django.

One schema for every way a bid is sealed — the browser bid page (``trading-bids.js``) and the
bidder kit (``ggzy bid seal --summary``) — and one check, run after decryption by the evaluation
(``evaluation/sources.py``), because only the sealed summary is what the bidder signed:

* ``sme_kind``: ``none`` / ``small_micro`` / ``consortium`` or the Chinese label of one of them;
  absent or empty = ``none``.
* ``sme_share``: the small/micro enterprises' share of the contract, percent, 0–100 with at most
  two decimals (the evaluation stores two); required for ``consortium``.

The page checks the same rules before it seals (its messages are these), so a bid sealed in the
browser is never one the evaluation refuses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

NONE = "none"
SMALL_MICRO = "small_micro"
CONSORTIUM = "consortium"
SME_KINDS = (NONE, SMALL_MICRO, CONSORTIUM)
SME_KIND_LABELS = {
    NONE: "非中小企业",
    SMALL_MICRO: "小微企业",
    CONSORTIUM: "联合体/分包（小微企业份额）",
}
KIND_KEY = "sme_kind"
SHARE_KEY = "sme_share"

# What the page and the evaluation both accept: digits, at most two decimals (no sign, no exponent).
SHARE_PATTERN = r"^[0-9]{1,3}(\.[0-9]{1,2})?$"
_SHARE = re.compile(SHARE_PATTERN)
HUNDRED = Decimal(100)

MESSAGES = {
    "kind": "中小企业声明“{value}”无法识别。",
    "share_missing": "联合体/分包须填写小微企业合同份额（%）。",
    "share_invalid": "小微企业合同份额须为 0–100 之间的数，最多两位小数。",
}

_BY_LABEL = {label: key for key, label in SME_KIND_LABELS.items()}


class SmeDeclarationInvalid(ValueError):
    """The summary's declaration breaks the schema: ``key`` is the summary key at fault,
    ``message`` Chinese."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key, self.message = key, message


def parse_share(raw: Any) -> Decimal | None:
    """The share as a Decimal, or None when it is not a number 0–100 with at most two decimals."""
    text = str(raw).strip().replace("％", "").replace("%", "")
    if not _SHARE.match(text):
        return None
    value = Decimal(text)
    return value if value <= HUNDRED else None


def read_sme(summary: Mapping[str, Any]) -> tuple[str, Decimal | None]:
    """The declaration in a decrypted summary as (kind key, share); :class:`SmeDeclarationInvalid`
    when it breaks the schema."""
    raw = summary.get(KIND_KEY)
    text = str(raw).strip() if raw is not None else ""
    kind = NONE if not text else _BY_LABEL.get(text, text)
    if kind not in SME_KINDS:
        raise SmeDeclarationInvalid(KIND_KEY, MESSAGES["kind"].format(value=text))
    raw_share = summary.get(SHARE_KEY)
    share = None
    if raw_share not in (None, ""):
        share = parse_share(raw_share)
        if share is None:
            raise SmeDeclarationInvalid(SHARE_KEY, MESSAGES["share_invalid"])
    if kind == CONSORTIUM and share is None:
        raise SmeDeclarationInvalid(SHARE_KEY, MESSAGES["share_missing"])
    return kind, share
