"""Violations: recorded, published on the exposure board through the article review chain,
counted per year by kind, and (once published) flagging the agency in the compliance gate."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from ggzy.compliance.models import AgencyFlag
from ggzy.core.clock import FixedClock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.publishing import services as publishing
from ggzy.supervision import selectors, services
from ggzy.supervision.services.violations import mask_id_number

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def approve_all(article: Any, staff: Any, clock: FixedClock) -> Any:
    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        article = publishing.release_approve(actor=staff[role], item=article, clock=clock)
    return article


def record(staff: Any, clock: FixedClock, **kwargs: Any) -> Any:
    values: dict[str, Any] = {
        "facts": "在某项目招标中设置歧视性条款",
        "authority": "示范市公共资源交易监督管理局",
        "decision_number": "示公管罚〔2026〕3号",
        "penalty": "通报批评，暂停代理业务3个月",
        "decided_on": dt.date(2026, 6, 1),
        **kwargs,
    }
    return services.violation_create(actor=staff["editor"], clock=clock, **values)


def test_agency_violation_goes_through_review_to_the_board(
    clock: FixedClock, staff: Any, agency: Any, client: Any
) -> None:
    v = record(
        staff,
        clock,
        subject_kind="agency",
        organisation=agency,
        gate_flag_until=dt.date(2026, 9, 30),
        document=("处理决定书.pdf", io.BytesIO(PDF)),
    )
    assert v.article.status == "in_review" and v.article.category.code == "exposure"
    assert v.decision_document is not None and v.decision_document_name == "处理决定书.pdf"
    assert list(selectors.exposure_list()) == []
    assert services.violation_effects_apply_due(clock=clock) == 0  # not public yet: no effect
    approve_all(v.article, staff, clock)
    assert list(selectors.exposure_list()) == [v]
    assert list(selectors.exposure_list(kind="expert")) == []
    assert list(selectors.exposure_list(year=2025)) == []
    assert selectors.violation_counts(2026) == {"agency": 1, "expert": 0}
    # Publication starts the effect: the agency is flagged in the gate until the given date.
    assert services.violation_effects_apply_due(clock=clock) == 1
    flag = AgencyFlag.objects.get(organisation=agency)
    assert flag.until == dt.date(2026, 9, 30) and flag.source == "violation"
    assert services.violation_effects_apply_due(clock=clock) == 0  # idempotent
    # The public board shows it, with its decision document.
    page = client.get("/credit/exposure/").content.decode()
    assert agency.name in page and "示公管罚〔2026〕3号" in page and "处理决定书.pdf" in page
    assert client.get(f"/files/{v.decision_document.sha256}/处理决定书.pdf").status_code == 200


def test_expert_violation_keeps_only_a_masked_id(clock: FixedClock, staff: Any) -> None:
    v = record(
        staff,
        clock,
        subject_kind="expert",
        expert_name="张某",
        expert_id_number="11010519491231002x",
        expert_ref="ZJ-0042",
        bars_draws_until=dt.date(2027, 5, 31),
        decision_number="示公管〔2026〕9号",
    )
    assert v.expert_id_masked == "110105********002X"
    assert "11010519491231002" not in v.article.body_html
    approve_all(v.article, staff, clock)
    assert selectors.expert_barred(expert_ref="ZJ-0042", on=dt.date(2027, 1, 1)) == v
    assert selectors.expert_barred(expert_ref="ZJ-0042", on=dt.date(2027, 6, 1)) is None
    assert selectors.violation_counts(2026) == {"agency": 0, "expert": 1}


def test_bad_input_is_refused_and_nothing_stored(clock: FixedClock, staff: Any, make_org: Any) -> None:
    from ggzy.publishing.models import Article
    from ggzy.supervision.models import Violation

    tenderer = make_org("tenderer")
    with pytest.raises(ValidationFailed, match="代理机构"):
        record(staff, clock, subject_kind="agency", organisation=tenderer)
    with pytest.raises(ValidationFailed, match="专家姓名"):
        record(staff, clock, subject_kind="expert")
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        record(staff, clock, subject_kind="expert", expert_name="李某", decided_on=dt.date(2027, 1, 1))
    with pytest.raises(ValidationFailed, match="身份证"):
        record(staff, clock, subject_kind="expert", expert_name="李某", expert_id_number="12345")
    with pytest.raises(ValidationFailed, match="不符"):
        record(
            staff,
            clock,
            subject_kind="expert",
            expert_name="李某",
            document=("决定书.pdf", io.BytesIO(b"MZ\x90\x00 not a pdf")),
        )
    with pytest.raises(PermissionDenied):
        services.violation_create(
            actor=staff["signer"],
            subject_kind="expert",
            expert_name="李某",
            facts="f",
            authority="a",
            decision_number="n",
            penalty="p",
            decided_on=dt.date(2026, 6, 1),
            clock=clock,
        )
    assert Violation.objects.count() == 0 and Article.objects.count() == 0


def test_mask_id_number() -> None:
    assert mask_id_number("110105491231002") == "110105*****1002"
