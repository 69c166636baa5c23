"""The committee's objective scores (客观分): the chair records them per bid (REVIEW or SCORING),
checked with scoring's rules, audited; refused to others, for rejected bids and after the result;
missing ones block the ranking with a message naming bid and criterion, and the room shows them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.evaluation import services, workflow
from ggzy.evaluation.models import EvaluatedBid
from ggzy.evaluation.tests.conftest import ready_for_scoring, score_all, seats, summaries
from ggzy.evaluation.views import pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def bare(world: Any, make_section: Any, eclock: FixedClock) -> Any:
    """An evaluation whose bids came without objective scores (as from a real opening)."""
    return services.evaluation_start(
        actor=world.staff,
        section=make_section(),
        opened=summaries(world, objective=False),
        committee=seats(world),
        clock=eclock,
    )


def _chair_elected(world: Any, evaluation: Any, clock: FixedClock) -> None:
    for user in world.experts:
        services.member_declare(actor=user, evaluation=evaluation, no_conflict=True, clock=clock)
    chair = evaluation.members.get(user=world.experts[0])
    for user in world.experts[:3]:
        services.chair_vote(actor=user, evaluation=evaluation, candidate=chair, clock=clock)


def _record(world: Any, evaluation: Any, ref: str, value: str, clock: FixedClock, who: int = 0) -> Any:
    return services.objective_scores_record(
        actor=world.experts[who],
        evaluation=evaluation,
        bid=evaluation.bids.get(bid_ref=ref),
        values={"record": value},
        clock=clock,
    )


def test_chair_records_in_review_and_scoring_audited(world: Any, bare: Any, eclock: FixedClock) -> None:
    assert all(b.objective == {} for b in bare.bids.all())
    _chair_elected(world, bare, eclock)
    bid = _record(world, bare, "B1", " 8.5 ", eclock)
    assert bid.objective == {"record": "8.5"}
    assert EvaluatedBid.objects.get(pk=bid.pk).objective == {"record": "8.5"}
    event = Event.objects.filter(action="evaluation.objective_record").get()
    assert event.data["bid"] == "B1" and event.data["values"] == {"record": "8.5"}
    assert event.data["before"] == {}
    assert event.actor_id == world.experts[0].pk

    for ref in ("B1", "B2", "B3"):
        services.bid_review(
            actor=world.experts[0], bid=bare.bids.get(bid_ref=ref), compliant=True, clock=eclock
        )
    services.review_finish(actor=world.experts[0], evaluation=bare, clock=eclock)
    bare.refresh_from_db()
    assert bare.status == workflow.SCORING
    assert _record(world, bare, "B1", "9", eclock).objective == {"record": "9"}
    last = Event.objects.filter(action="evaluation.objective_record").order_by("-pk").first()
    assert last is not None and last.data["before"] == {"record": "8.5"}
    # a blank value clears the criterion
    assert _record(world, bare, "B1", "", eclock).objective == {}


def test_only_the_chair_records(world: Any, bare: Any, eclock: FixedClock, make_user: Any) -> None:
    for user in world.experts:
        services.member_declare(actor=user, evaluation=bare, no_conflict=True, clock=eclock)
    with pytest.raises(PermissionDenied, match="主任"):  # no chair yet
        _record(world, bare, "B1", "8", eclock)
    _chair_elected(world, bare, eclock)
    with pytest.raises(PermissionDenied, match="主任") as info:
        _record(world, bare, "B1", "8", eclock, who=1)
    assert info.value.http_status == 403
    outsider = make_user("expert", org=world.experts[0].organisation, username="outsider")
    with pytest.raises(PermissionDenied, match="不是本标段评标委员会成员"):
        services.objective_scores_record(
            actor=outsider,
            evaluation=bare,
            bid=bare.bids.get(bid_ref="B1"),
            values={"record": "8"},
            clock=eclock,
        )
    assert all(b.objective == {} for b in bare.bids.all())
    assert not Event.objects.filter(action="evaluation.objective_record").exists()


@pytest.mark.parametrize(
    ("values", "message", "field"),
    [
        ({"nonsense": "5"}, "未知评分因素“nonsense”", "bids.B1.objective"),
        ({"tech": "5"}, "“技术方案”是主观分", "bids.B1.objective.tech"),
        ({"record": "10.5"}, "超出范围（0–10）", "bids.B1.objective.record"),
        ({"record": "-1"}, "超出范围", "bids.B1.objective.record"),
        ({"record": "八分"}, "须为数值", "bids.B1.objective.record"),
        ({"record": "NaN"}, "须为数值", "bids.B1.objective.record"),
        ({"record": "7.125"}, "两位小数", "bids.B1.objective.record"),
        ({}, "请填写客观分", "values"),
    ],
)
def test_bad_values_refused_nothing_written(
    world: Any, bare: Any, eclock: FixedClock, values: dict[str, str], message: str, field: str
) -> None:
    _chair_elected(world, bare, eclock)
    _record(world, bare, "B1", "6", eclock)
    before = Event.objects.count()
    with pytest.raises(ValidationFailed, match=message) as info:
        services.objective_scores_record(
            actor=world.experts[0],
            evaluation=bare,
            bid=bare.bids.get(bid_ref="B1"),
            values=values,
            clock=eclock,
        )
    assert field in info.value.fields
    assert bare.bids.get(bid_ref="B1").objective == {"record": "6"}
    assert Event.objects.count() == before


def test_a_good_value_does_not_pass_with_a_bad_one(world: Any, bare: Any, eclock: FixedClock) -> None:
    _chair_elected(world, bare, eclock)
    with pytest.raises(ValidationFailed, match="未知评分因素"):
        services.objective_scores_record(
            actor=world.experts[0],
            evaluation=bare,
            bid=bare.bids.get(bid_ref="B2"),
            values={"record": "7", "bogus": "1"},
            clock=eclock,
        )
    assert bare.bids.get(bid_ref="B2").objective == {}


def test_rejected_bid_and_after_result_refused_missing_blocks_ranking(
    world: Any, bare: Any, eclock: FixedClock
) -> None:
    ready_for_scoring(world, bare, eclock)
    bare.refresh_from_db()
    _record(world, bare, "B1", "8", eclock)
    _record(world, bare, "B3", "7", eclock)
    score_all(world, bare, eclock, outlier=None)
    # B2 has no objective score yet: nobody can sign; the message names the bidder as staff see
    # it (its organisation, 乙设备有限公司) and the criterion, never the bid's internal id
    with pytest.raises(ValidationFailed, match="投标人“乙设备有限公司”的投标文件缺少客观分“业绩”") as info:
        services.scores_sign(actor=world.experts[0], evaluation=bare, clock=eclock)
    assert "B2" not in info.value.message
    _record(world, bare, "B2", "10", eclock)
    for user in world.experts:
        services.scores_sign(actor=user, evaluation=bare, clock=eclock)
    evaluation = services.result_compute(actor=world.experts[0], evaluation=bare, clock=eclock)
    assert evaluation.status == workflow.RESULT
    rows = {r["bid_id"]: r for r in evaluation.result["results"]}
    assert rows["B1"]["criterion_scores"]["record"] == "8.00"
    assert rows["B2"]["criterion_scores"]["record"] == "10.00"
    with pytest.raises(InvalidTransition, match="不能录入客观分"):
        _record(world, bare, "B1", "9", eclock)
    assert bare.bids.get(bid_ref="B1").objective == {"record": "8"}


def test_rejected_bid_has_no_objective_scores(world: Any, bare: Any, eclock: FixedClock) -> None:
    _chair_elected(world, bare, eclock)
    services.bid_review(
        actor=world.experts[0],
        bid=bare.bids.get(bid_ref="B3"),
        compliant=False,
        reason="资格不符",
        clock=eclock,
    )
    with pytest.raises(ValidationFailed, match="被否决"):
        _record(world, bare, "B3", "5", eclock)


# ---------------------------------------------------------------- the room page


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_room_page_chair_enters_others_see(
    world: Any, bare: Any, eclock: FixedClock, monkeypatch: Any
) -> None:
    monkeypatch.setattr(pages, "clock", eclock)
    _chair_elected(world, bare, eclock)
    url = f"/manage/evaluation/{bare.pk}/"
    chair, other = _client(world.experts[0]), _client(world.experts[1])
    page = chair.get(url).content.decode()
    assert 'id="objective-missing"' in page and "业绩（客观分，0–10）" in page
    assert 'id="btn-objective-B1"' in page
    b1 = bare.bids.get(bid_ref="B1")
    response = chair.post(url, {"action": "objective", "bid": b1.pk, "objective-record": "7.5"})
    assert response.status_code == 302
    assert bare.bids.get(bid_ref="B1").objective == {"record": "7.5"}
    # a bad value: the page says why, nothing written
    response = chair.post(url, {"action": "objective", "bid": b1.pk, "objective-record": "12"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="action-error"' in body and "超出范围（0–10）" in body
    assert bare.bids.get(bid_ref="B1").objective == {"record": "7.5"}
    # another member sees the value, read only, and which bids still lack theirs
    page = other.get(url).content.decode()
    assert 'id="objective-B1-record"' in page and 'value="7.5" disabled' in page
    assert 'id="btn-objective-B1"' not in page
    missing = page.split('id="objective-missing"')[1].split("</div>")[0]
    assert "乙设备有限公司" in missing and "丙贸易有限公司" in missing and "甲科技有限公司" not in missing
    response = other.post(url, {"action": "objective", "bid": b1.pk, "objective-record": "3"})
    assert response.status_code == 200 and "客观分由评标委员会主任录入" in response.content.decode()
    assert bare.bids.get(bid_ref="B1").objective == {"record": "7.5"}
    for ref in ("B2", "B3"):
        bid = bare.bids.get(bid_ref=ref)
        assert (
            chair.post(url, {"action": "objective", "bid": bid.pk, "objective-record": "6"}).status_code
            == 302
        )
    page = chair.get(url).content.decode()
    assert 'id="objective-missing"' not in page and 'id="objective-complete"' in page
