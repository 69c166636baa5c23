"""Tenderer representatives (招标人代表) as committee members, end to end through the real
services: a procurement section published, sealed bids opened for real, the draw requested with
one named representative (a verified user of the tenderer), four experts drawn and confirmed —
then the evaluation seats the representative beside them with the role 招标人代表. The
representative declares, cannot be elected chair (财库〔2012〕69号; configurable), scores like the
experts (and must justify a deviating score), and signs the report, which lists the role. The
composition rule (experts ≥ 2/3, odd) is checked on the committee that sits."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ggzy.accounts import services as accounts
from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.evaluation import report, selectors, services, sources
from ggzy.evaluation.models import Evaluation, Member
from ggzy.evaluation.tests import realkit
from ggzy.evaluation.tests.conftest import seats, summaries
from ggzy.evaluation.tests.realkit import BidPlan
from ggzy.opening.tests.hallkit import T0, _user
from ggzy.sealing import testing as pki

pytestmark = pytest.mark.django_db

SCORING = {
    "method": "comprehensive_scoring",
    "category": "goods",
    "criteria": [
        {"key": "tech", "name": "技术方案", "points": "40", "kind": "subjective"},
        {"key": "service", "name": "售后服务", "points": "30", "kind": "subjective"},
    ],
    "price_points": "30",
    "tie_break": ["lower_bid_price"],
    "candidate_count": 3,
    "deviation_check": {"points": "10"},
}
PLANS = [
    BidPlan("甲科技有限公司", "900000.00"),
    BidPlan("乙设备有限公司", "980000.00"),
    BidPlan("丙贸易有限公司", "950000.00"),
]


def _with_representative(staff: dict[str, Any]) -> tuple[realkit.Real, Any]:
    clock = FixedClock(T0)
    real = realkit.build_section(clock, staff, domain="procurement", params=SCORING, plans=PLANS)
    realkit.run_opening(real)
    rep = _user("tenderer", real.tenderer_org, username=f"rep-{real.section.pk}")
    rep.display_name = "王代表"
    rep.save(update_fields=["display_name"])
    leaf, _ = pki.make_leaf(
        *real.ca, org_name=real.tenderer_org.name, credit_code=real.tenderer_org.credit_code
    )
    accounts.certificate_bind(
        actor=real.tenderer, organisation=real.tenderer_org, data=pki.cert_pem(leaf), clock=clock
    )
    realkit.draw_committee(real, specialty="B0202", size=4, declines=0, representatives=[rep])
    assert real.draw.status == "complete"
    return real, rep


def test_whole_committee_path_with_a_tenderer_representative(staff: dict[str, Any]) -> None:
    real, rep = _with_representative(staff)
    clock = real.clock
    evaluation = services.evaluation_start(actor=real.host, section=real.section, clock=clock)

    # -- seated: four confirmed experts, then the representative (role, no expert code)
    members = list(evaluation.members.order_by("pk"))
    assert [(m.name, m.role, m.expert_code) for m in members][-1] == ("王代表", "tenderer_rep", "")
    assert sorted(m.user_id for m in members if m.role == "expert") == sorted(
        e.user_id for e in real.confirmed
    )
    assert len(members) == 5
    started = Event.objects.get(action="evaluation.start")
    assert started.data["representatives"] == ["王代表"]
    rep_member = members[-1]
    experts = [m for m in members if m.role == "expert"]

    # -- sign-in: the representative's room list has this evaluation; bids only after declaring
    assert selectors.evaluations_for_expert(rep) == [evaluation]
    with pytest.raises(PermissionDenied, match="无利害关系声明"):
        selectors.bids_for_member(rep_member)
    for m in members:
        services.member_declare(actor=m.user, evaluation=evaluation, no_conflict=True, clock=clock)
    rep_member.refresh_from_db()
    assert rep_member.declared_at is not None
    assert len(selectors.bids_for_member(rep_member)) == 3
    assert Event.objects.filter(
        action="evaluation.member_declare", actor_id=rep.pk, target_id=str(rep_member.pk)
    ).exists()

    # -- chair: a representative may not be elected in procurement; nothing is recorded
    with pytest.raises(ValidationFailed, match="招标人代表不得担任评标委员会主任（财库〔2012〕69号）"):
        services.chair_vote(actor=experts[0].user, evaluation=evaluation, candidate=rep_member, clock=clock)
    assert not evaluation.members.filter(chair_vote__isnull=False).exists()
    chair = experts[0]
    # the representative votes like any member (3 of 5 elect)
    for m in (rep_member, experts[1], experts[2]):
        services.chair_vote(actor=m.user, evaluation=evaluation, candidate=chair, clock=clock)
    chair.refresh_from_db()
    assert chair.is_chair

    # -- review, then everyone scores; the representative's tech score for one bid deviates
    for b in evaluation.bids.all():
        services.bid_review(actor=chair.user, bid=b, compliant=True, clock=clock)
    services.review_finish(actor=chair.user, evaluation=evaluation, clock=clock)
    bids = list(evaluation.bids.order_by("pk"))
    for m in members:
        for b in bids:
            tech = "38" if (m == rep_member and b == bids[0]) else "25"
            services.score_set(actor=m.user, bid=b, criterion="tech", value=tech, clock=clock)
            services.score_set(actor=m.user, bid=b, criterion="service", value="20", clock=clock)
    # 38 against the others' mean 25: 13 > 10 points → flagged, a written reason is required
    flags = services.flags_for(evaluation, rep_member)
    assert [(f.bid_id, f.criterion) for f in flags] == [(bids[0].bid_ref, "tech")]
    with pytest.raises(ValidationFailed, match="偏离较大"):
        services.scores_sign(actor=rep, evaluation=evaluation, clock=clock)
    services.deviation_justify(
        actor=rep, bid=bids[0], criterion="tech", reason="该投标的技术方案完全满足学校实验室需求", clock=clock
    )
    for m in members:
        services.scores_sign(actor=m.user, evaluation=evaluation, clock=clock)
    assert Event.objects.filter(action="evaluation.scores_sign", actor_id=rep.pk).count() == 1

    # -- result and report: everyone signs, the representative included
    evaluation = services.result_compute(actor=chair.user, evaluation=evaluation, clock=clock)
    assert evaluation.status == "result"
    for m in members:
        services.report_sign(
            actor=m.user, evaluation=evaluation, report_sha256=evaluation.report_sha256, clock=clock
        )
        evaluation.refresh_from_db()
    assert evaluation.status == "reported"
    rep_member.refresh_from_db()
    assert rep_member.report_signed_at is not None
    assert Event.objects.filter(action="evaluation.report_sign", actor_id=rep.pk).exists()
    document = report.report_document(evaluation, with_signatures=True)
    tables = [b for b in document.blocks if b["kind"] == "table"]
    committee_table, signature_table = tables[0], tables[-1]
    assert committee_table["header"][:2] == ["姓名", "身份"]
    assert ["王代表", "招标人代表", "—", "成员", "已声明"] in committee_table["rows"]
    assert signature_table["header"] == ["评标委员会成员", "身份", "签署日期", "不同意见"]
    assert [r[:2] for r in signature_table["rows"]] == [[m.name, m.get_role_display()] for m in members]
    assert any(b.get("header", [""])[0] == "投标人（招标人代表：王代表）" for b in tables)

    # -- the award is not the committee's business: the representative is refused with the reason
    client = Client()
    client.force_login(rep)
    response = client.get(f"/manage/evaluation/{evaluation.pk}/award/")
    assert response.status_code == 403
    assert "评标委员会成员（含招标人代表）不办理公示与定标" in response.content.decode()


def test_representative_may_chair_where_the_rules_allow(staff: dict[str, Any], settings: Any) -> None:
    settings.GGZY_EXPERTS = {"representative_chair_rules": [{"allowed": True}]}
    real, rep = _with_representative(staff)
    clock = real.clock
    evaluation = services.evaluation_start(actor=real.host, section=real.section, clock=clock)
    members = list(evaluation.members.order_by("pk"))
    rep_member = evaluation.members.get(user=rep)
    for m in members:
        services.member_declare(actor=m.user, evaluation=evaluation, no_conflict=True, clock=clock)
    chair = None
    for m in members[:3]:
        chair = services.chair_vote(actor=m.user, evaluation=evaluation, candidate=rep_member, clock=clock)
    assert chair is not None and chair.pk == rep_member.pk and chair.is_chair


def test_start_refuses_a_committee_below_two_thirds_experts(
    world: Any, make_section: Any, make_user: Any, make_org: Any, eclock: FixedClock
) -> None:
    """A committee handed in directly (3 experts + 2 representatives of the tenderer): 3/5 < 2/3."""
    reps = [make_user("tenderer", org=world.tenderer_org, username=f"rep{i}") for i in (1, 2)]
    committee = seats(world)[:3] + [
        sources.CommitteeSeat(user_id=u.pk, expert_code="", name=f"代表{i}", role=sources.TENDERER_REP)
        for i, u in enumerate(reps, 1)
    ]
    with pytest.raises(
        ValidationFailed, match="专家不得少于评标委员会成员总数的三分之二：当前专家 3 人、招标人代表 2 人"
    ):
        services.evaluation_start(
            actor=world.staff,
            section=make_section(),
            opened=summaries(world),
            committee=committee,
            clock=eclock,
        )
    assert not Evaluation.objects.exists()
    # 4 experts + 1 representative pass; a representative of another organisation does not
    outsider = make_user("tenderer", org=make_org("tenderer"), username="outsider")
    bad = [
        *seats(world)[:4],
        sources.CommitteeSeat(user_id=outsider.pk, expert_code="", name="外单位", role=sources.TENDERER_REP),
    ]
    with pytest.raises(ValidationFailed, match="招标人代表“外单位”不是本项目招标人"):
        services.evaluation_start(
            actor=world.staff, section=make_section(), opened=summaries(world), committee=bad, clock=eclock
        )
    good = [
        *seats(world)[:4],
        sources.CommitteeSeat(user_id=reps[0].pk, expert_code="", name="代表1", role=sources.TENDERER_REP),
    ]
    evaluation = services.evaluation_start(
        actor=world.staff, section=make_section(), opened=summaries(world), committee=good, clock=eclock
    )
    assert list(evaluation.members.values_list("role", flat=True)) == ["expert"] * 4 + ["tenderer_rep"]
    assert Member.objects.filter(evaluation=evaluation, role="tenderer_rep").get().user == reps[0]


def test_start_refuses_when_named_representatives_are_missing(staff: dict[str, Any]) -> None:
    """The draw declared one representative: were the named one removed, the evaluation refuses
    rather than seating a committee the rule was not checked against."""
    from ggzy.experts.models import DrawRepresentative

    real, _rep = _with_representative(staff)
    DrawRepresentative.objects.filter(draw=real.draw).delete()
    with pytest.raises(ValidationFailed, match="招标人代表应为 1 人，已指定 0 人"):
        services.evaluation_start(actor=real.host, section=real.section, clock=real.clock)
    assert not Evaluation.objects.exists()
