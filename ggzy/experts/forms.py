"""Forms of the experts pages: parsing only; every rule is in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from ggzy.experts.choices import Channel, TitleLevel
from ggzy.publishing.forms import ShanghaiDateTimeField

DEMAND_ROWS = 3


def _req(label: str) -> dict[str, str]:
    return {
        "required": f"请填写{label}",
        "max_length": f"{label}过长",
        "invalid": f"{label}格式不正确",
        "min_value": f"{label}过小",
        "max_value": f"{label}过大",
        "invalid_choice": f"请选择有效的{label}",
    }


class DrawRequestForm(forms.Form):
    representatives = forms.IntegerField(
        label="招标人代表人数（计入评标委员会，不参加抽取）",
        min_value=0,
        max_value=10,
        initial=0,
        error_messages=_req("招标人代表人数"),
    )
    region_scope = forms.CharField(
        label="抽取地区范围（多个用逗号分隔，留空为全部）", required=False, max_length=200
    )
    evaluation_at = ShanghaiDateTimeField(label="评标时间", error_messages=_req("评标时间"))
    evaluation_place = forms.CharField(label="评标地点", max_length=200, error_messages=_req("评标地点"))

    def __init__(self, *args: Any, specialties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "（不选）"), *specialties]
        for i in range(1, DEMAND_ROWS + 1):
            self.fields[f"specialty_{i}"] = forms.ChoiceField(
                label=f"专业 {i}", choices=choices, required=i == 1, error_messages=_req(f"专业 {i}")
            )
            self.fields[f"count_{i}"] = forms.IntegerField(
                label=f"专业 {i} 抽取人数",
                min_value=0,
                max_value=30,
                required=False,
                error_messages=_req("人数"),
            )
            self.fields[f"reserves_{i}"] = forms.IntegerField(
                label=f"专业 {i} 备选人数",
                min_value=0,
                max_value=20,
                required=False,
                error_messages=_req("备选人数"),
            )
        order = [
            "specialty_1",
            "count_1",
            "reserves_1",
            "specialty_2",
            "count_2",
            "reserves_2",
            "specialty_3",
            "count_3",
            "reserves_3",
        ]
        self.order_fields([*order, "representatives", "region_scope", "evaluation_at", "evaluation_place"])

    def demands(self) -> list[tuple[str, int, int]]:
        d = self.cleaned_data
        return [
            (d[f"specialty_{i}"], d.get(f"count_{i}") or 0, d.get(f"reserves_{i}") or 0)
            for i in range(1, DEMAND_ROWS + 1)
            if d.get(f"specialty_{i}")
        ]


class AvoidForm(forms.Form):
    expert_code = forms.CharField(label="专家编号", max_length=20, error_messages=_req("专家编号"))
    reason = forms.CharField(label="回避原因", max_length=200, error_messages=_req("回避原因"))


class EntropyForm(forms.Form):
    value = forms.CharField(
        label="随机数（在抽取终端输入或点击生成）", max_length=200, error_messages=_req("随机数")
    )


class RespondForm(forms.Form):
    draw_id = forms.IntegerField(widget=forms.HiddenInput)
    accept = forms.ChoiceField(
        label="答复",
        choices=[("yes", "确认参加"), ("no", "不能参加")],
        widget=forms.RadioSelect,
        error_messages=_req("答复"),
    )
    reason = forms.CharField(label="不能参加的原因", max_length=200, required=False)


class ProfileForm(forms.Form):
    title = forms.CharField(label="职称", max_length=50, error_messages=_req("职称"))
    title_level = forms.ChoiceField(
        label="职称级别", choices=TitleLevel.choices, error_messages=_req("职称级别")
    )
    years = forms.IntegerField(label="从业年限", min_value=0, max_value=70, error_messages=_req("从业年限"))
    region = forms.CharField(label="所在地区", max_length=50, error_messages=_req("所在地区"))
    email = forms.EmailField(label="电子邮箱", required=False, error_messages=_req("电子邮箱"))
    phone = forms.CharField(label="手机", max_length=20, required=False)
    preferred_channel = forms.ChoiceField(
        label="通知方式", choices=Channel.choices, error_messages=_req("通知方式")
    )


class SpecialtyRequestForm(forms.Form):
    code = forms.ChoiceField(label="申请增加的专业", error_messages=_req("专业"))

    def __init__(self, *args: Any, specialties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = specialties  # type: ignore[attr-defined]


class LeaveForm(forms.Form):
    start = forms.DateField(
        label="请假开始日期", widget=forms.DateInput(attrs={"type": "date"}), error_messages=_req("开始日期")
    )
    end = forms.DateField(
        label="请假结束日期", widget=forms.DateInput(attrs={"type": "date"}), error_messages=_req("结束日期")
    )
    reason = forms.CharField(label="事由", max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label="专家信息表（.xlsx）", error_messages=_req("文件"))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核结果",
        choices=[("approve", "通过"), ("reject", "不通过")],
        widget=forms.RadioSelect,
        error_messages=_req("审核结果"),
    )
    note = forms.CharField(label="审核意见", max_length=200, required=False)
