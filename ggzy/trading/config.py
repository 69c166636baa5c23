"""The trading parameters in force: defaults below overlaid by the optional
``settings.GGZY_TRADING`` dict. Statutory clocks marked [K] in trading-rules.md and local
practice [U] are parameters here, never constants in the services."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from django.conf import settings

# The catalogue of bid-summary items (开标一览表) a section may read out. Each is data: key,
# label, type (choices.SummaryFieldType), unit. "price" is always read out.
DEFAULT_SUMMARY_CATALOGUE: tuple[dict[str, str], ...] = (
    {"key": "price", "label": "投标报价", "type": "money", "unit": "元"},
    {"key": "duration", "label": "工期/服务期", "type": "integer", "unit": "日历天"},
    {"key": "quality", "label": "质量标准", "type": "text", "unit": ""},
    {"key": "project_manager", "label": "项目经理", "type": "text", "unit": ""},
    {"key": "bond", "label": "投标保证金", "type": "money", "unit": "元"},
    {"key": "delivery", "label": "交货期", "type": "integer", "unit": "日历天"},
    {"key": "warranty", "label": "质保期", "type": "integer", "unit": "月"},
)


@dataclass(frozen=True)
class TradingRules:
    # [K] material clarifications at least 15 days before the deadline, or the deadline moves
    clarification_min_days: int = 15
    # [U] common practice: a 30-minute decryption window at opening
    decryption_minutes: int = 30
    max_decryption_minutes: int = 240
    # the fallback project code's region part (行政区划代码) and default industry code
    region_code: str = "640400"
    summary_catalogue: tuple[dict[str, str], ...] = field(default=DEFAULT_SUMMARY_CATALOGUE)
    required_summary_keys: tuple[str, ...] = ("price",)
    # [U] the largest sealed envelope accepted, and the largest chunk of one upload request
    bid_max_bytes: int = 2 * 1024 * 1024 * 1024
    bid_chunk_max_bytes: int = 8 * 1024 * 1024


def trading_rules() -> TradingRules:
    overrides: dict[str, Any] = dict(getattr(settings, "GGZY_TRADING", None) or {})
    names = {f.name for f in fields(TradingRules)}
    values = {k: v for k, v in overrides.items() if k in names}
    for key in ("summary_catalogue", "required_summary_keys"):
        if key in values:
            values[key] = tuple(values[key])
    return TradingRules(**values)
