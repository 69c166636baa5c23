"""The transitions as data (pure)."""

from __future__ import annotations

import pytest

from ggzy.participation import workflow


def test_comment_moderation_transitions() -> None:
    assert workflow.ensure_comment("approve", workflow.PENDING) == workflow.APPROVED
    assert workflow.ensure_comment("reject", workflow.PENDING) == workflow.REJECTED
    assert workflow.ensure_comment("hide", workflow.APPROVED) == workflow.REJECTED
    with pytest.raises(workflow.TransitionNotAllowed, match="已采纳展示"):
        workflow.ensure_comment("approve", workflow.APPROVED)
    with pytest.raises(workflow.TransitionNotAllowed, match="不予展示"):
        workflow.ensure_comment("hide", workflow.REJECTED)


def test_question_transitions() -> None:
    assert workflow.ensure_question("answer", workflow.RECEIVED) == workflow.ANSWERED
    assert workflow.ensure_question("answer", workflow.ANSWERED) == workflow.ANSWERED
    assert workflow.ensure_question("close", workflow.RECEIVED) == workflow.CLOSED
    with pytest.raises(workflow.TransitionNotAllowed, match="不能答复"):
        workflow.ensure_question("answer", workflow.CLOSED)
    with pytest.raises(workflow.TransitionNotAllowed, match="不能公开答复"):
        workflow.ensure_question("publish", workflow.RECEIVED)
