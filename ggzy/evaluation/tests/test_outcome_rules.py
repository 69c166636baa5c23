"""The texts of the outcome documents, pure: regimes, categories, legal bases, next steps."""

from __future__ import annotations

import pytest

from ggzy.evaluation import outcome_rules as o


def test_failure_categories_by_regime() -> None:
    gp = o.failure_category("all_rejected", "procurement")
    tb = o.failure_category("all_rejected", "construction")
    assert "政府采购法" in gp.basis and "第三十六条" in gp.basis
    assert "招标投标法》第四十二条" in tb.basis
    assert "第二十七条" in o.failure_category("too_few_valid", "construction").basis
    assert "第五十五条" in o.failure_category("candidates_exhausted", "construction").basis
    assert "政府采购法实施条例》第四十九条" in o.failure_category("candidates_exhausted", "procurement").basis
    # Other domains tender under the tendering law.
    assert o.failure_category("all_rejected", "land_mining") == o.failure_category(
        "all_rejected", "construction"
    )
    unknown = o.failure_category("something_new", "procurement")
    assert (unknown.label, unknown.basis) == (o.OTHER_LABEL, "")


def test_next_steps() -> None:
    assert "第三十七条" in o.next_step_text(o.RETENDER, "procurement", "too_few_valid")
    assert "重新开展政府采购活动" in o.next_step_text(o.RETENDER, "procurement", "candidates_exhausted")
    assert "重新招标" in o.next_step_text(o.RETENDER, "construction", "all_rejected")
    assert "第三十一条" in o.next_step_text(o.TERMINATE, "construction", "all_rejected")
    assert "采购任务取消" in o.next_step_text(o.TERMINATE, "procurement", "all_rejected")
    with pytest.raises(ValueError):
        o.next_step_text("later", "construction", "all_rejected")
    assert o.check_next_step("retender") is None and o.check_next_step("terminate") is None
    assert o.check_next_step("") == o.check_next_step("x") == "请选择后续处理方式：重新招标或终止招标。"


def test_complaint_routes() -> None:
    gp = o.complaint_route("procurement")
    tb = o.complaint_route("construction")
    assert "质疑" in gp and "7 个工作日" in gp and "15 个工作日" in gp
    assert "异议" in tb and "10 日内" in tb and "第六十条" in tb and "质疑" not in tb
    assert "87号" in o.notification_basis("procurement") and "第四十五条" in o.notification_basis(
        "construction"
    )


def test_own_outcome() -> None:
    assert o.own_outcome(rejected_reason="报价超过最高限价", rank=None, total=None, evaluated_price=None) == (
        "你方投标文件经评标委员会评审被否决，否决理由：报价超过最高限价。"
    )
    assert (
        o.own_outcome(rejected_reason=None, rank=2, total="80.00", evaluated_price="900000.00")
        == "你方投标文件评审得分 80.00 分，排名第 2 名。"
    )
    assert (
        o.own_outcome(rejected_reason=None, rank=3, total=None, evaluated_price="810000.00")
        == "你方投标文件评标价 810000.00 元，排名第 3 名。"
    )
    assert o.own_outcome(rejected_reason=None, rank=None, total=None, evaluated_price=None).endswith(
        "未列入评审排序。"
    )
    assert o.own_outcome(
        rejected_reason=None, rank=1, total="86.00", evaluated_price=None, declined_reason="未按期签订合同"
    ).endswith("你方已放弃中标（未按期签订合同）。")
    assert "（未载明）" in o.own_outcome(rejected_reason=" ", rank=None, total=None, evaluated_price=None)
