"""What the outcome documents of a section say, as data (issue #8 §5–6). Pure: no Django.

* The result notification (中标结果通知书) to a bidder who did not win: its own outcome (rank and
  score, or why its bid was rejected) and how to complain — the route differs between the tendering
  law (异议 then 投诉, 实施条例 Art. 54 and 60) and government procurement (质疑 then 投诉,
  政府采购法 Art. 52 and 55).
* The termination notice (终止公告) of a failed section: the reason category with its legal basis
  and what happens next (重新招标 or 终止), again by regime — those rules are
  ``ggzy.trading.termination_rules`` (the opening needs them too) and are re-exported here.

Procurement (``procurement``) follows the procurement law; every other trade domain the tendering
law (招标投标法), which is what construction and the other domains tender under.
"""

from __future__ import annotations

# The termination rules are shared with the opening (a section that fails at its opening gets the
# same kind of notice) and so live in trading, the lowest layer both use; re-exported here.
from ggzy.trading.termination_rules import (
    EVAL_RULES,
    GP_LAW,
    GP_REGULATION,
    NEXT_STEPS,
    OTHER_LABEL,
    PROCUREMENT,
    RETENDER,
    TB_LAW,
    TB_REGULATION,
    TERMINATE,
    FailureCategory,
    check_next_step,
    failure_category,
    is_procurement,
    next_step_text,
)

__all__ = [
    "EVAL_RULES",
    "GP_LAW",
    "GP_REGULATION",
    "NEXT_STEPS",
    "OTHER_LABEL",
    "PROCUREMENT",
    "RETENDER",
    "TB_LAW",
    "TB_REGULATION",
    "TERMINATE",
    "FailureCategory",
    "check_next_step",
    "complaint_route",
    "failure_category",
    "is_procurement",
    "next_step_text",
    "notification_basis",
    "own_outcome",
]


def complaint_route(domain: str) -> str:
    """How a bidder who did not win may challenge the result."""
    if is_procurement(domain):
        return (
            "你方如认为中标结果使自己的权益受到损害，可以在知道或者应知其权益受到损害之日起 7 个工作日内，"
            "以书面形式向采购人或者采购代理机构提出质疑；对质疑答复不满意或者未在规定时间内得到答复的，"
            "可以在答复期满后 15 个工作日内向同级政府采购监督管理部门投诉"
            f"（{GP_LAW}第五十二条、第五十五条）。"
        )
    return (
        "你方如认为本次招标投标活动不符合法律、行政法规规定，可以自知道或者应当知道之日起 10 日内"
        "向有关行政监督部门投诉；就评标结果投诉的，应当先向招标人提出异议"
        f"（{TB_REGULATION}第五十四条、第六十条）。"
    )


def notification_basis(domain: str) -> str:
    """Why the bidder is told (the duty to notify those who did not win)."""
    if is_procurement(domain):
        return (
            "依照《政府采购货物和服务招标投标管理办法》（财政部令第87号）第六十九条，"
            "现将中标结果及你方的评审情况告知如下。"
        )
    return f"依照{TB_LAW}第四十五条，现将中标结果通知如下。"


def own_outcome(
    *,
    rejected_reason: str | None,
    rank: int | None,
    total: str | None,
    evaluated_price: str | None,
    declined_reason: str | None = None,
) -> str:
    """The bidder's own outcome in one sentence: the rejection with its reason, or its rank with
    the total score (scoring methods) or the evaluated price (lowest-price methods)."""
    if rejected_reason is not None:
        text = f"你方投标文件经评标委员会评审被否决，否决理由：{rejected_reason.strip() or '（未载明）'}。"
    elif rank is None:
        text = "你方投标文件未列入评审排序。"
    elif total is not None:
        text = f"你方投标文件评审得分 {total} 分，排名第 {rank} 名。"
    elif evaluated_price is not None:
        text = f"你方投标文件评标价 {evaluated_price} 元，排名第 {rank} 名。"
    else:
        text = f"你方投标文件排名第 {rank} 名。"
    if declined_reason is not None:
        text += f"你方已放弃中标（{declined_reason.strip()}）。"
    return text
