"""Forms of the supervision pages. They only parse (types, required fields, choices) and hand clean
values to the services, which own every rule; a service's ``GgzyError.fields`` go back on the
form through :meth:`Form.put_error`."""

from __future__ import annotations

from django import forms

from ggzy.accounts.choices import OrganisationKind
from ggzy.accounts.models import Organisation
from ggzy.supervision.choices import SubjectKind, Verdict

DATE_ERROR = "请输入正确的日期，如 2026-06-01"


class Form(forms.Form):
    def put_error(self, fields: dict[str, str]) -> None:
        for name, message in fields.items():
            if name in self.fields and not self.has_error(name):
                self.add_error(name, message)


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": DATE_ERROR}
    input_formats = ["%Y-%m-%d"]


def _text(label: str, *, required: bool = True, rows: int = 3, max_length: int = 4000) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"请填写{label}"},
    )


class VerdictForm(Form):
    verdict = forms.ChoiceField(
        label="巡查结论",
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择巡查结论"},
    )
    comment = _text("巡查意见", required=False, rows=2, max_length=2000)


class OrderForm(Form):
    problem = _text("存在问题")
    requirement = _text("整改要求")
    days = forms.IntegerField(label="整改期限（工作日）", min_value=1, max_value=60)


class TakedownForm(Form):
    reason = _text("撤下原因（将向公众公开）", rows=2)


class AnswerForm(Form):
    reply = _text("整改情况", rows=4)
    attachment = forms.FileField(label="附件（可选，PDF、OFD、Word、图片等）", required=False)


class ReviewForm(Form):
    comment = _text("验收/退回意见", required=False, rows=2)


class PlanForm(Form):
    times = forms.CharField(
        label="每日巡查时间（北京时间）",
        max_length=200,
        help_text="多个时间用逗号分隔，如 09:00, 14:00, 17:30",
        error_messages={"required": "请填写巡查时间"},
    )
    correction_days = forms.IntegerField(label="整改期限（工作日）", min_value=1, max_value=60)

    def time_list(self) -> list[str]:
        raw = self.cleaned_data["times"].replace("，", ",").replace("、", ",")
        return [t for t in (part.strip() for part in raw.split(",")) if t]


class ViolationForm(Form):
    subject_kind = forms.ChoiceField(label="对象类型", choices=SubjectKind.choices, widget=forms.RadioSelect)
    organisation = forms.ModelChoiceField(
        label="代理机构（对象为代理机构时）",
        queryset=Organisation.objects.filter(kind=OrganisationKind.AGENCY, is_active=True).order_by("name"),
        required=False,
        empty_label="请选择",
    )
    expert_name = forms.CharField(label="专家姓名（对象为专家时）", max_length=50, required=False)
    expert_id_number = forms.CharField(
        label="专家身份证号码（仅保存脱敏后的号码）", max_length=18, required=False
    )
    expert_ref = forms.CharField(label="专家编号（可选）", max_length=100, required=False)
    facts = _text("违规事实", rows=4)
    authority = forms.CharField(label="处理机关", max_length=200)
    decision_number = forms.CharField(label="处理决定文号", max_length=100)
    penalty = _text("处理结果", rows=2)
    decided_on = DateField(label="决定日期")
    effective_from = DateField(label="执行起始日期", required=False)
    effective_until = DateField(label="执行截止日期", required=False)
    gate_flag_until = DateField(label="合规检查标记至（代理机构）", required=False)
    bars_draws_until = DateField(label="暂停抽取至（专家）", required=False)
    document = forms.FileField(label="处理决定书（PDF 等）", required=False)


class BoardFilterForm(forms.Form):
    kind = forms.ChoiceField(label="对象类型", choices=[("", "全部"), *SubjectKind.choices], required=False)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)
