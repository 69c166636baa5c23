"""The termination rules shared by a failed opening and a failed evaluation. Pure: no database."""

from __future__ import annotations

import pytest

from ggzy.evaluation import outcome_rules
from ggzy.trading import termination_rules as t


def test_too_few_bidders_rests_on_the_tendering_law() -> None:
    category = t.failure_category(t.TOO_FEW_BIDDERS, "construction")
    assert category.label == "投标人少于三个，不予开标"
    assert "第二十八条" in category.basis and "第四十四条" in category.basis
    # procurement has no opening failure of its own: the hall records, the opening goes on
    assert t.failure_category(t.TOO_FEW_BIDDERS, "procurement").label == t.OTHER_LABEL


@pytest.mark.parametrize(
    ("domain", "step", "word"),
    [
        ("construction", t.RETENDER, "流标公告"),
        ("procurement", t.RETENDER, "废标公告"),
        ("construction", t.TERMINATE, "终止公告"),
        ("procurement", t.TERMINATE, "终止公告"),
    ],
)
def test_notice_word_by_regime_and_next_step(domain: str, step: str, word: str) -> None:
    assert t.notice_word(domain, step) == word


def test_the_evaluation_reads_the_same_rules() -> None:
    assert outcome_rules.failure_category is t.failure_category
    assert outcome_rules.next_step_text is t.next_step_text
    assert t.next_step_text(t.RETENDER, "construction", t.TOO_FEW_BIDDERS).startswith("招标人将依法重新招标")
