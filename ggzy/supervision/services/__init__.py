"""Every write of the supervision app, one function per use case (see the modules).

Re-exported here so callers write ``from ggzy.supervision import services``.
"""

from ggzy.supervision.services.links import (
    broken_link_mark_fixed,
    link_check_if_due,
    link_check_record,
    link_check_run,
)
from ggzy.supervision.services.orders import (
    correction_order_answer,
    correction_order_close,
    correction_order_issue,
    correction_order_return,
    notice_take_down,
)
from ggzy.supervision.services.patrol import (
    patrol_item_verdict,
    patrol_plan_update,
    patrol_round_complete,
    patrol_rounds_create_due,
    plan_get,
)
from ggzy.supervision.services.violations import (
    ViolationEntry,
    violation_create,
    violation_effects_apply_due,
    violations_record_for_article,
)

__all__ = [
    "ViolationEntry",
    "broken_link_mark_fixed",
    "correction_order_answer",
    "correction_order_close",
    "correction_order_issue",
    "correction_order_return",
    "link_check_if_due",
    "link_check_record",
    "link_check_run",
    "notice_take_down",
    "patrol_item_verdict",
    "patrol_plan_update",
    "patrol_round_complete",
    "patrol_rounds_create_due",
    "plan_get",
    "violation_create",
    "violation_effects_apply_due",
    "violations_record_for_article",
]
