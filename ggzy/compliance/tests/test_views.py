"""The staff pages through the Django test client: who may see and change what, and that bad
input comes back as a page with the reason (never a 500)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ggzy.compliance import selectors
from ggzy.compliance.models import AgencyFlag, ComplianceRule, RestrictedTerm

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, make_user: Callable[..., Any], center: Any) -> Client:
    client.force_login(make_user("system_admin", org=center))
    return client


def test_pages_render_for_admin(admin_client: Client) -> None:
    for name in ("rules", "terms", "policy", "flags", "trial"):
        response = admin_client.get(reverse(f"compliance:{name}"))
        assert response.status_code == 200, name
    page = admin_client.get(reverse("compliance:rules")).content.decode()
    assert "tender_period" in page and "第二十四条" in page and 'id="nav-compliance"' in page


def test_viewer_without_tuning_role_sees_rules_but_cannot_edit(
    client: Client, make_user: Callable[..., Any], center: Any
) -> None:
    client.force_login(make_user("first_reviewer", org=center))
    page = client.get(reverse("compliance:rules")).content.decode()
    assert "tender_period" in page and "edit-tender_period" not in page
    rule = ComplianceRule.objects.get(code="tender_period")
    assert client.get(reverse("compliance:rule_edit", args=[rule.pk])).status_code == 403
    response = client.post(
        reverse("compliance:terms"), {"term": "本县", "category": "地域限制", "severity": "error"}
    )
    assert response.status_code == 403 and not RestrictedTerm.objects.filter(term="本县").exists()


def test_outsiders_are_refused(
    client: Client, make_user: Callable[..., Any], make_org: Callable[..., Any]
) -> None:
    assert client.get(reverse("compliance:rules")).status_code == 302  # to login
    client.force_login(make_user("agency_publisher", org=make_org("agency")))
    assert client.get(reverse("compliance:trial")).status_code == 403


def test_rule_edit_bad_params_shows_reason_and_keeps_row(admin_client: Client) -> None:
    rule = ComplianceRule.objects.get(code="candidate_publicity")
    url = reverse("compliance:rule_edit", args=[rule.pk])
    data = {
        "severity": "warning",
        "enabled": "on",
        "message": "公示期太短",
        "legal_basis": "依据",
        "params": '{"min_days": 0}',
    }
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert "应在1到60之间" in response.content.decode()
    rule.refresh_from_db()
    assert rule.params == {"min_days": 3} and rule.severity == "error"
    response = admin_client.post(url, {**data, "params": '{"min_days": 5}'})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.params, rule.severity, rule.enabled, rule.message) == (
        {"min_days": 5},
        "warning",
        True,
        "公示期太短",
    )
    assert admin_client.get(reverse("compliance:rule_edit", args=[999999])).status_code == 404


def test_terms_add_duplicate_and_remove(admin_client: Client) -> None:
    url = reverse("compliance:terms")
    assert (
        admin_client.post(url, {"term": "本县企业", "category": "地域限制", "severity": "error"}).status_code
        == 302
    )
    again = admin_client.post(url, {"term": "本县企业", "category": "地域限制", "severity": "error"})
    assert again.status_code == 400 and "已在词库中" in again.content.decode()
    assert admin_client.post(url, {"term": "", "category": "x"}).status_code == 400
    term = RestrictedTerm.objects.get(term="本县企业")
    assert admin_client.post(reverse("compliance:term_remove", args=[term.pk])).status_code == 302
    assert admin_client.post(reverse("compliance:term_remove", args=[term.pk])).status_code == 404


def test_policy_grid_saves_changed_cells_and_rejects_garbage(admin_client: Client) -> None:
    url = reverse("compliance:policy")
    assert admin_client.post(url, {"mode-tender-construction": "approve_first"}).status_code == 302
    assert selectors.publication_mode(kind="tender", domain="construction") == "approve_first"
    bad = admin_client.post(url, {"mode-award-procurement": "whenever"})
    assert bad.status_code == 400 and "发布方式只能是" in bad.content.decode()
    assert 'value="approve_first" selected' in admin_client.get(url).content.decode()


def test_flags_set_bad_date_and_lift(admin_client: Client, make_org: Callable[..., Any]) -> None:
    agency = make_org("agency")
    url = reverse("compliance:flags")
    bad = admin_client.post(
        url, {"organisation": agency.pk, "until": "2000-01-01", "reason": "r", "source": "manual"}
    )
    assert bad.status_code == 400 and "不能早于今天" in bad.content.decode()
    garbage = admin_client.post(url, {"organisation": "abc", "until": "soon", "reason": "", "source": "x"})
    assert garbage.status_code == 400
    ok = admin_client.post(
        url, {"organisation": agency.pk, "until": "2099-01-01", "reason": "串标", "source": "manual"}
    )
    assert ok.status_code == 302
    flag = AgencyFlag.objects.get()
    assert "串标" in admin_client.get(url).content.decode()
    assert admin_client.post(reverse("compliance:flag_lift", args=[flag.pk])).status_code == 302
    assert admin_client.post(reverse("compliance:flag_lift", args=[flag.pk])).status_code == 409


def test_trial_shows_findings_and_handles_garbage(admin_client: Client) -> None:
    url = reverse("compliance:trial")
    response = admin_client.post(
        url,
        {
            "kind": "tender",
            "domain": "construction",
            "procedure": "open_tendering",
            "publish_at": "2026-03-02T08:00",
            "title": "教学楼施工招标",
            "file_issue_start": "2026-03-02T09:00",
            "file_issue_end": "2026-03-06T17:00",
            "bid_deadline": "2026-03-21T09:00",
            "opening_at": "2026-03-21T09:00",
            "body_text": "投标人须为本地注册企业",
            "attachments": "招标文件.pdf 2\n工具.exe 1",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-rule="tender_period"' in page and "仅19日" in page
    assert 'data-rule="restricted_terms"' in page and "本地注册" in page
    assert 'data-rule="attachment_types"' in page and "工具.exe" in page
    assert 'data-rule="required_fields"' in page
    garbage = admin_client.post(
        url, {"kind": "memo", "bid_deadline": "tomorrow", "attachments": "a.pdf lots"}
    )
    assert garbage.status_code == 400 and "请检查标出的字段" in garbage.content.decode()


def test_rule_create_form(admin_client: Client) -> None:
    url = reverse("compliance:rules")
    data = {
        "code": "local_onsite",
        "name": "驻场要求",
        "check_name": "custom_terms",
        "severity": "warning",
        "message": "含有驻场要求",
        "legal_basis": "",
        "params": '{"terms": ["驻场服务"]}',
    }
    bad = admin_client.post(url, {**data, "params": '{"terms": []}'})
    assert bad.status_code == 400 and "不能为空" in bad.content.decode()
    assert not ComplianceRule.objects.filter(code="local_onsite").exists()
    assert admin_client.post(url, data).status_code == 302
    assert ComplianceRule.objects.get(code="local_onsite").params == {"terms": ["驻场服务"]}
    assert admin_client.post(url, {**data, "check_name": "nope"}).status_code == 400


def test_rule_create_refused_without_tuning_role(
    client: Client, make_user: Callable[..., Any], center: Any
) -> None:
    client.force_login(make_user("reviewer", org=center))
    data = {"code": "x1", "name": "x", "check_name": "custom_terms", "severity": "warning", "message": "m",
            "params": '{"terms": ["驻场"]}'}  # fmt: skip
    assert client.post(reverse("compliance:rules"), data).status_code == 403
    assert not ComplianceRule.objects.filter(code="x1").exists()
