"""The section transitions as data (pure)."""

from __future__ import annotations

import pytest

from ggzy.trading import workflow


def test_every_transition_has_known_statuses() -> None:
    for t in workflow.TRANSITIONS.values():
        assert t.sources <= set(workflow.STATUS_LABELS)
        assert t.target is None or t.target in workflow.STATUS_LABELS


@pytest.mark.parametrize(
    ("name", "status", "after"),
    [
        ("publish", workflow.DRAFT, workflow.PUBLISHED),
        ("close_bidding", workflow.PUBLISHED, workflow.BIDDING_CLOSED),
        ("terminate", workflow.DRAFT, workflow.TERMINATED),
        ("terminate", workflow.PUBLISHED, workflow.TERMINATED),
        ("change_deadline", workflow.PUBLISHED, workflow.PUBLISHED),
    ],
)
def test_allowed(name: str, status: str, after: str) -> None:
    workflow.ensure_allowed(name, status)
    assert workflow.target(name, status) == after


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("publish", workflow.PUBLISHED),
        ("close_bidding", workflow.DRAFT),
        ("upload_tender_file", workflow.PUBLISHED),
        ("publish_clarification", workflow.DRAFT),
        ("download", workflow.DRAFT),
        ("terminate", workflow.BIDDING_CLOSED),
        ("edit", workflow.TERMINATED),
    ],
)
def test_refused_with_chinese_reason(name: str, status: str) -> None:
    with pytest.raises(workflow.TransitionNotAllowed) as exc:
        workflow.ensure_allowed(name, status)
    assert workflow.STATUS_LABELS[status] in str(exc.value)
