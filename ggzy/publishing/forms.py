"""Back-office forms. They only parse (types, required fields) and hand clean values to the
services, which own every rule; a service's error is put back on the form by the view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import IO, Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile

from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import NotFound
from ggzy.publishing import selectors
from ggzy.publishing.choices import NoticeKind, TradeDomain
from ggzy.publishing.models import Article, Category, Notice

Upload = tuple[str, IO[bytes]]

MONEY_ERROR = "金额应为不小于0的数字（单位：元），最多两位小数"
DATETIME_ERROR = "请输入正确的日期时间，如 2021-06-01 09:30"
DATE_ERROR = "请输入正确的日期，如 2021-06-01"


class ShanghaiDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input, read and shown as Beijing time whatever the active time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {"invalid": DATETIME_ERROR}
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(SHANGHAI).replace(tzinfo=None)
        return value

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            moment = value
        else:
            text = str(value).strip()
            for fmt in self.input_formats:
                try:
                    moment = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 (made aware just below)
                    break
                except ValueError:
                    continue
            else:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=SHANGHAI)
        return moment.astimezone(dt.UTC)


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": DATE_ERROR}
    input_formats = ["%Y-%m-%d"]


class MoneyField(forms.DecimalField):
    """Yuan with at most two decimals. Commas (1,234.50) are accepted, as people type them."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "error_messages",
            dict.fromkeys(
                ("invalid", "min_value", "max_digits", "max_decimal_places", "max_whole_digits"), MONEY_ERROR
            ),
        )
        super().__init__(max_digits=16, decimal_places=2, min_value=Decimal(0), **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "step": "0.01"})

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(",", "").replace("，", "").strip()
        return super().to_python(value)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label="附件",
        required=False,
        help_text="可选多个文件：pdf、ofd、doc(x)、xls(x)、wps、zip、rar、png、jpg；系统按内容核验类型。",
    )


def _body_field() -> forms.CharField:
    return forms.CharField(
        label="正文",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="可使用 HTML；脚本、事件属性和内联样式会被自动清除。",
    )


def _publish_at_field() -> ShanghaiDateTimeField:
    return ShanghaiDateTimeField(
        label="定时发布时间",
        required=False,
        help_text="北京时间；留空则在签发后立即发布。",
    )


