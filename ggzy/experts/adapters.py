"""The one place the draw reads another app's live data about a section's bidders:
``trading.selectors.section_bidders`` (organisations with a current bid; it refuses before the bid
deadline). The draw records the source in ``Draw.bidder_source``."""

from __future__ import annotations

from ggzy.accounts.models import User
from ggzy.core.clock import Clock
from ggzy.trading import selectors as trading_selectors
from ggzy.trading.models import Section


def section_bidder_ids(*, section: Section, actor: User, clock: Clock) -> tuple[list[int], str]:
    """(organisation ids, source). Raises ``PermissionDenied`` before the bid deadline."""
    return sorted({o.pk for o in trading_selectors.section_bidders(section=section, clock=clock)}), "bids"
