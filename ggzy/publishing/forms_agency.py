"""Forms of the agency pages: a notice draft, the signed submission, a mandate. They only parse;
``services.agency`` owns every rule."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django import forms

from ggzy.publishing.choices import Procedure
from ggzy.publishing.forms import DateField, NoticeForm, ShanghaiDateTimeField
from ggzy.publishing.models import Notice
from ggzy.publishing.services.agency import AGENCY_FIELDS

MAX_CERT_BYTES = 64 * 1024
MAX_SIGNATURE_BYTES = 8 * 1024


class AgencyNoticeForm(NoticeForm):
    """The center's notice form without what the agency does not choose (its own name, a
    publication time) and with the fields the compliance gate needs."""

    agency_name = None  # type: ignore[assignment]  # always the agency's own name
    publish_at = None  # type: ignore[assignment]  # published when accepted or approved
    procedure = forms.ChoiceField(
        label="招标/采购方式",
        required=False,
        choices=[("", "请选择"), *Procedure.choices],
        error_messages={"invalid_choice": "请选择有效的招标/采购方式"},
    )
    file_issue_start = ShanghaiDateTimeField(
        label="招标(采购)文件发售开始", required=False, help_text="北京时间"
    )
    file_issue_end = ShanghaiDateTimeField(
        label="招标(采购)文件发售截止", required=False, help_text="北京时间"
    )
    affects_bid_preparation = forms.BooleanField(
        label="本次变更/澄清可能影响投标文件编制",
        required=False,
        help_text="勾选后系统将检查：须在投标截止前至少15日发出，否则应顺延投标截止时间",
    )

    fieldsets = (  # type: ignore[assignment]
        ("公告类型", ("kind", "domain", "procedure", "is_prequalification", "changes", "title")),
        ("项目信息", ("project_code", "project_name", "section_code", "section_name", "tenderer_name")),
        (
            "金额与时间",
            (
                "budget",
                "price_cap",
                "file_issue_start",
                "file_issue_end",
                "bid_deadline",
                "opening_at",
                "affects_bid_preparation",
                "publicity_start",
                "publicity_end",
            ),
        ),
        ("结果", ("winner_name", "award_amount")),
        ("正文与附件", ("body_html", "attachments")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project_code"].help_text = "须为招标人/采购人已在平台上委托本机构代理的项目"
        self.fields["tenderer_name"].help_text = "留空则使用委托记录中的招标人/采购人名称"

    @classmethod
    def initial_for(cls, notice: Notice) -> dict[str, Any]:
        initial = {name: getattr(notice, name) for name in AGENCY_FIELDS}
        initial.update(changes=notice.changes_id, title=notice.title, body_html=notice.body_html)
        return initial

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body_html": data["body_html"],
            "uploads": self.uploads(),
            **{name: data[name] for name in AGENCY_FIELDS},
        }


class SubmitForm(forms.Form):
    """The signed submission: a certificate and a DER signature, each either as a file (signed
    with the CLI or openssl) or filled in by the browser signing script."""

    certificate_file = forms.FileField(
        label="签名证书文件（.pem/.cer/.crt）",
        required=False,
        help_text="使用命令行签名时上传；在浏览器中签名时自动填入",
    )
    signature_file = forms.FileField(
        label="签名文件（.sig，DER 格式）",
        required=False,
        help_text="ggzy sign-notice 或 openssl dgst -sha256 -sign 生成的签名文件",
    )
    certificate_pem = forms.CharField(required=False, widget=forms.HiddenInput, max_length=MAX_CERT_BYTES * 2)
    signature_b64 = forms.CharField(
        required=False, widget=forms.HiddenInput, max_length=MAX_SIGNATURE_BYTES * 2
    )
    confirm_warnings = forms.BooleanField(
        label="我已阅读上述全部提示，确认公告内容无误并提交",
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def _file_bytes(self, name: str, limit: int, what: str) -> bytes:
        upload = self.cleaned_data.get(name)
        if not upload:
            return b""
        if upload.size > limit:
            raise forms.ValidationError(f"{what}文件过大，请确认选择了正确的文件")
        data: bytes = upload.read()
        return data

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        cert = self._file_bytes("certificate_file", MAX_CERT_BYTES, "证书") or (
            data.get("certificate_pem") or ""
        ).encode("ascii", "ignore")
        signature = self._file_bytes("signature_file", MAX_SIGNATURE_BYTES, "签名")
        if not signature and data.get("signature_b64"):
            try:
                signature = base64.b64decode(data["signature_b64"], validate=True)
            except (binascii.Error, ValueError):
                raise forms.ValidationError("浏览器签名结果无效，请重新签名") from None
        if not cert:
            self.add_error("certificate_file", "请在浏览器中签名，或上传签名证书文件")
        if not signature:
            self.add_error("signature_file", "请在浏览器中签名，或上传签名文件")
        data["certificate_bytes"] = cert
        data["signature_bytes"] = signature
        return data


class MandateForm(forms.Form):
    """A tenderer mandates an agency (chosen by name, identified by credit code) for a project."""

    agency = forms.TypedChoiceField(
        label="代理机构",
        coerce=int,
        error_messages={"required": "请选择代理机构", "invalid_choice": "请选择代理机构"},
    )
    project_code = forms.CharField(
        label="项目编号", max_length=60, error_messages={"required": "请填写项目编号"}
    )
    project_name = forms.CharField(
        label="项目名称", max_length=300, error_messages={"required": "请填写项目名称"}
    )
    valid_from = DateField(label="委托开始日期", error_messages={"required": "请填写委托开始日期"})
    valid_until = DateField(label="委托截止日期", required=False, help_text="留空表示长期有效")

    def __init__(self, *args: Any, agencies: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "请选择代理机构"), *agencies]


class RevokeForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=300, required=False)
