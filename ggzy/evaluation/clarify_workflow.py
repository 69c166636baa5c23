"""Clarification requests (澄清) and abnormally-low-price justifications (异常低价说明) as data.
Pure: no Django.

A request is sent by the committee (entered by its chair) to the bidder of one bid, with a
deadline. Kinds:

* ``question`` — an ordinary clarification (《招标投标法》第三十九条; 87号令第五十一条): the bidder
  answers before the deadline, the committee reads the answer. Terminal once answered.
* ``abnormal_price`` — the written justification of a price that looks abnormally low (87号令第六十
  条; 《评标委员会和评标方法暂行规定》第二十一条): after the answer the committee accepts it or
  rejects it (the bid is then rejected, 否决, "不能合理说明其报价"); an unanswered request whose
  deadline has passed is *lapsed* by the committee (a recorded decision, never a silent change).

Every status change is one transition below, run by one service in
``ggzy.evaluation.services.clarification`` after :func:`ensure_allowed`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from ggzy.core.errors import InvalidTransition, ValidationFailed
from ggzy.evaluation import methods, scoring

QUESTION, ABNORMAL_PRICE = "question", "abnormal_price"
KIND_LABELS = {QUESTION: "澄清", ABNORMAL_PRICE: "异常低价说明"}

SENT, ANSWERED, WITHDRAWN, ACCEPTED, REJECTED = "sent", "answered", "withdrawn", "accepted", "rejected"
STATUS_LABELS = {
    SENT: "待答复",
    ANSWERED: "已答复",
    WITHDRAWN: "已撤回",
    ACCEPTED: "说明合理（已接受）",
    REJECTED: "不能合理说明（投标已否决）",
}
UNDECIDED = frozenset({SENT, ANSWERED})  # an abnormal_price request in these still needs a decision

# Who runs a transition, and when relative to the deadline.
CHAIR, BIDDER = "chair", "bidder"
ANY_TIME, BEFORE_DEADLINE, AFTER_DEADLINE = "any", "before", "after"

# The bid's rejection reason when the committee finds the price not justified (law's wording).
REJECTION_REASON = "不能合理说明其报价"
LAPSE_NOTE = "投标人未在截止时间前提交书面说明，视为不能合理说明其报价"

# Shown to the bidder with every request and confirmed with every answer (the confirmation is
# stored with the answer): 《招标投标法》第三十九条, 《招标投标法实施条例》第五十二条,
# 《政府采购货物和服务招标投标管理办法》第五十一条.
SUBSTANCE_NOTICE = (
    "澄清、说明或者补正应当采用书面形式，不得超出投标文件的范围或者改变投标文件的实质性内容"
    "（包括投标报价、工期、质量、技术参数等）。评标委员会不接受投标人主动提出的澄清、说明。"
)

# Deadline limits: at least MIN_LEAD from now, at most the configured maximum (hours, settings).
MIN_LEAD = dt.timedelta(minutes=10)
TEXT_MAX = 4000
ATTACHMENTS_MAX = 5


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    kinds: frozenset[str]
    who: str
    timing: str
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "answer", frozenset({SENT}), ANSWERED, frozenset({QUESTION, ABNORMAL_PRICE}), BIDDER,
            BEFORE_DEADLINE, "答复",
        ),
        Transition(
            "withdraw", frozenset({SENT}), WITHDRAWN, frozenset({QUESTION, ABNORMAL_PRICE}), CHAIR,
            ANY_TIME, "撤回",
        ),
        Transition(
            "accept", frozenset({ANSWERED}), ACCEPTED, frozenset({ABNORMAL_PRICE}), CHAIR, ANY_TIME,
            "认定报价说明合理",
        ),
        Transition(
            "reject", frozenset({ANSWERED}), REJECTED, frozenset({ABNORMAL_PRICE}), CHAIR, ANY_TIME,
            "认定不能合理说明其报价",
        ),
        Transition(
            "lapse", frozenset({SENT}), REJECTED, frozenset({ABNORMAL_PRICE}), CHAIR, AFTER_DEADLINE,
            "认定逾期未说明",
        ),
    ]
}  # fmt: skip


def ensure_allowed(name: str, *, kind: str, status: str, now: dt.datetime, deadline: dt.datetime) -> None:
    """Raise (in Chinese) unless ``name`` may run on a request of ``kind`` in ``status`` at ``now``."""
    t = TRANSITIONS[name]
    if kind not in t.kinds:
        raise InvalidTransition(f"{KIND_LABELS.get(kind, kind)}不能{t.label}。")
    if status not in t.sources:
        raise InvalidTransition(
            f"该{KIND_LABELS.get(kind, kind)}当前为“{STATUS_LABELS.get(status, status)}”，不能{t.label}。"
        )
    if t.timing == BEFORE_DEADLINE and now > deadline:
        raise InvalidTransition("已超过答复截止时间，不能再答复。")
    if t.timing == AFTER_DEADLINE and now <= deadline:
        raise InvalidTransition("答复截止时间未到，不能认定逾期未说明。")


def bidder_label(*, status: str, answered: bool, lapsed: bool) -> str:
    """What the bidder sees: never the committee's decision (评审情况 stay confidential until the
    result is published — 《招标投标法》第四十四条), only where its own answer stands."""
    if status == WITHDRAWN:
        return "已撤回，无需答复"
    if answered:
        return "已答复"
    if lapsed or status != SENT:
        return "逾期未答复"
    return "待答复"


def is_lapsed(*, status: str, now: dt.datetime, deadline: dt.datetime) -> bool:
    """Sent, unanswered and past its deadline: waits for the committee's decision (or withdrawal)."""
    return status == SENT and now > deadline


