"""The statistics formulas and the chart, pure, on numbers computed by hand."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import stats_rules as r


def test_average_bidders() -> None:
    assert r.average(5, 2) == Decimal("2.50")
    assert r.average(10, 3) == Decimal("3.33")  # 3.333… half up
    assert r.average(2, 3) == Decimal("0.67")  # 0.666… half up
    assert r.average(0, 4) == Decimal("0.00")
    assert r.average(7, 0) is None


def test_savings_rate() -> None:
    # Σ budget 1,000,000 + 500,000; Σ award 900,000 + 480,000: (1,500,000 − 1,380,000) / 1,500,000 = 8 %.
    assert r.savings_rate_percent(Decimal("1500000"), Decimal("1380000")) == Decimal("8.00")
    assert r.savings_rate_percent(Decimal("300"), Decimal("200")) == Decimal("33.33")
    assert r.savings_rate_percent(Decimal("100"), Decimal("110")) == Decimal("-10.00")  # over budget
    assert r.savings_rate_percent(Decimal("0"), Decimal("0")) is None
    assert r.savings_rate_percent(None, Decimal("5")) is None


def test_paperless_savings() -> None:
    assert r.paperless_savings(5, Decimal("200"), Decimal("300")) == Decimal("2500.00")
    # The 2021 report's claim: about 9,000 bids × 500 元 ≈ 4.5 million 元.
    assert r.paperless_savings(9000, Decimal("200"), Decimal("300")) == Decimal("4500000.00")
    assert r.paperless_savings(0, Decimal("200"), Decimal("300")) == Decimal("0.00")
    with pytest.raises(ValueError):
        r.paperless_savings(-1, Decimal(1), Decimal(1))


def test_money_setting() -> None:
    assert r.money_setting("150.5", "X") == Decimal("150.5")
    assert r.money_setting(200, "X") == Decimal("200")
    for bad in ("abc", "-1", "NaN", "Infinity", ""):
        with pytest.raises(ValueError, match="X"):
            r.money_setting(bad, "X")


def test_check_year() -> None:
    assert r.check_year("2026", this_year=2026) == 2026
    assert r.check_year(" 2021 ", this_year=2026) == 2021
    assert r.check_year(2024, this_year=2026) == 2024
    with pytest.raises(ValidationFailed, match="不能晚于今年（2026 年）"):
        r.check_year("2027", this_year=2026)
    with pytest.raises(ValidationFailed, match="不能早于 2000"):
        r.check_year("1999", this_year=2026)
    for bad in ("", None, "20x6", "26", "２０２６", "2026.0", "-2026", "20261"):
        with pytest.raises(ValidationFailed, match="四位数字"):
            r.check_year(bad, this_year=2026)


def test_nice_step() -> None:
    assert r.nice_step(0) == 1.0
    assert r.nice_step(10) == 2.0
    assert r.nice_step(12) == 2.5
    assert r.nice_step(23) == 5.0
    assert r.nice_step(4500) == 1000.0
    assert r.nice_step(0.9) == pytest.approx(0.2)


def test_bar_chart_is_accessible_and_scaled() -> None:
    svg = r.bar_chart_svg(
        chart_id="c1",
        title="各月<开标>",
        categories=["1月", "2月", "3月"],
        series=[r.Series("标段", [2, 0, 4], "个"), r.Series("投标", [5, 0, 10], "份")],
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">各月&lt;开标&gt;</title>' in svg  # escaped
    assert '<desc id="c1-desc">标段合计6个；投标合计15份</desc>' in svg
    # Peak 10 → step 2 → axis top 10: the 10-bar spans the whole plot height (240 px).
    heights = [
        float(h)
        for h in re.findall(
            r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="[^"]+"><title>', svg
        )
    ]
    assert max(heights) == pytest.approx(240.0) and min(heights) == pytest.approx(48.0)
    assert len(heights) == 4  # zero values draw no bar
    assert "3月投标 10份" in svg
    with pytest.raises(ValueError):
        r.bar_chart_svg(chart_id="x", title="t", categories=[], series=[])


def test_bar_chart_with_nothing_to_show() -> None:
    svg = r.bar_chart_svg(
        chart_id="z", title="空", categories=["1月"], series=[r.Series("金额", [Decimal(0)], "万元")]
    )
    assert "金额合计0万元" in svg and '<rect x="' in svg
