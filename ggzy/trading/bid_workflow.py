"""The allowed transitions of a bid version (投标文件), as data. Pure: no Django.

submitted → replaced (a newer version was submitted) | withdrawn (by the bidder, before the
deadline) | at opening: decrypted | revoked_art31 (decryption failed through the bidder's fault:
treated as revoked, 撤销) | withdrawn_art31 (failed for another cause: treated as withdrawn, 撤回).
"""

from __future__ import annotations

from dataclasses import dataclass

SUBMITTED, REPLACED, WITHDRAWN = "submitted", "replaced", "withdrawn"
DECRYPTED, REVOKED_ART31, WITHDRAWN_ART31 = "decrypted", "revoked_art31", "withdrawn_art31"
OPENING_OUTCOMES = frozenset({DECRYPTED, REVOKED_ART31, WITHDRAWN_ART31})

STATUS_LABELS = {
    SUBMITTED: "已递交",
    REPLACED: "已被替换",
    WITHDRAWN: "已撤回",
    DECRYPTED: "已解密",
    REVOKED_ART31: "视为撤销投标文件",
    WITHDRAWN_ART31: "视为撤回投标文件",
}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    targets: frozenset[str]
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("replace", frozenset({SUBMITTED}), frozenset({REPLACED}), "替换投标文件"),
        Transition("withdraw", frozenset({SUBMITTED}), frozenset({WITHDRAWN}), "撤回投标文件"),
        Transition("mark_opened", frozenset({SUBMITTED}), OPENING_OUTCOMES, "记录开标解密结果"),
    ]
}


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str, target: str | None = None) -> None:
        label = TRANSITIONS[transition].label
        if target is not None and target not in TRANSITIONS[transition].targets:
            super().__init__(f"“{target}”不是{label}允许的结果")
        else:
            super().__init__(f"投标文件当前状态为“{STATUS_LABELS.get(status, status)}”，不能{label}")


def ensure_allowed(transition: str, status: str, target: str | None = None) -> str:
    """The status after ``transition`` (``target`` picks one when several are allowed)."""
    t = TRANSITIONS[transition]
    if status not in t.sources:
        raise TransitionNotAllowed(transition, status)
    if target is None:
        if len(t.targets) != 1:
            raise TransitionNotAllowed(transition, status, "")
        return next(iter(t.targets))
    if target not in t.targets:
        raise TransitionNotAllowed(transition, status, target)
    return target
