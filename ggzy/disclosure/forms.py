"""Forms of the disclosure pages. They only parse (types, required fields, choices) and hand clean
values to the services, which own every rule; a service's ``GgzyError.fields`` are put back on
the form by the view. Field names are the names the services use in ``fields``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from ggzy.accounts.models import User
from ggzy.disclosure import outcomes, selectors
from ggzy.disclosure.choices import (
    ApplicantKind,
    CenterRole,
    Channel,
    ConsultationParty,
    DeliveryMethod,
    FeeStandard,
    IdentityDocType,
    InfoForm,
    ReviewKind,
    ReviewResult,
)
from ggzy.disclosure.services import ApplicantInput, InfoInput, text_limit

DATE_ERROR = "请输入正确的日期，如 2026-06-01"
REQUIRED = "此项为必填项"

# What each of the report's six applicant columns covers, shown under the choice.
APPLICANT_KIND_HELP = {
    ApplicantKind.NATURAL_PERSON: "以个人名义申请的公民。",
    ApplicantKind.BUSINESS: "公司、企业、个体工商户等以营利为目的的市场主体。",
    ApplicantKind.RESEARCH: "科研院所、高等学校等从事科学研究的单位。",
    ApplicantKind.PUBLIC_INTEREST: "基金会、社会团体、社会服务机构等公益性组织。",
    ApplicantKind.LEGAL_SERVICE: "律师事务所、公证机构、基层法律服务所等。",
    ApplicantKind.OTHER: "机关、事业单位、村（居）民委员会等其他法人或者非法人组织。",
}


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": DATE_ERROR}
    input_formats = ["%Y-%m-%d"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class Form(forms.Form):
    """Chinese messages, no label colon, required rows marked."""

    required_css_class = "required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        generic = str(forms.Field.default_error_messages["required"])
        for field in self.fields.values():
            if str(field.error_messages.get("required", generic)) == generic:
                field.error_messages["required"] = REQUIRED

    # The service's field names that are not this form's field names.
    SERVICE_FIELDS: dict[str, str] = {}

    def put_error(self, fields: dict[str, str]) -> None:
        """Show a service's field errors next to the fields (unknown names go to the top)."""
        for name, text in fields.items():
            target = self.SERVICE_FIELDS.get(name, name)
            if target in self.fields:
                if target not in self.errors:
                    self.add_error(target, text)
            else:
                self.add_error(None, text)

    def uploads(self, name: str) -> list[tuple[str, bytes]]:
        files: list[UploadedFile] = self.cleaned_data.get(name) or []
        return [(f.name or "文件", f.read()) for f in files]


def _text(label: str, *, required: bool = False, max_length: int = 200, **kw: Any) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, **kw)


def _area(
    label: str, *, required: bool = False, rows: int = 3, max_length: int = 4000, **kw: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kw,
    )


