"""The allowed transitions of a section (标段/包), as data. Pure: no Django.

draft → published (tender notice linked, tender file uploaded) → bidding_closed (at the bid
deadline, by the server clock) → … (opening, evaluation: later issues add their statuses here).
A section may be terminated (终止) before bidding closes. After a failed evaluation (all bids
rejected, too few valid bids, every candidate declined) the tenderer either re-tenders — the
section becomes failed (流标; the new round is a new tender project of the same project) — or
terminates it. A failed opening (不予开标: fewer than three bidders under the tendering law)
re-tenders by law: the same ``fail_retender``, applied by the opening. Services look the transition up here
before they change anything; nothing else changes a section's status.

Also here: the evaluation methods (评标办法) a section may name, per trade domain. The keys are the
glossary's and the evaluation's (``ggzy.evaluation.methods``, which computes with them).
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, PUBLISHED, BIDDING_CLOSED, TERMINATED = "draft", "published", "bidding_closed", "terminated"
FAILED = "failed"

STATUS_LABELS = {
    DRAFT: "编制中",
    PUBLISHED: "已发布（投标中）",
    BIDDING_CLOSED: "投标已截止",
    TERMINATED: "已终止",
    FAILED: "流标（重新招标）",
}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("edit", frozenset({DRAFT, PUBLISHED}), None, "修改标段信息"),
        Transition("set_times", frozenset({DRAFT}), None, "设置投标截止和开标时间"),
        Transition("change_deadline", frozenset({PUBLISHED}), None, "变更投标截止时间"),
        Transition("upload_tender_file", frozenset({DRAFT}), None, "上传招标文件"),
        Transition("publish_clarification", frozenset({PUBLISHED}), None, "发布澄清/修改文件"),
        Transition("link_tender_notice", frozenset({DRAFT}), None, "关联招标公告"),
        Transition("publish", frozenset({DRAFT}), PUBLISHED, "发布标段"),
        Transition("download", frozenset({PUBLISHED, BIDDING_CLOSED}), None, "下载招标文件"),
        Transition("close_bidding", frozenset({PUBLISHED}), BIDDING_CLOSED, "截止投标"),
        Transition("terminate", frozenset({DRAFT, PUBLISHED}), TERMINATED, "终止招标"),
        Transition("fail_retender", frozenset({BIDDING_CLOSED}), FAILED, "认定流标并重新招标"),
        Transition("fail_terminate", frozenset({BIDDING_CLOSED}), TERMINATED, "评标失败后终止招标"),
    ]
}


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str) -> None:
        self.transition = transition
        self.status = status
        label = TRANSITIONS[transition].label
        super().__init__(f"标段当前状态为“{STATUS_LABELS.get(status, status)}”，不能{label}")


def ensure_allowed(transition: str, status: str) -> None:
    if status not in TRANSITIONS[transition].sources:
        raise TransitionNotAllowed(transition, status)


def target(transition: str, status: str) -> str:
    t = TRANSITIONS[transition]
    return t.target if t.target is not None else status


# ---------------------------------------------------------------- evaluation methods per domain

COMPREHENSIVE_SCORING = "comprehensive_scoring"
LOWEST_EVALUATED_PRICE = "lowest_evaluated_price"
COMPREHENSIVE_ASSESSMENT = "comprehensive_assessment"
LOWEST_REVIEWED_PRICE = "lowest_reviewed_price"
METHOD_LABELS = {
    COMPREHENSIVE_SCORING: "综合评分法",
    LOWEST_EVALUATED_PRICE: "最低评标价法",
    COMPREHENSIVE_ASSESSMENT: "综合评估法",
    LOWEST_REVIEWED_PRICE: "经评审的最低投标价法",
}
# 政府采购货物和服务招标投标管理办法（87号令）第五十三条; 《评标委员会和评标方法暂行规定》第二十九条.
# Other domains (land, state assets …) are not evaluated by a committee: no method.
METHODS_BY_DOMAIN: dict[str, tuple[str, ...]] = {
    "procurement": (COMPREHENSIVE_SCORING, LOWEST_EVALUATED_PRICE),
    "construction": (COMPREHENSIVE_ASSESSMENT, LOWEST_REVIEWED_PRICE),
}


def method_problem(*, domain: str, domain_label: str, method: str, params_method: str = "") -> str:
    """Why ``method`` (with the method named inside its parameters, if any) does not suit a
    section of ``domain``; "" when it does. An empty method is allowed (decided later)."""
    if params_method and params_method != method:
        named = METHOD_LABELS.get(params_method, params_method)
        chosen = METHOD_LABELS.get(method, method) if method else "未选择"
        return f"评标办法参数中的办法（{named}）与所选评标办法（{chosen}）不一致"
    if not method:
        return ""
    if method not in METHOD_LABELS:
        return "请选择有效的评标办法"
    allowed = METHODS_BY_DOMAIN.get(domain, ())
    if method in allowed:
        return ""
    if not allowed:
        return f"{domain_label}项目不适用评标办法（{METHOD_LABELS[method]}），请留空"
    names = "或".join(METHOD_LABELS[m] for m in allowed)
    return f"{domain_label}项目的评标办法只能是{names}，不能选择{METHOD_LABELS[method]}"
