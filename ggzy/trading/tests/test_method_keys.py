"""Evaluation method keys: the glossary's (the evaluation's) in trading's choices, allowed per
trade domain by ``section_update`` with a Chinese reason, and the data migration that converts
the placeholder keys of existing sections (domain-aware, and back)."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps as django_apps

from ggzy.core.clock import FixedClock
from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import methods as evaluation_methods
from ggzy.trading import services, workflow
from ggzy.trading.choices import EvaluationMethod
from ggzy.trading.models import Project, Section, TenderProject
from ggzy.trading.tests.conftest import Parties

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("ggzy.trading.migrations.0005_evaluation_method_keys")


def test_trading_keys_are_the_evaluations() -> None:
    assert dict(EvaluationMethod.choices) == evaluation_methods.METHOD_LABELS
    assert set(workflow.METHODS_BY_DOMAIN["procurement"]) == evaluation_methods.PROCUREMENT_METHODS
    assert set(workflow.METHODS_BY_DOMAIN["construction"]) == evaluation_methods.CONSTRUCTION_METHODS


def _update(section: Any, actor: Any, clock: FixedClock, **kw: Any) -> Any:
    return services.section_update(actor=actor, section=section, name=section.name, clock=clock, **kw)


def _procurement_section(parties: Parties, tclock: FixedClock) -> Any:
    project = services.project_create(
        actor=parties.tenderer,
        tenderer=parties.tenderer_org,
        name="示范市第一中学实验室设备采购",
        domain="procurement",
        procedure="open_tendering",
        code="2026-640400-48-02-000321",
        clock=tclock,
    )
    tp = services.tender_project_create(
        actor=parties.tenderer, project=project, name="设备采购", clock=tclock
    )
    return services.section_create(actor=parties.tenderer, tender_project=tp, name="实验室设备", clock=tclock)


@pytest.mark.parametrize("method", ["comprehensive_assessment", "lowest_reviewed_price"])
def test_construction_section_takes_construction_methods(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any], method: str
) -> None:
    section = _update(build("draft"), parties.tenderer, tclock, evaluation_method=method)
    section.refresh_from_db()
    assert section.evaluation_method == method
    assert section.get_evaluation_method_display() == evaluation_methods.METHOD_LABELS[method]


@pytest.mark.parametrize(
    ("method", "message"),
    [
        (
            "comprehensive_scoring",
            "工程建设项目的评标办法只能是综合评估法或经评审的最低投标价法，不能选择综合评分法",
        ),
        ("lowest_evaluated_price", "不能选择最低评标价法"),
        ("comprehensive", "请选择有效的评标办法"),  # an old placeholder key
    ],
)
def test_construction_section_refuses_other_methods(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any], method: str, message: str
) -> None:
    section = build("draft")
    with pytest.raises(ValidationFailed, match=message) as info:
        _update(section, parties.tenderer, tclock, evaluation_method=method)
    assert "evaluation_method" in info.value.fields
    section.refresh_from_db()
    assert section.evaluation_method == ""


def test_procurement_section_methods(parties: Parties, tclock: FixedClock, tender_notice: Any) -> None:
    section = _procurement_section(parties, tclock)
    for method in ("comprehensive_scoring", "lowest_evaluated_price"):
        section = _update(section, parties.tenderer, tclock, evaluation_method=method)
        assert section.evaluation_method == method
    with pytest.raises(ValidationFailed, match="政府采购项目的评标办法只能是综合评分法或最低评标价法"):
        _update(section, parties.tenderer, tclock, evaluation_method="lowest_reviewed_price")
    section.refresh_from_db()
    assert section.evaluation_method == "lowest_evaluated_price"


def test_params_must_name_the_same_method(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("draft")
    with pytest.raises(ValidationFailed, match="与所选评标办法（综合评估法）不一致") as info:
        _update(
            section,
            parties.tenderer,
            tclock,
            evaluation_method="comprehensive_assessment",
            evaluation_params={"method": "lowest_reviewed_price"},
        )
    assert "evaluation_params" in info.value.fields
    with pytest.raises(ValidationFailed, match="与所选评标办法（未选择）不一致"):
        _update(section, parties.tenderer, tclock, evaluation_params={"method": "comprehensive_assessment"})
    section = _update(
        section,
        parties.tenderer,
        tclock,
        evaluation_method="comprehensive_assessment",
        evaluation_params={"method": "comprehensive_assessment", "category": "works"},
    )
    assert section.evaluation_params["method"] == section.evaluation_method


def test_other_domains_take_no_method(parties: Parties, tclock: FixedClock) -> None:
    project = services.project_create(
        actor=parties.tenderer,
        tenderer=parties.tenderer_org,
        name="示范市国有建设用地使用权出让",
        domain="land_mining",
        procedure="other",
        code="2026-640400-48-03-000555",
        clock=tclock,
    )
    tp = services.tender_project_create(actor=parties.tenderer, project=project, name="出让", clock=tclock)
    section = services.section_create(actor=parties.tenderer, tender_project=tp, name="地块一", clock=tclock)
    with pytest.raises(ValidationFailed, match="土地使用权和矿业权项目不适用评标办法"):
        _update(section, parties.tenderer, tclock, evaluation_method="comprehensive_scoring")
    assert _update(section, parties.tenderer, tclock, evaluation_method="").evaluation_method == ""


# ---------------------------------------------------------------- the data migration


@pytest.fixture
def old_rows(make_org: Callable[..., Any], make_user: Callable[..., Any]) -> Callable[..., Section]:
    """Sections written with the placeholder keys, as the database held them before 0005."""
    org = make_org("tenderer", "示范市第一中学")
    user = make_user("tenderer", org=org)
    serial = iter(range(1, 1000))

    def make(domain: str, key: str, params: dict[str, Any] | None = None) -> Section:
        n = next(serial)
        at = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
        project = Project.objects.create(
            code=f"2026-640400-48-01-{n:06d}",
            name="项目",
            tenderer=org,
            domain=domain,
            procedure="open_tendering",
            created_by=user,
            created_at=at,
        )
        tp = TenderProject.objects.create(
            project=project, code=f"{project.code}001", name="招标", created_by=user, created_at=at
        )
        return Section.objects.create(
            tender_project=tp,
            code=f"{tp.code}001",
            name="标段",
            evaluation_method=key,
            evaluation_params=params or {},
            created_by=user,
            created_at=at,
        )

    return make


CASES = [
    # (domain, old key, params, new key, key after going back)
    ("procurement", "comprehensive", None, "comprehensive_scoring", "comprehensive"),
    ("procurement", "lowest_price", None, "lowest_evaluated_price", "lowest_price"),
    ("procurement", "lowest_evaluated_price", None, "lowest_evaluated_price", "lowest_price"),
    ("procurement", "other", None, "", ""),
    ("procurement", "", None, "", ""),
    ("construction", "comprehensive", None, "comprehensive_assessment", "comprehensive"),
    ("construction", "lowest_price", None, "lowest_reviewed_price", "lowest_evaluated_price"),
    ("construction", "lowest_evaluated_price", None, "lowest_reviewed_price", "lowest_evaluated_price"),
    ("construction", "other", None, "", ""),
    ("land_mining", "comprehensive", None, "", ""),
    # the parameters name a method allowed for the domain: that method wins (the evaluation used it)
    ("procurement", "", {"method": "comprehensive_scoring"}, "comprehensive_scoring", "comprehensive"),
    (
        "procurement",
        "lowest_price",
        {"method": "comprehensive_scoring"},
        "comprehensive_scoring",
        "comprehensive",
    ),
    # … unless the domain does not allow it
    (
        "construction",
        "comprehensive",
        {"method": "comprehensive_scoring"},
        "comprehensive_assessment",
        "comprehensive",
    ),
]


def test_migration_converts_by_domain_and_back(old_rows: Callable[..., Section]) -> None:
    rows = [(old_rows(domain, key, params), new, back) for domain, key, params, new, back in CASES]
    MIGRATION.forward(django_apps, None)
    for section, new, _ in rows:
        section.refresh_from_db()
        assert section.evaluation_method == new, (section.project.domain, new)
        if new:
            assert new in workflow.METHODS_BY_DOMAIN[section.project.domain]
    MIGRATION.forward(django_apps, None)  # idempotent
    assert [Section.objects.get(pk=s.pk).evaluation_method for s, _, _ in rows] == [new for _, new, _ in rows]
    MIGRATION.backward(django_apps, None)
    for section, _, back in rows:
        section.refresh_from_db()
        assert section.evaluation_method == back
    # … and forwards again gives the same keys (the placeholders that had a counterpart round-trip)
    MIGRATION.forward(django_apps, None)
    for section, new, _ in rows:
        section.refresh_from_db()
        assert section.evaluation_method == new
