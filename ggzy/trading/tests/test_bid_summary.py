"""The SME declaration in the sealed bid summary (trading/bid_summary.py): the one schema the
browser bid page checks before sealing and the evaluation checks after decryption."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ggzy.trading.bid_summary import MESSAGES, SHARE_PATTERN, SmeDeclarationInvalid, parse_share, read_sme


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ({"price": "1"}, ("none", None)),  # nothing declared (the kit's and the page's default)
        ({"sme_kind": ""}, ("none", None)),
        ({"sme_kind": "small_micro"}, ("small_micro", None)),
        ({"sme_kind": " 小微企业 "}, ("small_micro", None)),  # the Chinese label
        ({"sme_kind": "consortium", "sme_share": "40"}, ("consortium", Decimal("40"))),
        ({"sme_kind": "联合体/分包（小微企业份额）", "sme_share": "30.5%"}, ("consortium", Decimal("30.5"))),
        ({"sme_kind": "consortium", "sme_share": "0"}, ("consortium", Decimal("0"))),
        ({"sme_kind": "consortium", "sme_share": "100.00"}, ("consortium", Decimal("100.00"))),
        ({"sme_kind": "consortium", "sme_share": 45}, ("consortium", Decimal("45"))),  # a JSON number
    ],
)
def test_read_declarations(summary: dict[str, object], expected: tuple[str, Decimal | None]) -> None:
    assert read_sme(summary) == expected


@pytest.mark.parametrize(
    ("summary", "key", "message"),
    [
        ({"sme_kind": "大型企业"}, "sme_kind", "中小企业声明“大型企业”无法识别。"),
        ({"sme_kind": "consortium"}, "sme_share", MESSAGES["share_missing"]),
        ({"sme_kind": "consortium", "sme_share": ""}, "sme_share", MESSAGES["share_missing"]),
        ({"sme_kind": "consortium", "sme_share": "120"}, "sme_share", MESSAGES["share_invalid"]),
        ({"sme_kind": "consortium", "sme_share": "100.01"}, "sme_share", MESSAGES["share_invalid"]),
        ({"sme_kind": "consortium", "sme_share": "33.333"}, "sme_share", MESSAGES["share_invalid"]),
        ({"sme_kind": "consortium", "sme_share": "-1"}, "sme_share", MESSAGES["share_invalid"]),
        ({"sme_kind": "consortium", "sme_share": "1e2"}, "sme_share", MESSAGES["share_invalid"]),
        ({"sme_kind": "consortium", "sme_share": "NaN"}, "sme_share", MESSAGES["share_invalid"]),
        ({"sme_kind": "consortium", "sme_share": "三十"}, "sme_share", MESSAGES["share_invalid"]),
        ({"sme_kind": "small_micro", "sme_share": "abc"}, "sme_share", MESSAGES["share_invalid"]),
    ],
)
def test_refused_declarations(summary: dict[str, object], key: str, message: str) -> None:
    with pytest.raises(SmeDeclarationInvalid) as info:
        read_sme(summary)
    assert (info.value.key, info.value.message) == (key, message)


def test_the_page_pattern_is_the_server_rule() -> None:
    # the page runs SHARE_PATTERN (plus ≤ 100) in JavaScript; the same strings pass both
    for text in ("0", "30", "30.5", "99.99", "100"):
        assert re.match(SHARE_PATTERN, text) and parse_share(text) == Decimal(text)
    for text in ("", ".5", "30.", "1,5", "+3", "1000"):
        assert not re.match(SHARE_PATTERN, text) and parse_share(text) is None
