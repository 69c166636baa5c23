"""Tunable periods of the hall (settings, with the defaults the center uses)."""

from __future__ import annotations

from django.conf import settings


def confirm_minutes() -> int:
    """How long a bidder has to confirm its own readout (唱标确认)."""
    return int(getattr(settings, "GGZY_OPENING_CONFIRM_MINUTES", 10))


def objection_minutes() -> int:
    """How long the objection window (异议期) of the hall stays open."""
    return int(getattr(settings, "GGZY_OPENING_OBJECTION_MINUTES", 15))


def min_decrypted_bids(domain: str) -> int:
    """How many bids must be decrypted for the opening to go on to the readout; fewer, and the
    host records the opening as failed (``opening_decryption_shortfall_record``).

    No national rule fixes this number [U]: 实施条例第四十四条 (fewer than three bidders: no
    opening) counts the bids received by the deadline, and a bid that fails decryption is then
    treated as revoked or withdrawn (电子招标投标办法第三十一条). Whether that pushes an opened
    section below three and voids the opening is a local rule — some provinces say so, while
    《评标委员会和评标方法暂行规定》第二十七条 leaves "fewer valid bids" to the committee, which the
    evaluation already offers (``evaluation.scoring.failure``: the committee may reject all). So both
    regimes are settings, clamped to 1–3 (an opening with no decrypted bid always fails):

    * tendering-law domains (construction, ``opening.workflow.too_few_consequence`` = retender):
      ``GGZY_OPENING_TENDERING_MIN_DECRYPTED_BIDS``, default 1 — a center whose province voids
      the opening sets 3;
    * procurement and the other domains: ``GGZY_OPENING_PROCUREMENT_MIN_DECRYPTED_BIDS``,
      default 1 — a center applying 政府采购法第三十六条 at the opening sets 3."""
    from ggzy.opening import workflow
    from ggzy.trading import termination_rules

    if workflow.too_few_consequence(domain, 0) == "retender":
        value = int(getattr(settings, "GGZY_OPENING_TENDERING_MIN_DECRYPTED_BIDS", 1))
    else:
        value = int(getattr(settings, "GGZY_OPENING_PROCUREMENT_MIN_DECRYPTED_BIDS", 1))
    return max(1, min(value, termination_rules.TB_MIN_DECRYPTED))
