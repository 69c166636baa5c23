"""The benchmark runs and reports the shape ``ggzy bench`` expects (no timing assertions)."""

from __future__ import annotations

import pytest

from ggzy.compliance.bench import bench_compliance
from ggzy.compliance.models import ComplianceRule

pytestmark = pytest.mark.django_db


def test_bench_compliance_reports_and_cleans_up() -> None:
    before = ComplianceRule.objects.count()
    result = bench_compliance(n_rules=40, n_notices=20)
    assert result["n_rules"] == 40 and result["n_notices"] == 20
    assert result["pure_ms_p95"] >= result["pure_ms_p50"] > 0
    assert result["selector_ms_p95"] >= result["selector_ms_p50"] > 0
    assert result["findings_per_notice"] > 0
    assert ComplianceRule.objects.count() == before


def test_bench_compliance_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        bench_compliance(n_rules=1, n_notices=10)
