"""The clarification transitions and checks as pure data (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from ggzy.core.errors import InvalidTransition, ValidationFailed
from ggzy.evaluation import clarify_workflow as cw
from ggzy.evaluation import methods as m
from ggzy.evaluation import scoring
from ggzy.evaluation.tests.conftest import PARAMS

NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)


def test_the_table_names_every_status_and_kind() -> None:
    for t in cw.TRANSITIONS.values():
        assert t.sources <= set(cw.STATUS_LABELS)
        assert t.target in cw.STATUS_LABELS
        assert t.kinds <= set(cw.KIND_LABELS)


@pytest.mark.parametrize(
    ("name", "kind", "status", "now", "allowed"),
    [
        ("answer", cw.QUESTION, cw.SENT, NOW, True),
        ("answer", cw.QUESTION, cw.SENT, LATER + dt.timedelta(seconds=1), False),  # late
        ("answer", cw.QUESTION, cw.SENT, LATER, True),  # at the deadline itself: still in time
        ("answer", cw.ABNORMAL_PRICE, cw.ANSWERED, NOW, False),  # twice
        ("answer", cw.QUESTION, cw.WITHDRAWN, NOW, False),
        ("withdraw", cw.QUESTION, cw.SENT, LATER + dt.timedelta(hours=1), True),
        ("withdraw", cw.QUESTION, cw.ANSWERED, NOW, False),
        ("accept", cw.ABNORMAL_PRICE, cw.ANSWERED, NOW, True),
        ("accept", cw.QUESTION, cw.ANSWERED, NOW, False),  # ordinary questions are not decided
        ("accept", cw.ABNORMAL_PRICE, cw.ACCEPTED, NOW, False),  # deciding twice
        ("reject", cw.ABNORMAL_PRICE, cw.ACCEPTED, NOW, False),
        ("reject", cw.ABNORMAL_PRICE, cw.SENT, NOW, False),  # nothing to judge yet
        ("lapse", cw.ABNORMAL_PRICE, cw.SENT, NOW, False),  # deadline not reached
        ("lapse", cw.ABNORMAL_PRICE, cw.SENT, LATER + dt.timedelta(minutes=1), True),
        ("lapse", cw.QUESTION, cw.SENT, LATER + dt.timedelta(minutes=1), False),
        ("lapse", cw.ABNORMAL_PRICE, cw.ANSWERED, LATER + dt.timedelta(minutes=1), False),
    ],
)
def test_ensure_allowed(name: str, kind: str, status: str, now: dt.datetime, allowed: bool) -> None:
    if allowed:
        cw.ensure_allowed(name, kind=kind, status=status, now=now, deadline=LATER)
    else:
        with pytest.raises(InvalidTransition):
            cw.ensure_allowed(name, kind=kind, status=status, now=now, deadline=LATER)


def test_deadline_checks() -> None:
    assert cw.check_deadline(LATER, now=NOW, max_hours=72) == LATER
    for bad, word in (
        (None, "请填写"),
        (NOW - dt.timedelta(minutes=1), "晚于当前时间"),
        (NOW, "晚于当前时间"),
        (NOW + dt.timedelta(minutes=5), "10 分钟"),
        (NOW + dt.timedelta(hours=73), "72 小时"),
        (dt.datetime(2026, 6, 10, 12, 0), "时区"),  # noqa: DTZ001 - the naive value is the bad input
    ):
        with pytest.raises(ValidationFailed, match=word):
            cw.check_deadline(bad, now=NOW, max_hours=72)


def test_bidder_never_sees_the_decision() -> None:
    assert cw.bidder_label(status=cw.REJECTED, answered=True, lapsed=False) == "已答复"
    assert cw.bidder_label(status=cw.ACCEPTED, answered=True, lapsed=False) == "已答复"
    assert cw.bidder_label(status=cw.REJECTED, answered=False, lapsed=False) == "逾期未答复"
    assert cw.bidder_label(status=cw.SENT, answered=False, lapsed=True) == "逾期未答复"
    assert cw.bidder_label(status=cw.SENT, answered=False, lapsed=False) == "待答复"


def test_needs_decision_only_for_open_abnormal_price_requests() -> None:
    assert cw.needs_decision(kind=cw.ABNORMAL_PRICE, status=cw.SENT)
    assert cw.needs_decision(kind=cw.ABNORMAL_PRICE, status=cw.ANSWERED)
    assert not cw.needs_decision(kind=cw.ABNORMAL_PRICE, status=cw.WITHDRAWN)
    assert not cw.needs_decision(kind=cw.QUESTION, status=cw.SENT)


def test_price_flags_match_the_result_without_any_score() -> None:
    # mean of 500000, 1000000, 950000 = 816666.67; 80 % = 653333.33 (rounded to 2 places):
    # only 500000 is below. The same figures as the full evaluation with real scores.
    config = m.parse({**PARAMS, "abnormal_low": [{"reference": "mean", "percent": "80"}]})
    bids = [
        scoring.Bid("B1", D("500000"), objective={"record": D("8")}),
        scoring.Bid("B2", D("1000000")),  # no objective value yet: the preview fills zero
        scoring.Bid("B3", D("950000"), objective={"record": D("8")}),
    ]
    flags = cw.price_flags(config, bids, k=None, price_cap=None, lottery_seed=b"s")
    assert [(f.bid_id, f.threshold) for f in flags] == [("B1", D("653333.33"))]
    # A rejected bid leaves the reference: mean(1000000, 950000) × 80 % = 780000; none below.
    rejected = [scoring.Bid("B1", D("500000"), compliant=False), *bids[1:]]
    assert cw.price_flags(config, rejected, k=None, price_cap=None, lottery_seed=b"s") == ()
