"""Forms of the participation pages. They only shape input: every rule (lengths, the period,
permissions) is checked again by the services, which give the Chinese message shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core import signing

from ggzy.core.clock import Clock
from ggzy.participation.services import LIMITS

FORM_SALT = "ggzy.participation.form"
TOKEN_MAX_AGE = 24 * 3600


def _limit(name: str) -> int:
    return LIMITS[name][1]


def min_form_seconds() -> float:
    return float(getattr(settings, "GGZY_PARTICIPATION_MIN_FORM_SECONDS", 3))


def form_token(clock: Clock) -> str:
    """When the form was handed out, signed: a post without a fresh form, or faster than a person
    types, is refused (no external CAPTCHA service)."""
    return signing.dumps({"t": int(clock.now().timestamp())}, salt=FORM_SALT)


class Form(forms.Form):
    """No ":" after labels (Chinese forms)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PublicForm(Form):
    """Adds the two anti-spam fields: a honeypot that people never see and a signed start time."""

    website = forms.CharField(
        label="网址（请勿填写此项）",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def spam_problem(self, clock: Clock) -> str:
        """A Chinese reason when the submission looks automated, else ""."""
        if self.cleaned_data.get("website"):
            return "提交未成功：请不要填写“网址”一项，刷新页面后重新填写"
        try:
            payload = signing.loads(
                self.cleaned_data.get("started") or "", salt=FORM_SALT, max_age=TOKEN_MAX_AGE
            )
            started = float(payload["t"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return "页面已过期，请刷新页面后重新填写"
        if clock.now().timestamp() - started < min_form_seconds():
            return "提交过快，请确认内容后再次提交"
        return ""


class CommentForm(PublicForm):
    text = forms.CharField(
        label="意见内容",
        max_length=_limit("comment"),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": _limit("comment")}),
        help_text=f"不超过{_limit('comment')}字。意见经审核后公开显示。",
    )
    display_name = forms.CharField(
        label="署名（选填）",
        required=False,
        max_length=_limit("display_name"),
        help_text="将与意见一同公开显示；不填则显示为“网友”。",
    )
    contact = forms.CharField(
        label="联系方式（选填）",
        required=False,
        max_length=_limit("contact"),
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),
        help_text="手机号码或电子邮箱，仅供工作人员就您的意见联系您，加密保存，不会公开。",
    )


class QuestionForm(PublicForm):
    asker_name = forms.CharField(
        label="姓名", max_length=_limit("asker_name"), widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    contact = forms.CharField(
        label="联系方式（选填）",
        required=False,
        max_length=_limit("contact"),
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),
        help_text="手机号码或电子邮箱，加密保存，仅供工作人员联系您，不会公开。",
    )
    subject = forms.CharField(label="主题", max_length=_limit("subject"))
    text = forms.CharField(
        label="留言内容",
        max_length=_limit("question"),
        widget=forms.Textarea(attrs={"rows": 7, "maxlength": _limit("question")}),
        help_text=f"不超过{_limit('question')}字。请勿填写身份证号等个人信息。",
    )
    publish_consent = forms.BooleanField(
        label="同意将留言内容和答复公开（不公开姓名和联系方式）",
        required=False,
        help_text="同意后，工作人员可在删除个人信息后把留言和答复发布在“留言咨询”栏目，供他人参考。",
    )


class TrackForm(Form):
    code = forms.CharField(
        label="查询码",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


# ---------------------------------------------------------------- staff


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _when(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )


class PeriodForm(Form):
    opens_at = _when("征集开始时间")
    closes_at = _when("征集截止时间")


class ConsultationForm(PeriodForm):
    title = forms.CharField(label="标题", max_length=300)
    summary = forms.CharField(label="摘要（选填）", required=False, max_length=500)
    body_html = forms.CharField(label="正文", widget=forms.Textarea(attrs={"rows": 10}))
    submit = forms.BooleanField(label="保存后立即提交审核", required=False, initial=True)


class OpenForm(PeriodForm):
    article = forms.TypedChoiceField(label="调查征集栏目的信息", coerce=str)


class ModerateForm(Form):
    decision = forms.ChoiceField(choices=[("approve", "通过"), ("reject", "不予展示"), ("hide", "撤下展示")])
    reason = forms.CharField(label="说明", required=False, max_length=_limit("reason"))


class AnswerForm(Form):
    answer = forms.CharField(
        label="答复内容", max_length=_limit("answer"), widget=forms.Textarea(attrs={"rows": 7})
    )


class CloseForm(Form):
    reason = forms.CharField(label="不予答复的原因（留言人可见）", max_length=_limit("reason"))


class PublishForm(Form):
    title = forms.CharField(label="公开标题", max_length=300)
    public_question = forms.CharField(
        label="公开的留言内容",
        max_length=_limit("question"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="请删除姓名、电话、证件号码等个人信息后再提交审核。",
    )


class InterpretationForm(Form):
    explains = forms.CharField(label="所解读的文件", help_text="选择已发布的文件")
    title = forms.CharField(label="解读标题", max_length=300)
    summary = forms.CharField(label="摘要（选填）", required=False, max_length=500)
    body_html = forms.CharField(label="解读正文", widget=forms.Textarea(attrs={"rows": 10}))
    submit = forms.BooleanField(label="保存后立即提交审核", required=False, initial=True)


class LinkForm(Form):
    article = forms.CharField(label="解读（政策解读栏目的信息编号）")
    explains = forms.CharField(label="所解读的文件")