class ReleaseForm(forms.Form):
    """What article and notice drafts share."""

    label_suffix = ""
    required_css_class = "required"
    fieldsets: Sequence[tuple[str, Sequence[str]]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def grouped(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.fieldsets]

    def uploads(self) -> list[Upload]:
        files: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        return [(f.name or "附件", cast("IO[bytes]", f)) for f in files]


class ArticleForm(ReleaseForm):
    category = forms.TypedChoiceField(
        label="栏目",
        coerce=int,
        error_messages={"required": "请选择有效的栏目", "invalid_choice": "请选择有效的栏目"},
    )
    title = forms.CharField(
        label="标题",
        max_length=300,
        error_messages={"required": "请填写标题", "max_length": "标题不能超过300字"},
    )
    summary = forms.CharField(
        label="摘要", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.CharField(label="来源", required=False, max_length=100)
    doc_number = forms.CharField(label="文号", required=False, max_length=100)
    body_html = _body_field()
    publish_at = _publish_at_field()
    attachments = _attachments_field()

    fieldsets = (
        ("基本信息", ("category", "title", "summary", "source", "doc_number")),
        ("正文与附件", ("body_html", "publish_at", "attachments")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._categories = {c.pk: c for c in selectors.category_list()}
        field = cast("forms.TypedChoiceField", self.fields["category"])
        field.choices = [("", "请选择栏目"), *((pk, c.name) for pk, c in self._categories.items())]

    @classmethod
    def initial_for(cls, article: Article) -> dict[str, Any]:
        return {
            "category": article.category_id,
            "title": article.title,
            "summary": article.summary,
            "source": article.source,
            "doc_number": article.doc_number,
            "body_html": article.body_html,
            "publish_at": article.publish_at,
        }

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        category: Category | None = self._categories.get(data["category"])
        return {
            "category": category,
            "title": data["title"],
            "summary": data["summary"],
            "source": data["source"],
            "doc_number": data["doc_number"],
            "body_html": data["body_html"],
            "publish_at": data["publish_at"],
            "uploads": self.uploads(),
        }


# The notice fields the services take besides title/body/publish_at (services.notices.FIELDS).
NOTICE_FIELDS = (
    "kind",
    "domain",
    "is_prequalification",
    "changes",
    "project_code",
    "project_name",
    "section_code",
    "section_name",
    "tenderer_name",
    "agency_name",
    "budget",
    "price_cap",
    "bid_deadline",
    "opening_at",
    "publicity_start",
    "publicity_end",
    "winner_name",
    "award_amount",
)


class NoticeForm(ReleaseForm):
    kind = forms.ChoiceField(
        label="公告类型",
        choices=[("", "请选择公告类型"), *NoticeKind.choices],
        error_messages={"required": "请选择公告类型", "invalid_choice": "请选择公告类型"},
    )
    domain = forms.ChoiceField(
        label="交易类别",
        choices=[("", "请选择交易类别"), *TradeDomain.choices],
        error_messages={"required": "请选择交易类别", "invalid_choice": "请选择交易类别"},
    )
    is_prequalification = forms.BooleanField(label="资格预审公告", required=False)
    changes = forms.IntegerField(
        label="所变更的公告编号",
        required=False,
        min_value=1,
        error_messages={"invalid": "请填写原公告的编号（数字）", "min_value": "请填写原公告的编号（数字）"},
        help_text="仅变更公告填写：原公告（已发布）的编号，可从下拉提示中选择。",
        widget=forms.NumberInput(attrs={"list": "published-notices"}),
    )
    title = forms.CharField(
        label="标题",
        max_length=300,
        error_messages={"required": "请填写标题", "max_length": "标题不能超过300字"},
    )
    project_code = forms.CharField(label="项目编号", required=False, max_length=60)
    project_name = forms.CharField(label="项目名称", required=False, max_length=300)
    section_code = forms.CharField(label="标段(包)编号", required=False, max_length=60)
    section_name = forms.CharField(label="标段(包)名称", required=False, max_length=300)
    tenderer_name = forms.CharField(label="招标人/采购人", required=False, max_length=200)
    agency_name = forms.CharField(label="代理机构", required=False, max_length=200)
    budget = MoneyField(label="预算金额（元）")
    price_cap = MoneyField(label="最高限价（元）")
    bid_deadline = ShanghaiDateTimeField(label="投标截止时间", required=False, help_text="北京时间")
    opening_at = ShanghaiDateTimeField(label="开标时间", required=False, help_text="北京时间")
    publicity_start = DateField(label="公示开始日期", required=False)
    publicity_end = DateField(label="公示结束日期", required=False)
    winner_name = forms.CharField(label="中标(成交)人", required=False, max_length=200)
    award_amount = MoneyField(label="中标(成交)金额（元）")
    body_html = _body_field()
    publish_at = _publish_at_field()
    attachments = _attachments_field()

    fieldsets = (
        ("公告类型", ("kind", "domain", "is_prequalification", "changes", "title")),
        (
            "项目信息",
            ("project_code", "project_name", "section_code", "section_name", "tenderer_name", "agency_name"),
        ),
        (
            "金额与时间",
            ("budget", "price_cap", "bid_deadline", "opening_at", "publicity_start", "publicity_end"),
        ),
        ("结果", ("winner_name", "award_amount")),
        ("正文与附件", ("body_html", "publish_at", "attachments")),
    )

    def clean_changes(self) -> Notice | None:
        pk = self.cleaned_data.get("changes")
        if pk is None:
            return None
        try:
            return selectors.notice_get_public(pk=pk)
        except NotFound:
            raise forms.ValidationError(f"编号为 {pk} 的公告不存在或尚未发布", code="not_found") from None

    @classmethod
    def initial_for(cls, notice: Notice) -> dict[str, Any]:
        initial = {name: getattr(notice, name) for name in NOTICE_FIELDS}
        initial.update(
            changes=notice.changes_id,
            title=notice.title,
            body_html=notice.body_html,
            publish_at=notice.publish_at,
        )
        return initial

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body_html": data["body_html"],
            "publish_at": data["publish_at"],
            "uploads": self.uploads(),
            **{name: data[name] for name in NOTICE_FIELDS},
        }


class CommentForm(forms.Form):
    """One text box for an action (approve, return, withdraw, correct). Whether it may be empty is
    the service's rule; the ``required`` attribute only spares a round trip in the browser."""

    text = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data: Any = None, *, label: str, html_required: bool, prefix: str) -> None:
        super().__init__(data, prefix=prefix, label_suffix="")
        field = self.fields["text"]
        field.label = label
        if html_required:
            field.widget.attrs["required"] = True

    def cleaned_text(self) -> str:
        return str(self.cleaned_data.get("text", "")) if self.is_valid() else ""
