"""The allowed transitions of an opening session (开标会), as data. Pure: no Django.

scheduled → checking_in (at the opening time) → decrypting (the host starts decryption; the
decryption window runs) → backup_decrypting (the window has ended: backup decryption by the
custodians and Art. 31 marking of bids that still failed) → reading_out (唱标; bidders confirm
their own readout) → objections (异议 window) → closed. With fewer than three bids the host
records the legal consequence: for construction tendering → failed_too_few_bids (不予开标/重新招标;
the section becomes failed in trading, and the center's editor drafts its 流标公告 from the session).
Once decryption is over (every bid decrypted or marked under Art. 31), too few decrypted bids —
none at all, or fewer than the domain's minimum — end the opening the same way instead of the
readout: backup_decrypting → failed_after_decryption (section failed, 流标公告 drafted).
Services look the transition up here before they change anything.
"""

from __future__ import annotations

from dataclasses import dataclass

(
    SCHEDULED,
    CHECKING_IN,
    DECRYPTING,
    BACKUP_DECRYPTING,
    READING_OUT,
    OBJECTIONS,
    CLOSED,
    FAILED,
    FAILED_DECRYPTION,
) = (
    "scheduled",
    "checking_in",
    "decrypting",
    "backup_decrypting",
    "reading_out",
    "objections",
    "closed",
    "failed_too_few_bids",
    "failed_after_decryption",
)

STATE_LABELS = {
    SCHEDULED: "待开标",
    CHECKING_IN: "签到中",
    DECRYPTING: "解密中",
    BACKUP_DECRYPTING: "解密时限已到（备用解密/解密失败处理）",
    READING_OUT: "唱标中",
    OBJECTIONS: "异议期",
    CLOSED: "开标结束",
    FAILED: "投标人不足三家，不予开标",
    FAILED_DECRYPTION: "解密后有效投标不足，开标失败",
}
# The opening did not reach the readout and its section failed (流标，重新招标).
FAILED_STATES = frozenset({FAILED, FAILED_DECRYPTION})
FINAL = frozenset({CLOSED}) | FAILED_STATES


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("open_hall", frozenset({SCHEDULED}), CHECKING_IN, "开启开标大厅"),
        Transition("check_in", frozenset({CHECKING_IN, DECRYPTING}), None, "签到"),
        Transition("record_too_few", frozenset({CHECKING_IN}), FAILED, "记录投标人不足三家的处理"),
        Transition("start_decryption", frozenset({CHECKING_IN}), DECRYPTING, "开始解密"),
        Transition("submit_key", frozenset({DECRYPTING}), None, "提交解密密钥"),
        Transition("end_window", frozenset({DECRYPTING}), BACKUP_DECRYPTING, "结束解密"),
        Transition("backup_decrypt", frozenset({BACKUP_DECRYPTING}), None, "备用解密"),
        Transition("mark_failure", frozenset({BACKUP_DECRYPTING}), None, "登记解密失败"),
        Transition("start_readout", frozenset({BACKUP_DECRYPTING}), READING_OUT, "开始唱标"),
        Transition(
            "record_decryption_shortfall",
            frozenset({BACKUP_DECRYPTING}),
            FAILED_DECRYPTION,
            "记录解密后有效投标不足",
        ),
        Transition("confirm", frozenset({READING_OUT, OBJECTIONS}), None, "确认唱标结果"),
        Transition("open_objections", frozenset({READING_OUT}), OBJECTIONS, "进入异议环节"),
        Transition("raise_objection", frozenset({OBJECTIONS}), None, "提出异议"),
        Transition("answer_objection", frozenset({OBJECTIONS}), None, "答复异议"),
        Transition("close", frozenset({OBJECTIONS}), CLOSED, "结束开标"),
        Transition("publish_record", frozenset({CLOSED}) | FAILED_STATES, None, "发布开标记录"),
        Transition("draft_termination_notice", FAILED_STATES, None, "起草流标公告"),
        Transition("attach_recording", frozenset(STATE_LABELS), None, "登记录像"),
    ]
}


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, state: str) -> None:
        self.transition = transition
        self.state = state
        label = TRANSITIONS[transition].label
        super().__init__(f"开标会当前状态为“{STATE_LABELS.get(state, state)}”，不能{label}")


def ensure_allowed(transition: str, state: str) -> None:
    if state not in TRANSITIONS[transition].sources:
        raise TransitionNotAllowed(transition, state)


def target(transition: str, state: str) -> str:
    ensure_allowed(transition, state)
    return TRANSITIONS[transition].target or state


def too_few_consequence(domain: str, bid_count: int) -> str:
    """The legal consequence the hall warns about with fewer than three bids, as a code:
    "retender" for construction tendering (招标投标法第二十八条：投标人少于三个的，招标人应当依法
    重新招标), "review" otherwise (政府采购等：按采购方式的规定处理，由主持人记录); "" with 3 or more."""
    if bid_count >= 3:
        return ""
    return "retender" if domain == "construction" else "review"


CONSEQUENCE_TEXT = {
    "retender": "投标人少于三个，依据《招标投标法》第二十八条不予开标，招标人应当依法重新招标",
    "review": "投标人少于三个，按本项目采购方式的规定处理（由主持人记录处理意见）",
}
