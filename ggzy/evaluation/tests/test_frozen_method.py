"""The method is frozen at the bid deadline: trading refuses a change, and the evaluation keeps
the configuration it froze when it started; the section's method key (trading's, the glossary's)
is the one the evaluation computes with."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import methods, selectors, sources
from ggzy.evaluation.tests.conftest import PARAMS
from ggzy.trading.services.sections import section_update

pytestmark = pytest.mark.django_db


def test_method_change_after_deadline_refused_by_trading(world: Any, room: Any, eclock: FixedClock) -> None:
    section = room.section
    changed = dict(PARAMS, price_points="40", criteria=PARAMS["criteria"][:2])
    with pytest.raises(ValidationFailed, match="冻结"):
        section_update(
            actor=world.tenderer,
            section=section,
            name=section.name,
            bid_deadline=section.bid_deadline,
            evaluation_method="comprehensive_scoring",
            evaluation_params=changed,
            clock=eclock,
        )
    section.refresh_from_db()
    assert section.evaluation_params["price_points"] == "30"
    assert selectors.config_of(room).price_points == 30


def test_trading_key_is_the_method(world: Any, make_section: Any) -> None:
    params = {k: v for k, v in PARAMS.items() if k != "method"}
    section = make_section(params=params)
    section.evaluation_method = "comprehensive_scoring"
    assert sources.section_method(section).method == methods.COMPREHENSIVE_SCORING
    section.evaluation_method = ""
    section.evaluation_params = {}
    with pytest.raises(ValidationFailed, match="尚未设置评标办法"):
        sources.section_method(section)


def test_sources_read_empty_opening_and_committee(world: Any, make_section: Any) -> None:
    section = make_section(deadline=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    assert sources.opened_bids(section) == []
    assert sources.committee(section) == []
