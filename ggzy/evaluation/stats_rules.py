"""The formulas of the trading statistics (issue #8 §8) and their server-side SVG chart. Pure: no
Django. The database aggregates are in :mod:`ggzy.evaluation.stats`; everything computed from
those sums is here, so the formulas are tested on hand-computed numbers without a database.

* average bidders per section = bids received / sections opened (2 places, half up);
* savings rate against budgets = Σ(budget − award) / Σ budget × 100 %, over the awarded sections
  that have a budget (2 places; none when no such section);
* bidders' estimated savings from paperless, remote trading = bids × (printing + travel per bid).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ggzy.core.errors import ValidationFailed

EARLIEST_YEAR = 2000  # before any electronic trading; a guard against typos, not a business rule
TWO = Decimal("0.01")


def average(total: int, count: int) -> Decimal | None:
    """``total / count`` to 2 places; None when ``count`` is 0 (nothing to average)."""
    if count <= 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(TWO, rounding=ROUND_HALF_UP)


def savings_rate_percent(budget_total: Decimal | None, award_total: Decimal | None) -> Decimal | None:
    """Σ(budget − award) / Σ budget in percent (2 places); None without a positive budget sum.
    Negative when the awards exceed the budgets (it happens: a budget is an estimate)."""
    if budget_total is None or award_total is None or budget_total <= 0:
        return None
    return ((budget_total - award_total) / budget_total * 100).quantize(TWO, rounding=ROUND_HALF_UP)


def paperless_savings(bids: int, printing_per_bid: Decimal, travel_per_bid: Decimal) -> Decimal:
    """The bidders' estimated savings: every bid submitted online saves printing and a trip."""
    if bids < 0:
        raise ValueError("bids must be >= 0")
    return (Decimal(bids) * (printing_per_bid + travel_per_bid)).quantize(TWO, rounding=ROUND_HALF_UP)


def money_setting(raw: object, name: str) -> Decimal:
    """A configured amount in 元 (text or number), finite and not negative."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{name} must be an amount in yuan, got {raw!r}") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite amount >= 0, got {raw!r}")
    return value


def check_year(raw: object, *, this_year: int) -> int:
    """The statistics year from user input: four digits, not before 2000, not in the future."""
    text = str(raw if raw is not None else "").strip()
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise ValidationFailed("统计年度须为四位数字，例如 2025。", fields={"year": "格式不正确"})
    year = int(text)
    if year < EARLIEST_YEAR:
        raise ValidationFailed(f"统计年度不能早于 {EARLIEST_YEAR} 年。", fields={"year": "过早"})
    if year > this_year:
        raise ValidationFailed(
            f"统计年度不能晚于今年（{this_year} 年）：未来年度没有交易数据。", fields={"year": "未来年度"}
        )
    return year


# ---------------------------------------------------------------- the chart (SVG)

COLOURS = ["#2f6fb0", "#e6a23c", "#2e8b57", "#c0392b"]


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Decimal | int]  # one per category (month)
    unit: str  # shown in tooltips and the description, e.g. "个", "万元"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def nice_step(peak: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^n) so that about ``ticks`` steps cover ``peak``."""
    if peak <= 0:
        return 1.0
    raw = peak / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power  # pragma: no cover - the loop always returns


def _num(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


def bar_chart_svg(*, chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series]) -> str:
    """Grouped bars, one group per category. Accessible: ``role="img"`` with a title and a
    description stating each series' total (the page shows every number in a table as well)."""
    if not categories or not series:
        raise ValueError("a chart needs categories and series")
    width, height = 760, 320
    left, right, top, bottom = 64, 150, 40, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((float(v) for s in series for v in s.values), default=0.0)
    step = nice_step(peak)
    top_value = max(step, math.ceil(peak / step) * step)
    group_w = plot_w / len(categories)
    bar_w = group_w * 0.7 / len(series)
    desc = "；".join(f"{s.label}合计{_num(float(sum(s.values, Decimal(0))))}{s.unit}" for s in series)
    cid = _esc(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        'font-family="Noto Sans CJK SC, sans-serif" font-size="12">',
        f'<title id="{cid}-title">{_esc(title)}</title>',
        f'<desc id="{cid}-desc">{_esc(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="22" font-size="15" fill="#222">{_esc(title)}</text>',
    ]
    tick = 0.0
    while tick <= top_value + 1e-9:
        y = top + plot_h - plot_h * tick / top_value
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            'stroke="#e3e3e3" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{_num(tick)}</text>'
        )
        tick += step
    for c, category in enumerate(categories):
        x0 = left + group_w * c + group_w * 0.15
        for i, s in enumerate(series):
            value = float(s.values[c])
            if value > 0:
                h = plot_h * value / top_value
                x = x0 + bar_w * i
                parts.append(
                    f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[i % len(COLOURS)]}"><title>{_esc(category)}{_esc(s.label)} '
                    f"{_num(value)}{_esc(s.unit)}</title></rect>"
                )
        parts.append(
            f'<text x="{left + group_w * c + group_w / 2:.1f}" y="{top + plot_h + 18}" '
            f'text-anchor="middle" fill="#333">{_esc(category)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>'
    )
    for i, s in enumerate(series):
        y = top + 10 + i * 22
        lx = left + plot_w + 18
        parts.append(
            f'<rect x="{lx}" y="{y - 10}" width="12" height="12" fill="{COLOURS[i % len(COLOURS)]}"/>'
        )
        parts.append(f'<text x="{lx + 18}" y="{y}" fill="#222">{_esc(s.label)}（{_esc(s.unit)}）</text>')
    parts.append("</svg>")
    return "".join(parts)
