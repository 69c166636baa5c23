"""One 通报, several violations: ``violations_record_for_article`` attaches decided violations to an
existing 曝光台 article that goes (or went) through the review chain; the board and the yearly
counts see each of them once the article is published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.audit.models import Event
from ggzy.compliance.models import AgencyFlag
from ggzy.core.clock import FixedClock, local_date
from ggzy.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ggzy.publishing import services as publishing
from ggzy.publishing.models import Article, Category
from ggzy.supervision import selectors, services
from ggzy.supervision.models import Violation
from ggzy.supervision.services import ViolationEntry

pytestmark = pytest.mark.django_db


def exposure_article(staff: Any, code: str = "exposure") -> Any:
    return publishing.article_create(
        actor=staff["editor"],
        category=Category.objects.get(code=code),
        title="关于对2026年第二季度违规行为的处理通报",
        body_html="<p>依据有关规定，对下列违规行为予以通报。</p>",
    )


def agency_entry(org: Any, number: str = "示公管罚〔2026〕1号", **kw: Any) -> ViolationEntry:
    values: dict[str, Any] = {
        "subject_kind": "agency",
        "organisation": org,
        "facts": "在招标文件中设置排斥潜在投标人的条款",
        "authority": "示范市住房和城乡建设局",
        "decision_number": number,
        "penalty": "通报批评",
        "decided_on": dt.date(2026, 5, 20),
        **kw,
    }
    return ViolationEntry(**values)


def expert_entry(name: str, number: str = "示公管〔2026〕7号", **kw: Any) -> ViolationEntry:
    values: dict[str, Any] = {
        "subject_kind": "expert",
        "expert_name": name,
        "facts": "评标过程中未按评标办法评分",
        "authority": "示范市发展和改革委员会",
        "decision_number": number,
        "penalty": "暂停评标资格6个月",
        "decided_on": dt.date(2026, 5, 25),
        **kw,
    }
    return ViolationEntry(**values)


def test_one_article_carries_several_violations_through_review(
    clock: FixedClock, staff: Any, publish: Any, make_org: Any, client: Any
) -> None:
    a1, a2 = (
        make_org("agency", "宁夏星火工程咨询有限公司"),
        make_org("agency", "山东正方建设项目管理有限公司"),
    )
    article = publishing.release_submit(actor=staff["editor"], item=exposure_article(staff), clock=clock)
    rows = services.violations_record_for_article(
        actor=staff["editor"],
        article=article,
        violations=[
            agency_entry(a1, gate_flag_until=dt.date(2026, 12, 31)),
            agency_entry(a2, "示公管罚〔2026〕2号"),
            expert_entry(
                "张军", expert_id_number="11010519491231002x", bars_draws_until=dt.date(2026, 11, 25)
            ),
        ],
        clock=clock,
    )
    assert [v.subject_name for v in rows] == [
        "宁夏星火工程咨询有限公司",
        "山东正方建设项目管理有限公司",
        "张军",
    ]
    assert rows[2].expert_id_masked == "110105********002X" and rows[2].organisation is None
    assert Article.objects.filter(category__code="exposure").count() == 1  # no new article
    assert Event.objects.filter(action="supervision.violation_create").count() == 3
    # Not public yet: the board and the counts ignore them, no effect starts.
    assert list(selectors.exposure_list()) == []
    assert selectors.violation_counts(2026) == {"agency": 0, "expert": 0}
    assert services.violation_effects_apply_due(clock=clock) == 0
    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        article = publishing.release_approve(actor=staff[role], item=article, clock=clock)
    assert selectors.violation_counts(2026) == {"agency": 2, "expert": 1}
    assert set(selectors.exposure_list()) == set(rows)
    assert services.violation_effects_apply_due(clock=clock) == 3
    assert AgencyFlag.objects.get(organisation=a1).until == dt.date(2026, 12, 31)
    assert not AgencyFlag.objects.filter(organisation=a2).exists()
    page = client.get("/credit/exposure/").content.decode()
    assert "宁夏星火工程咨询有限公司" in page and "山东正方建设项目管理有限公司" in page and "张军" in page


def test_a_published_article_can_carry_violations_decided_before_it(
    clock: FixedClock, staff: Any, publish: Any, make_org: Any
) -> None:
    article = publish(exposure_article(staff), clock)
    published_on = local_date(article.published_at)
    org = make_org("agency")
    rows = services.violations_record_for_article(
        actor=staff["editor"],
        article=article,
        violations=[agency_entry(org, decided_on=published_on)],
        clock=clock,
    )
    assert selectors.violation_counts(published_on.year)["agency"] == 1
    assert list(selectors.exposure_list()) == rows
    late = published_on + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed, match="不能晚于通报的发布日期"):
        services.violations_record_for_article(
            actor=staff["editor"],
            article=article,
            violations=[agency_entry(org, "示公管罚〔2026〕9号", decided_on=late)],
            clock=FixedClock(clock.now() + dt.timedelta(days=2)),
        )


def test_bad_input_is_refused_and_nothing_stored(
    clock: FixedClock, staff: Any, publish: Any, make_org: Any
) -> None:
    agency, tenderer = make_org("agency"), make_org("tenderer")
    article = exposure_article(staff)
    record = services.violations_record_for_article

    with pytest.raises(ValidationFailed, match="至少"):
        record(actor=staff["editor"], article=article, violations=[], clock=clock)
    with pytest.raises(ValidationFailed, match="最多"):
        record(
            actor=staff["editor"],
            article=article,
            violations=[expert_entry(f"专家{i}") for i in range(51)],
            clock=clock,
        )
    with pytest.raises(ValidationFailed, match="第2条：请选择被处理的代理机构"):
        record(
            actor=staff["editor"],
            article=article,
            violations=[agency_entry(agency), agency_entry(tenderer, "x")],
            clock=clock,
        )
    with pytest.raises(ValidationFailed, match="第1条：决定日期不能晚于今天"):
        record(
            actor=staff["editor"],
            article=article,
            violations=[expert_entry("李某", decided_on=dt.date(2027, 1, 1))],
            clock=clock,
        )
    with pytest.raises(ValidationFailed, match="身份证"):
        record(
            actor=staff["editor"],
            article=article,
            violations=[expert_entry("李某", expert_id_number="123")],
            clock=clock,
        )
    with pytest.raises(ValidationFailed, match="重复"):
        record(actor=staff["editor"], article=article, violations=[agency_entry(agency)] * 2, clock=clock)
    with pytest.raises(PermissionDenied):
        record(actor=staff["signer"], article=article, violations=[agency_entry(agency)], clock=clock)
    news = exposure_article(staff, code="news")
    with pytest.raises(ValidationFailed, match="曝光台"):
        record(actor=staff["editor"], article=news, violations=[agency_entry(agency)], clock=clock)
    published = publish(exposure_article(staff), clock)
    withdrawn = publishing.release_withdraw(
        actor=staff["signer"], item=published, reason="内容有误", clock=clock
    )
    with pytest.raises(InvalidTransition):
        record(actor=staff["editor"], article=withdrawn, violations=[agency_entry(agency)], clock=clock)
    gone = Article(pk=999_999)
    with pytest.raises(NotFound):
        record(actor=staff["editor"], article=gone, violations=[agency_entry(agency)], clock=clock)
    assert Violation.objects.count() == 0
    assert not Event.objects.filter(action="supervision.violation_create").exists()


def test_violation_create_still_makes_its_own_article(clock: FixedClock, staff: Any) -> None:
    v = services.violation_create(
        actor=staff["editor"],
        subject_kind="expert",
        expert_name="曹红霞",
        facts="f",
        authority="a",
        decision_number="n",
        penalty="p",
        decided_on=dt.date(2026, 6, 1),
        clock=clock,
    )
    assert list(v.article.violations.all()) == [v]
