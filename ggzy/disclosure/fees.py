"""Information processing fees (信息处理费), 《政府信息公开信息处理费管理办法》(国办函〔2020〕109号).
Pure: no Django. Amounts are whole yuan (``int``); callers turn them into ``Decimal``.

Both standards are 超额累进: only the part above a threshold pays that threshold's rate.

按件 (by item), same applicant, cumulative within one natural month:
  1–10 free; 11–30 at 100 元/件; from 31 on, each further block of 10 raises the rate by 100 元/件
  (31–40 → 200, 41–50 → 300, …).
按量 (by volume), per application, in pages:
  1–30 free; 31–100 at 10 元/页; 101–200 at 20 元/页; 201 and more at 40 元/页.
"""

from __future__ import annotations

BY_ITEM_FREE = 10
BY_ITEM_FIRST_TIER_END = 30
BY_ITEM_FIRST_RATE = 100
BY_ITEM_BLOCK = 10
BY_ITEM_BLOCK_STEP = 100

# (tier upper bound inclusive or None, rate per page)
BY_VOLUME_TIERS: tuple[tuple[int | None, int], ...] = ((30, 0), (100, 10), (200, 20), (None, 40))


class FeeError(ValueError):
    pass


def by_item_rate(position: int) -> int:
    """The fee for the ``position``-th application (1-based) of one applicant in one natural month."""
    if position < 1:
        raise FeeError("件数必须为正整数")
    if position <= BY_ITEM_FREE:
        return 0
    if position <= BY_ITEM_FIRST_TIER_END:
        return BY_ITEM_FIRST_RATE
    block = (position - BY_ITEM_FIRST_TIER_END - 1) // BY_ITEM_BLOCK + 1
    return BY_ITEM_FIRST_RATE + block * BY_ITEM_BLOCK_STEP


def by_item_total(count: int) -> int:
    """The month's total for ``count`` applications by one applicant."""
    if count < 0:
        raise FeeError("件数不能为负数")
    return sum(by_item_rate(n) for n in range(1, count + 1))


def by_volume(pages: int) -> int:
    """The fee for one application of ``pages`` pages."""
    if pages < 0:
        raise FeeError("页数不能为负数")
    total, lower = 0, 0
    for upper, rate in BY_VOLUME_TIERS:
        top = pages if upper is None else min(pages, upper)
        if top > lower:
            total += (top - lower) * rate
        if upper is None or pages <= upper:
            break
        lower = upper
    return total


def fee_for(*, standard: str, items: int | None = None, pages: int | None = None) -> int:
    """One standard per application, never both (Art. 3 of the 办法).

    ``items`` is the application's position among the applicant's applications in the natural
    month (by_item); ``pages`` the page count (by_volume). Giving both, or the other standard's
    quantity, is refused.
    """
    if items is not None and pages is not None:
        raise FeeError("每件申请只能适用一种收费标准（按件或按量），不能同时按件数和页数计收")
    if standard == "by_item":
        if items is None:
            raise FeeError("按件计收须按本月累计件数计算，不能按页数计收")
        return by_item_rate(items)
    if standard == "by_volume":
        if pages is None:
            raise FeeError("按量计收须提供页数，不能按件数计收")
        return by_volume(pages)
    raise FeeError(f"未知的收费标准：{standard}")
