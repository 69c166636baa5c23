"""Benchmark of issue #3 for ``ggzy bench``: compliance-gate time per notice with 200 rules.

:func:`bench_compliance` tops the default rules up to ``n_rules`` with generated ``custom_terms``
rules (a province's local term lists — the realistic way a rule set grows), builds ``n_notices``
notices of every kind with a realistic body (≈2 000 characters, a few attachments, some with
restricted terms and short periods) and times, per notice:

* ``pure``: :func:`ggzy.compliance.rules.run_rules` with the specs and context already built
  (the checks alone);
* ``selector``: :func:`ggzy.compliance.selectors.compliance_check` — reads the enabled rules, the
  term list, flags and (lazily) the work calendar from the database, then runs the checks: what
  a submission pays.

Generated rules carry codes ``bench_…`` and are removed before and (unless ``keep``) after a run.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from typing import Any
from zoneinfo import ZoneInfo

from ggzy.compliance import rules
from ggzy.compliance.defaults import RULES, TERMS
from ggzy.compliance.facts import AttachmentFacts, ChangedNoticeFacts, NoticeFacts
from ggzy.core.workdays import WorkCalendar

BENCH_PREFIX = "bench_"
SH = ZoneInfo("Asia/Shanghai")
FILLER = (
    "本项目采用公开招标方式，资格审查采用资格后审。投标人须具备独立法人资格，具有相应的资质等级和安全生产许可证，"
    "近三年内无重大违法记录。招标文件获取方式：通过示范市公共资源交易平台免费下载。投标文件递交截止时间及开标时间"
    "见本公告，电子投标文件须加密后上传，逾期上传的不予受理。联系人及联系方式详见招标文件。"
)
LOCAL_WORDS = [
    "驻场",
    "本县",
    "本区",
    "本镇",
    "指定厂家",
    "独家",
    "原厂",
    "专利",
    "进口",
    "本市",
    "本省",
    "备案",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _extra_rule_params(i: int, rng: random.Random) -> dict[str, Any]:
    terms = [f"{rng.choice(LOCAL_WORDS)}{i}-{k}" for k in range(5)]
    return {"terms": terms, "category": "自定义", "fields": ["title", "body_text", "attachments"]}


def _notices(n: int, rng: random.Random) -> list[NoticeFacts]:
    kinds = ["tender"] * 5 + ["change"] * 2 + ["candidate", "award", "termination"]
    domains = ["construction", "procurement", "construction", "land_mining", "state_assets"]
    out = []
    for i in range(n):
        kind, domain = rng.choice(kinds), rng.choice(domains)
        start = dt.datetime(2026, 3, 1, 9, tzinfo=SH) + dt.timedelta(days=rng.randint(0, 250))
        body = FILLER * 12
        if rng.random() < 0.2:
            body += rng.choice(TERMS)[0]
        fields: dict[str, Any] = {
            "title": f"示范市项目{i}{'招标公告' if kind == 'tender' else '公告'}",
            "project_code": f"P-2026-{i:05d}",
            "project_name": f"示范市项目{i}",
            "tenderer_name": "示范市某单位",
            "agency_name": "示范招标代理有限公司",
            "file_issue_start": start,
            "file_issue_end": start + dt.timedelta(days=rng.choice([3, 5, 7, 10])),
            "bid_deadline": start + dt.timedelta(days=rng.choice([15, 20, 25, 30])),
            "opening_at": start + dt.timedelta(days=20),
            "publicity_start": start.date(),
            "publicity_end": start.date() + dt.timedelta(days=rng.choice([2, 3, 5])),
            "winner_name": "甲公司",
            "award_amount": "1000000.00",
            "affects_bid_preparation": rng.random() < 0.5,
            "body_text": body,
        }
        out.append(
            NoticeFacts(
                kind=kind,
                domain=domain,
                procedure=rng.choice(["open_tendering", "inquiry", ""]),
                fields=fields,
                attachments=tuple(
                    AttachmentFacts(f"附件{k}.pdf", "application/pdf", rng.randint(10_000, 5_000_000))
                    for k in range(rng.randint(0, 4))
                ),
                changes=ChangedNoticeFacts(
                    found=True,
                    status="published",
                    kind="tender",
                    project_code=fields["project_code"],
                    bid_deadline=start + dt.timedelta(days=20),
                )
                if kind == "change"
                else None,
                publish_at=start,
                organisation_id=rng.choice([None, 1, 2, 3]),
            )
        )
    return out


def bench_compliance(
    n_rules: int = 200, n_notices: int = 500, *, keep: bool = False, seed: int = 3
) -> dict[str, Any]:
    """p50/p95 ms per notice for the pure checks and for the selector path with ``n_rules``
    enabled rules (defaults + generated term rules). Needs a migrated database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ggzy.compliance import selectors
    from ggzy.compliance.defaults import ensure_defaults
    from ggzy.compliance.models import ComplianceRule, RestrictedTerm

    if n_rules < len(RULES) or n_notices < 1:
        raise ValueError(f"n_rules must be >= {len(RULES)} and n_notices >= 1")
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    ensure_defaults(ComplianceRule, RestrictedTerm)
    ComplianceRule.objects.filter(code__startswith=BENCH_PREFIX).delete()
    enabled = ComplianceRule.objects.filter(enabled=True).count()
    extra = max(0, n_rules - enabled)
    ComplianceRule.objects.bulk_create(
        [
            ComplianceRule(
                code=f"{BENCH_PREFIX}{i:04d}",
                name=f"基准测试规则{i}",
                check_name="custom_terms",
                severity="warning",
                enabled=True,
                message="含有本地规则所列词语",
                legal_basis="基准测试",
                params=_extra_rule_params(i, rng),
                position=100_000 + i,
            )
            for i in range(extra)
        ]
    )
    notices = _notices(n_notices, rng)
    try:
        specs = selectors.rule_specs()
        calendar = WorkCalendar()
        ctx = rules.CheckContext(
            terms=[rules.TermFacts(t, c, s, b) for t, c, s, b in TERMS],
            flags={1: rules.FlagFacts(1, dt.date(2026, 12, 31), "基准测试")},
            count_working_days=lambda a, b: sum(1 for _ in calendar.working_days(a, b)),
        )
        rules.run_rules(notices[0], specs, ctx)  # warm-up (calendar memo, imports)
        pure: list[float] = []
        findings = 0
        for facts in notices:
            t0 = time.perf_counter()
            result = rules.run_rules(facts, specs, ctx)
            pure.append((time.perf_counter() - t0) * 1000)
            findings += len(result.findings)
        selectors.compliance_check(facts=notices[0])
        with CaptureQueriesContext(connection) as queries:
            selectors.compliance_check(facts=notices[0])
        via_selector: list[float] = []
        for facts in notices:
            t0 = time.perf_counter()
            selectors.compliance_check(facts=facts)
            via_selector.append((time.perf_counter() - t0) * 1000)
    finally:
        if not keep:
            ComplianceRule.objects.filter(code__startswith=BENCH_PREFIX).delete()
    return {
        "n_rules": len(specs),
        "n_notices": n_notices,
        "n_terms": len(TERMS),
        "findings_per_notice": round(findings / n_notices, 2),
        "pure_ms_p50": round(statistics.median(pure), 3),
        "pure_ms_p95": round(_percentile(pure, 0.95), 3),
        "selector_ms_p50": round(statistics.median(via_selector), 3),
        "selector_ms_p95": round(_percentile(via_selector, 0.95), 3),
        "selector_queries": len(queries.captured_queries),
        "database": connection.vendor,
    }
