"""The database benchmark runs the whole path and leaves no rows behind (no timing assertion)."""

from __future__ import annotations

import pytest

from ggzy.evaluation.bench_db import bench_evaluation_report
from ggzy.evaluation.models import Evaluation
from ggzy.trading.models import Section


@pytest.mark.django_db(transaction=True)
def test_bench_evaluation_report_small() -> None:
    result = bench_evaluation_report(bids=12, experts=3)
    assert result["scores"] == 12 * 3 * 6
    assert result["candidates"] == 3
    assert result["report_pdf_bytes"] > 0 and result["report_docx_bytes"] > 0
    assert result["result_and_report_ms"] > 0
    assert (
        not Evaluation.objects.exists() and not Section.objects.filter(code__startswith="BENCH-EV").exists()
    )


def test_bench_evaluation_report_refuses_even_committee() -> None:
    with pytest.raises(ValueError):
        bench_evaluation_report(bids=3, experts=4)
