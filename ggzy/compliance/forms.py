"""Forms of the compliance staff pages: rule tuning, terms, flags and the 规则试算 notice form.

Forms only parse and label; the services validate what they store (params against the check's
schema) and raise with a Chinese message the page shows.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django import forms

from ggzy.accounts.choices import OrganisationKind
from ggzy.accounts.models import Organisation
from ggzy.compliance.defaults import TERM_CATEGORIES
from ggzy.compliance.facts import AttachmentFacts, ChangedNoticeFacts, NoticeFacts
from ggzy.compliance.models import (
    CHECK_CHOICES,
    DOMAIN_CHOICES,
    KIND_CHOICES,
    ComplianceRule,
    FlagSource,
    Severity,
)
from ggzy.core.clock import SHANGHAI

DATETIME_ERROR = "请输入正确的日期时间，如 2026-06-01 09:30"
PROCEDURE_CHOICES = [
    ("open_tendering", "公开招标"),
    ("invited_tendering", "邀请招标"),
    ("competitive_negotiation", "竞争性谈判"),
    ("competitive_consultation", "竞争性磋商"),
    ("inquiry", "询价"),
    ("single_source", "单一来源"),
    ("other", "其他"),
]


class ShanghaiDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read as Beijing time, whatever the active time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {"invalid": DATETIME_ERROR}
    formats = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
        text = str(value).strip()
        for fmt in self.formats:
            try:
                return dt.datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)
            except ValueError:
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class RuleForm(forms.Form):
    """What staff may tune on one rule; params as JSON text (validated by the service)."""

    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices)
    enabled = forms.BooleanField(label="启用", required=False)
    message = forms.CharField(label="提示文字", max_length=300)
    legal_basis = forms.CharField(label="法律依据", max_length=300, required=False)
    params = forms.CharField(
        label="参数（JSON）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "mono"}),
        help_text='例如 {"min_days": 20}；保存前按该检查的参数规则校验。',
    )

    @classmethod
    def for_rule(cls, rule: ComplianceRule) -> RuleForm:
        return cls(
            initial={
                "severity": rule.severity,
                "enabled": rule.enabled,
                "message": rule.message,
                "legal_basis": rule.legal_basis,
                "params": json.dumps(rule.params, ensure_ascii=False, indent=2),
            }
        )


class RuleCreateForm(forms.Form):
    """A further rule on an existing check, e.g. a local term list (``custom_terms``)."""

    code = forms.CharField(
        label="规则代码", max_length=60, help_text="小写字母、数字、下划线，如 local_onsite"
    )
    name = forms.CharField(label="规则名称", max_length=100)
    check_name = forms.ChoiceField(label="检查函数", choices=CHECK_CHOICES, initial="custom_terms")
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices, initial=Severity.WARNING)
    message = forms.CharField(label="提示文字", max_length=300)
    legal_basis = forms.CharField(label="法律依据", max_length=300, required=False)
    params = forms.CharField(
        label="参数（JSON）",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono"}),
        initial='{"terms": ["驻场服务"]}',
    )


class TermForm(forms.Form):
    term = forms.CharField(label="词语", max_length=50)
    category = forms.ChoiceField(label="类别", choices=[(c, c) for c in TERM_CATEGORIES])
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices, initial=Severity.WARNING)
    legal_basis = forms.CharField(label="法律依据", max_length=300, required=False)


class FlagForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="代理机构",
        queryset=Organisation.objects.filter(kind=OrganisationKind.AGENCY, is_active=True).order_by("name"),
        empty_label="请选择",
        error_messages={"invalid_choice": "请选择代理机构"},
    )
    until = forms.DateField(
        label="标记截止日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入正确的日期，如 2026-12-31"},
    )
    reason = forms.CharField(label="原因", max_length=300)
    source = forms.ChoiceField(label="来源", choices=FlagSource.choices, initial=FlagSource.MANUAL)


class TrialForm(forms.Form):
    """规则试算: type a notice's fields and see what the gate would say. Nothing is stored."""

    kind = forms.ChoiceField(label="公告类型", choices=KIND_CHOICES)
    domain = forms.ChoiceField(label="交易领域", choices=DOMAIN_CHOICES)
    procedure = forms.ChoiceField(label="采购/招标方式", choices=PROCEDURE_CHOICES)
    publish_at = ShanghaiDateTimeField(label="发布时间", required=False, help_text="北京时间；不填为现在")
    title = forms.CharField(label="公告标题", max_length=200, required=False)
    project_code = forms.CharField(label="项目编号", max_length=60, required=False)
    project_name = forms.CharField(label="项目名称", max_length=200, required=False)
    tenderer_name = forms.CharField(label="招标人/采购人", max_length=200, required=False)
    agency_name = forms.CharField(label="招标代理机构", max_length=200, required=False)
    budget = forms.DecimalField(
        label="预算金额（元）", required=False, min_value=Decimal(0), decimal_places=2
    )
    price_cap = forms.DecimalField(
        label="最高投标限价（元）", required=False, min_value=Decimal(0), decimal_places=2
    )
    file_issue_start = ShanghaiDateTimeField(label="招标文件发出时间", required=False)
    file_issue_end = ShanghaiDateTimeField(label="招标文件发售/提供截止时间", required=False)
    bid_deadline = ShanghaiDateTimeField(label="投标截止时间", required=False)
    opening_at = ShanghaiDateTimeField(label="开标时间", required=False)
    publicity_start = forms.DateField(
        label="公示开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    publicity_end = forms.DateField(
        label="公示截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    winner_name = forms.CharField(label="中标人", max_length=200, required=False)
    award_amount = forms.DecimalField(
        label="中标金额（元）", required=False, min_value=Decimal(0), decimal_places=2
    )
    affects_bid_preparation = forms.BooleanField(label="变更内容影响投标文件编制", required=False)
    body_text = forms.CharField(label="公告正文", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    attachments = forms.CharField(
        label="附件",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个：文件名 大小（MB），如“招标文件.pdf 2.5”",
    )
    target_status = forms.ChoiceField(
        label="原公告（变更公告所指）",
        required=False,
        choices=[("", "未指明"), ("published", "已发布"), ("withdrawn", "已撤回"), ("missing", "不存在")],
    )
    target_project_code = forms.CharField(label="原公告项目编号", max_length=60, required=False)
    target_bid_deadline = ShanghaiDateTimeField(label="原公告投标截止时间", required=False)
    organisation = forms.ModelChoiceField(
        label="提交的代理机构",
        required=False,
        queryset=Organisation.objects.filter(kind=OrganisationKind.AGENCY).order_by("name"),
        empty_label="（不指定）",
    )

    def clean_attachments(self) -> list[AttachmentFacts]:
        out = []
        for n, line in enumerate(str(self.cleaned_data.get("attachments") or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            name, _, size = line.rpartition(" ")
            if not name:
                name, size = size, "0"
            try:
                mb = Decimal(size)
                if mb < 0 or mb > 100000:
                    raise ValueError
            except (ArithmeticError, ValueError):
                raise forms.ValidationError(
                    f"第{n}行的大小应为以 MB 计的数字，如“招标文件.pdf 2.5”"
                ) from None
            out.append(AttachmentFacts(name=name.strip()[:200], media_type="", size=int(mb * 1024 * 1024)))
        if len(out) > 50:
            raise forms.ValidationError("试算最多50个附件")
        return out

    def facts(self, *, now: dt.datetime) -> NoticeFacts:
        d = self.cleaned_data
        keys = [
            *("title", "project_code", "project_name", "tenderer_name", "agency_name", "budget"),
            *("price_cap", "file_issue_start", "file_issue_end", "bid_deadline", "opening_at"),
            *("publicity_start", "publicity_end", "winner_name", "award_amount"),
            *("affects_bid_preparation", "body_text"),
        ]
        status = d.get("target_status") or ""
        changes: ChangedNoticeFacts | None = None
        if status == "missing":
            changes = ChangedNoticeFacts(found=False)
        elif status:
            changes = ChangedNoticeFacts(
                found=True,
                status=status,
                kind="tender",
                project_code=d.get("target_project_code") or "",
                bid_deadline=d.get("target_bid_deadline"),
            )
        org = d.get("organisation")
        return NoticeFacts(
            kind=d["kind"],
            domain=d["domain"],
            procedure=d["procedure"],
            fields={k: d.get(k) for k in keys},
            attachments=tuple(d.get("attachments") or ()),
            changes=changes,
            publish_at=d.get("publish_at") or now,
            organisation_id=org.pk if org is not None else None,
        )
