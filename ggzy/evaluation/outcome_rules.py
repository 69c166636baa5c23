"""What the outcome documents of a section say, as data (issue #8 §5–6). Pure: no Django.

* The result notification (中标结果通知书) to a bidder who did not win: its own outcome (rank and
  score, or why its bid was rejected) and how to complain — the route differs between the tendering
  law (异议 then 投诉, 实施条例 Art. 54 and 60) and government procurement (质疑 then 投诉,
  政府采购法 Art. 52 and 55).
* The termination notice (终止公告) of a failed section: the reason category with its legal basis
  and what happens next (重新招标 or 终止), again by regime.

Procurement (``procurement``) follows the procurement law; every other trade domain the tendering
law (招标投标法), which is what construction and the other domains tender under.
"""

from __future__ import annotations

from dataclasses import dataclass

PROCUREMENT = "procurement"

RETENDER, TERMINATE = "retender", "terminate"
NEXT_STEPS: dict[str, str] = {RETENDER: "重新招标", TERMINATE: "终止招标"}

TB_LAW = "《中华人民共和国招标投标法》"
TB_REGULATION = "《中华人民共和国招标投标法实施条例》"
GP_LAW = "《中华人民共和国政府采购法》"
GP_REGULATION = "《中华人民共和国政府采购法实施条例》"
EVAL_RULES = "《评标委员会和评标方法暂行规定》"


@dataclass(frozen=True)
class FailureCategory:
    """Why a section failed, for people: a category label and the legal basis it rests on."""

    code: str
    label: str
    basis: str


# (failure code, is procurement) → category. Codes are the evaluation's ``failure_code`` values.
_CATEGORIES: dict[tuple[str, bool], tuple[str, str]] = {
    ("all_rejected", False): (
        "所有投标均被否决",
        f"{TB_LAW}第四十二条：评标委员会经评审，认为所有投标都不符合招标文件要求的，可以否决所有投标；"
        "依法必须进行招标的项目的所有投标被否决的，招标人应当依照本法重新招标。",
    ),
    ("all_rejected", True): (
        "所有投标均未通过资格审查或者符合性审查",
        f"{GP_LAW}第三十六条第一款第（一）项：符合专业条件的供应商或者对招标文件作实质响应的供应商"
        "不足三家的，应予废标。",
    ),
    ("too_few_valid", False): (
        "有效投标不足三个，评标委员会否决全部投标",
        f"{EVAL_RULES}第二十七条：因有效投标不足三个使得投标明显缺乏竞争的，评标委员会可以否决全部投标；"
        "所有投标被否决的，招标人应当依法重新招标。",
    ),
    ("too_few_valid", True): (
        "对招标文件作实质响应的供应商不足三家",
        f"{GP_LAW}第三十六条第一款第（一）项：对招标文件作实质响应的供应商不足三家的，应予废标。",
    ),
    ("candidates_exhausted", False): (
        "中标候选人均放弃中标或者不能中标",
        f"{TB_REGULATION}第五十五条：排名第一的中标候选人放弃中标、不按照招标文件要求提交履约保证金等，"
        "不符合中标条件的，招标人可以按照中标候选人名单排序依次确定其他中标候选人为中标人，也可以重新招标。",
    ),
    ("candidates_exhausted", True): (
        "中标候选人均拒绝签订合同",
        f"{GP_REGULATION}第四十九条：中标供应商拒绝与采购人签订合同的，采购人可以按照评审报告推荐的"
        "中标候选人名单排序，确定下一候选人为中标供应商，也可以重新开展政府采购活动。",
    ),
}
OTHER_LABEL = "其他导致评标失败的情形"


def is_procurement(domain: str) -> bool:
    return domain == PROCUREMENT


def failure_category(code: str, domain: str) -> FailureCategory:
    """The category and legal basis of a failure code; an unknown code is "other" with no basis
    (the notice then quotes the committee's own reason)."""
    label, basis = _CATEGORIES.get((code, is_procurement(domain)), (OTHER_LABEL, ""))
    return FailureCategory(code=code, label=label, basis=basis)


def next_step_text(step: str, domain: str, code: str) -> str:
    """What happens after the failure, as the notice states it."""
    procurement = is_procurement(domain)
    if step == RETENDER:
        if procurement and code == "candidates_exhausted":
            return f"采购人将依照{GP_REGULATION}第四十九条重新开展政府采购活动，采购公告另行发布。"
        if procurement:
            return f"采购人将依照{GP_LAW}第三十七条重新组织招标，采购公告另行发布。"
        return "招标人将依法重新招标，招标公告另行发布，请潜在投标人关注本网站。"
    if step == TERMINATE:
        if procurement:
            return (
                f"因采购任务取消，本项目（包）终止采购（{GP_LAW}第三十六条第一款第（四）项）；"
                "采购人将把废标理由通知所有投标人。"
            )
        return (
            "招标人终止本标段（包）的招标。已收取投标保证金的，招标人将及时退还所收取的投标保证金"
            f"及银行同期存款利息（{TB_REGULATION}第三十一条）。"
        )
    raise ValueError(f"unknown next step {step!r}")


def check_next_step(step: str) -> str | None:
    """None when ``step`` is a known next step, else the Chinese reason."""
    if step not in NEXT_STEPS:
        return "请选择后续处理方式：重新招标或终止招标。"
    return None


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