def needs_decision(*, kind: str, status: str) -> bool:
    return kind == ABNORMAL_PRICE and status in UNDECIDED


def check_deadline(deadline: dt.datetime | None, *, now: dt.datetime, max_hours: float) -> dt.datetime:
    """The deadline if acceptable: aware, at least :data:`MIN_LEAD` ahead, at most ``max_hours``."""
    if deadline is None:
        raise ValidationFailed("请填写答复截止时间。", fields={"deadline": "必填"})
    if deadline.tzinfo is None:
        raise ValidationFailed("答复截止时间须带时区。", fields={"deadline": "无时区"})
    if deadline <= now:
        raise ValidationFailed("答复截止时间须晚于当前时间。", fields={"deadline": "已过去"})
    if deadline < now + MIN_LEAD:
        minutes = int(MIN_LEAD.total_seconds() // 60)
        raise ValidationFailed(
            f"答复截止时间至少应在 {minutes} 分钟之后，给投标人留出合理时间。", fields={"deadline": "过短"}
        )
    if deadline > now + dt.timedelta(hours=max_hours):
        raise ValidationFailed(f"答复截止时间不能晚于 {max_hours:g} 小时之后。", fields={"deadline": "过长"})
    return deadline


def check_text(value: str, *, label: str, field_name: str, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"请填写{label}。", fields={field_name: "必填"})
    if len(value) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 字。", fields={field_name: "过长"})
    return value


# -- telling the bidder (SMS / e-mail after the request's commit; a reminder before the deadline)

REQUEST, REMINDER = "request", "reminder"
DELIVERY_PURPOSES = {REQUEST: "发出通知", REMINDER: "截止前提醒"}
SMS, EMAIL = "sms", "email"
DELIVERY_CHANNELS = {SMS: "短信", EMAIL: "电子邮件"}
NO_CONTACT = "投标人单位没有登记手机号码或电子邮箱的投标人用户"


def mask_address(channel: str, address: str) -> str:
    """What the staff page shows of a phone number or an e-mail address (personal data)."""
    if channel == SMS:
        return address[:3] + "****" + address[-4:] if len(address) >= 8 else "****"
    local, _, domain = address.partition("@")
    return (local[:1] + "***@" + domain) if domain else "***"


def notice_state(attempts: Sequence[tuple[str, bool, dt.datetime]]) -> tuple[str, dt.datetime | None]:
    """What the committee's page says about telling the bidder, from the (purpose, ok, when)
    of every attempt: the first time a channel accepted the request's notice, or why not."""
    sent = sorted(at for purpose, ok, at in attempts if purpose == REQUEST and ok)
    if sent:
        return "已通知", sent[0]
    if any(purpose == REQUEST for purpose, _, _ in attempts):
        return "通知失败", None
    return "待发送", None


def notice_text(
    *,
    purpose: str,
    center: str,
    bidder: str,
    kind: str,
    section: str,
    deadline_local: str,
    link: str,
) -> tuple[str, str]:
    """(subject, body) of the SMS / e-mail; ``deadline_local`` already in Beijing time. Says no
    more than that a request waits (the question itself stays behind the login)."""
    label = KIND_LABELS[kind]
    if purpose == REMINDER:
        subject = f"评标{label}即将截止：{section}"
        lead = f"评标委员会就{section}向贵单位发出的{label}要求尚未答复，"
    else:
        subject = f"评标{label}要求：{section}"
        lead = f"评标委员会就{section}向贵单位发出{label}要求，"
    body = (
        f"【{center}】{bidder}：{lead}"
        f"请于 {deadline_local}（北京时间）前登录平台在线答复，逾期不予受理。"
        f"答复页面：{link}"
    )
    return subject, body


def price_flags(
    config: methods.MethodConfig,
    bids: Sequence[scoring.Bid],
    *,
    k: Decimal | None,
    price_cap: Decimal | None,
    lottery_seed: bytes,
) -> tuple[scoring.AbnormalLowFlag, ...]:
    """The abnormally-low-price flags of ``bids`` before anybody scored: the same rule and the same
    base price as :func:`scoring.evaluate` (which the result uses), with the subjective scores (and
    any missing objective value) put at zero — prices alone decide the flags."""
    subjective = [c.key for c in config.criteria if c.kind == methods.SUBJECTIVE]
    objective = [c.key for c in config.criteria if c.kind == methods.OBJECTIVE]
    filled = [
        replace(b, objective={key: b.objective.get(key, Decimal(0)) for key in objective}) for b in bids
    ]
    stub = {"preview": {b.id: {key: Decimal(0) for key in subjective} for b in filled if b.compliant}}
    outcome = scoring.evaluate(config, filled, stub, k=k, price_cap=price_cap, lottery_seed=lottery_seed)
    return outcome.abnormal_low