class ApplicantFields(Form):
    """Art. 29: who applies, how to reach them, what they want and how."""

    applicant_kind = forms.ChoiceField(
        label="申请人类型", choices=ApplicantKind.choices, widget=forms.RadioSelect
    )
    applicant_name = _text(
        "申请人姓名或名称",
        required=True,
        max_length=text_limit("applicant_name"),
        help_text="自然人填写姓名；法人或其他组织填写全称。",
    )
    contact_person = _text(
        "联系人",
        max_length=text_limit("contact_person"),
        help_text="法人或其他组织申请的，请填写经办联系人。",
    )
    id_doc_type = forms.ChoiceField(label="身份证明类型", choices=[("", "请选择"), *IdentityDocType.choices])
    id_number = _text(
        "身份证明号码",
        required=True,
        max_length=text_limit("id_number"),
        help_text="自然人填写证件号码；法人或其他组织填写统一社会信用代码。号码加密保存，仅办理人员可见。",
    )
    phone = _text(
        "联系电话",
        max_length=text_limit("phone"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = _text(
        "电子邮箱", max_length=text_limit("email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    address = _text(
        "通信地址",
        max_length=text_limit("address"),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = forms.RegexField(
        label="邮政编码",
        required=False,
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": "邮政编码应为6位数字"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    info_name = _text("所需信息名称", max_length=text_limit("info_name"))
    info_doc_number = _text(
        "文号", max_length=text_limit("info_doc_number"), help_text="如“示公管〔2026〕12号”，不清楚可不填。"
    )
    info_description = _area(
        "所需信息的其他特征性描述",
        max_length=text_limit("info_description"),
        help_text="名称、文号不清楚的，请描述信息的内容、形成时间、制作机关等便于查找的特征。",
    )
    info_form = forms.ChoiceField(label="所需信息的形式", choices=InfoForm.choices, widget=forms.RadioSelect)
    delivery_method = forms.ChoiceField(
        label="获取信息的方式", choices=DeliveryMethod.choices, widget=forms.RadioSelect
    )

    applicant_names = ("applicant_kind", "applicant_name", "contact_person", "id_doc_type", "id_number")
    contact_names = ("phone", "email", "address", "postcode")
    info_names = ("info_name", "info_doc_number", "info_description", "info_form", "delivery_method")

    def applicant_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.applicant_names if n != "applicant_kind"]

    def contact_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.contact_names]

    def info_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.info_names]

    SERVICE_FIELDS = {"contact": "phone", "info": "info_name"}

    def kind_options(self) -> list[dict[str, Any]]:
        """The six columns with their help text, for a radio list that explains each choice."""
        current = self["applicant_kind"].value()
        return [
            {
                "value": value,
                "label": label,
                "help": APPLICANT_KIND_HELP[ApplicantKind(value)],
                "checked": current == value,
                "id": f"id_applicant_kind_{i}",
            }
            for i, (value, label) in enumerate(ApplicantKind.choices)
        ]

    def applicant(self) -> ApplicantInput:
        d = self.cleaned_data
        return ApplicantInput(
            kind=d["applicant_kind"],
            name=d["applicant_name"],
            id_doc_type=d["id_doc_type"],
            id_number=d["id_number"],
            phone=d["phone"],
            email=d["email"],
            address=d["address"],
            postcode=d["postcode"] or "",
            contact_person=d["contact_person"],
        )

    def info(self) -> InfoInput:
        d = self.cleaned_data
        return InfoInput(
            form=d["info_form"],
            delivery_method=d["delivery_method"],
            name=d["info_name"],
            doc_number=d["info_doc_number"],
            description=d["info_description"],
        )


class ApplicationForm(ApplicantFields):
    """The public online application."""

    agree = forms.BooleanField(
        label="本人承诺所填信息真实，并已阅读《政府信息公开指南》",
        error_messages={"required": "请确认所填信息真实并已阅读指南"},
    )


class RegisterForm(ApplicantFields):
    """Staff register an application that did not come online (Art. 31 receipt dates)."""

    channel = forms.ChoiceField(
        label="申请渠道",
        choices=[("", "请选择"), *((v, lbl) for v, lbl in Channel.choices if v != Channel.ONLINE)],
    )
    arrived_on = DateField(
        label="提交/送达日期", help_text="当面提交、口头申请：提交之日；邮寄需签收：签收之日。"
    )
    confirmed_on = DateField(
        label="与申请人确认日期",
        required=False,
        help_text="平常信函、传真、电子邮件：与申请人确认之日为收到申请之日（第三十一条），未确认可先不填。",
    )


class TrackingForm(Form):
    tracking_code = _text(
        "查询码", required=True, max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    secret = forms.CharField(
        label="查询密码",
        max_length=60,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class LetterFormatForm(TrackingForm):
    format = forms.ChoiceField(label="格式", choices=[("pdf", "PDF"), ("docx", "DOCX")])


# ---------------------------------------------------------------- staff transitions


class ConfirmForm(Form):
    confirmed_on = DateField(label="确认受理日期", help_text="与申请人双方确认之日，为收到申请之日。")


class PiiForm(Form):
    purpose = _text("查看事由", max_length=200, help_text="如“电话告知补正事项”。查看将记入审计日志。")


class AmendmentRequestForm(Form):
    items = _area("需要补正的事项", required=True, help_text="一次性列明全部补正事项（第三十条）。")
    deadline = DateField(label="补正期限")
    on = DateField(label="告知日期", required=False, help_text="留空为今天。须在收到申请之日起7个工作日内。")


class AmendmentReceiveForm(Form):
    on = DateField(label="收到补正材料日期", help_text="答复期限自该日起重新计算。")
    note = _area("说明")


class ConsultationStartForm(Form):
    party = forms.ChoiceField(label="征求意见对象", choices=ConsultationParty.choices)
    on = DateField(label="发出征求意见书日期")
    note = _area("说明", help_text="如第三方名称、征求意见的事项。征求意见时间不计入答复期限。")


class ConsultationEndForm(Form):
    on = DateField(label="收到意见（或征求意见期满）日期")
    note = _area("意见摘要")


def head_choices() -> list[tuple[str, str]]:
    return [("", "请选择"), *((str(u.pk), str(u)) for u in selectors.disclosure_head_list())]


class ExtendForm(Form):
    days = forms.IntegerField(
        label="延长工作日数", min_value=1, error_messages={"min_value": "至少延长1个工作日"}
    )
    approved_by = forms.TypedChoiceField(label="同意延期的负责人", coerce=int)
    reason = _area("延期理由", required=True)
    on = DateField(label="延期决定日期", required=False, help_text="留空为今天；须在答复期限届满前。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["approved_by"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = head_choices()

    def approver(self) -> User:
        # Only a current head is a valid choice (the choices are built per request).
        return selectors.disclosure_head_list().get(pk=self.cleaned_data["approved_by"])


class LaterDeadlineForm(Form):
    until = DateField(label="合理答复期限")
    reason = _area("理由", required=True, help_text="申请数量、频次明显超过合理范围（第三十五条）。")
    on = DateField(label="决定日期", required=False)


class FeeNoticeForm(Form):
    standard = forms.ChoiceField(label="收费标准", choices=FeeStandard.choices, widget=forms.RadioSelect)
    pages = forms.IntegerField(label="页数（按量计收）", required=False, min_value=1)
    items = forms.IntegerField(
        label="本月第几件（按件计收）",
        required=False,
        min_value=1,
        help_text="留空则按同一申请人本自然月的申请件数自动计算。",
    )
    deadline = DateField(label="缴费期限", required=False, help_text="留空按规定期限自动计算。")
    on = DateField(label="通知日期", required=False)


class PaymentForm(Form):
    amount = forms.DecimalField(
        label="缴费金额（元）",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"invalid": "请输入金额，如 100.00"},
    )
    on = DateField(label="缴费日期")


def outcome_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The 21 outcomes grouped as in report table 三, for an <optgroup> select."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for row in outcomes.ROWS:
        if row.is_outcome:
            key = row.group or "（一）（二）予以公开 / 部分公开"
            groups.setdefault(key, []).append((row.code, row.label))
    return list(groups.items())


class ReplyForm(Form):
    SERVICE_FIELDS = {"files": "released"}
    outcome = forms.ChoiceField(label="办理结果（年度报告表三）")
    legal_basis = _area(
        "法律依据", required=True, rows=2, help_text="如“《中华人民共和国政府信息公开条例》第三十七条”。"
    )
    text = _area("答复内容", rows=6, help_text="将印入答复告知书；部分公开的，请写明不予公开部分的理由。")
    released = MultipleFileField(label="提供的政府信息（附件）", required=False)
    replied_on = DateField(label="答复日期", required=False, help_text="留空为今天。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["outcome"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "请选择"), *outcome_groups()]


class DeliveredForm(Form):
    method = forms.ChoiceField(label="送达方式", choices=DeliveryMethod.choices)


class ReviewCaseForm(Form):
    kind = forms.ChoiceField(label="类型", choices=ReviewKind.choices)
    center_role = forms.ChoiceField(
        label="本中心身份",
        choices=CenterRole.choices,
        help_text="本中心作为复议机关被列为共同被告的，不计入年度报告表四。",
    )
    case_number = _text("案号", max_length=100)
    subject = _text("案由", max_length=300)
    filed_on = DateField(label="立案/申请日期")
    documents = MultipleFileField(label="文书", required=False)


class ReviewDecideForm(Form):
    result = forms.ChoiceField(
        label="结果", choices=[(v, lbl) for v, lbl in ReviewResult.choices if v != "pending"]
    )
    decided_on = DateField(label="审结日期")
    note = _area("说明")
    documents = MultipleFileField(label="文书", required=False)
