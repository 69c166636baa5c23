"""Why a section failed and what happens next, as its termination notice (终止公告 / 流标公告 /
废标公告) states it. Pure: no Django.

A section fails at two points, and both write the same kind of notice: at the opening (不予开标:
fewer than three bidders under the tendering law) and after the evaluation (all bids rejected, too
few valid bids, every candidate declined). The opening (``ggzy.opening``) and the evaluation
(``ggzy.evaluation``, whose ``outcome_rules`` re-exports these names) both sit above trading, so
the shared rules live here.

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
E_BIDDING = "《电子招标投标办法》"

# The failure codes of a section that failed at its opening: fewer than three bidders (不予开标),
# and, after decryption (the window, backup decryption, Art. 31 marking), too few bids decrypted
# or none at all.
TOO_FEW_BIDDERS = "too_few_bidders"
TOO_FEW_DECRYPTED = "too_few_decrypted"
ALL_DECRYPTION_FAILED = "all_decryption_failed"
OPENING_FAILURES = frozenset({TOO_FEW_BIDDERS, TOO_FEW_DECRYPTED, ALL_DECRYPTION_FAILED})

# Three bidders: the least the tendering law opens with (实施条例第四十四条) and the most any rule asks
# to remain after decryption (a bid that failed decryption is revoked or withdrawn, 电子招标投标办法
# 第三十一条). How many must remain is a setting per regime (``opening.config.min_decrypted_bids``).
TB_MIN_DECRYPTED = 3

_ART31 = (
    f"{E_BIDDING}第三十一条：因投标人原因造成投标文件未解密的，视为撤销其投标文件；"
    "因投标人之外的原因造成投标文件未解密的，视为撤回其投标文件。"
)


@dataclass(frozen=True)
class FailureCategory:
    """Why a section failed, for people: a category label and the legal basis it rests on."""

    code: str
    label: str
    basis: str


# (failure code, is procurement) → category. Codes are the evaluation's ``failure_code`` values
# and the opening's ``TOO_FEW_BIDDERS``.
_CATEGORIES: dict[tuple[str, bool], tuple[str, str]] = {
    (TOO_FEW_BIDDERS, False): (
        "投标人少于三个，不予开标",
        f"{TB_LAW}第二十八条：投标人少于三个的，招标人应当依照本法重新招标。"
        f"{TB_REGULATION}第四十四条：投标人少于3个的，不得开标；招标人应当重新招标。",
    ),
    (ALL_DECRYPTION_FAILED, False): (
        "全部投标文件解密失败，开标失败",
        f"{_ART31}{TB_REGULATION}第四十四条：投标人少于3个的，不得开标；招标人应当重新招标。",
    ),
    (ALL_DECRYPTION_FAILED, True): (
        "全部投标文件解密失败，开标失败",
        f"{_ART31}{GP_LAW}第三十六条第一款第（一）项：符合专业条件的供应商或者对招标文件作实质响应的"
        "供应商不足三家的，应予废标。",
    ),
    (TOO_FEW_DECRYPTED, False): (
        "解密后有效投标不足三家，开标失败",
        f"{_ART31}{TB_LAW}第二十八条：投标人少于三个的，招标人应当依照本法重新招标。"
        f"{TB_REGULATION}第四十四条：投标人少于3个的，不得开标；招标人应当重新招标。",
    ),
    (TOO_FEW_DECRYPTED, True): (
        "解密后有效投标不足规定家数，开标失败",
        f"{_ART31}{GP_LAW}第三十六条第一款第（一）项：符合专业条件的供应商或者对招标文件作实质响应的"
        "供应商不足三家的，应予废标。",
    ),
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


def decryption_shortfall(*, decrypted: int, minimum: int) -> str:
    """Once every bid is decrypted or marked failed (Art. 31): the failure code when the decrypted
    bids fall short of ``minimum`` — ``ALL_DECRYPTION_FAILED`` with none, ``TOO_FEW_DECRYPTED``
    with some — or "" when the opening goes on to the readout."""
    if decrypted <= 0:
        return ALL_DECRYPTION_FAILED
    if decrypted < minimum:
        return TOO_FEW_DECRYPTED
    return ""


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


def notice_word(domain: str, next_step: str) -> str:
    """The notice's name: 流标公告 / 废标公告 (re-tender: the tendering law's and the procurement
    law's words) or 终止公告 (terminated); all are published as termination notices."""
    if next_step == TERMINATE:
        return "终止公告"
    return "废标公告" if is_procurement(domain) else "流标公告"
