"""Forms of the trading pages. They only parse (types, required fields, Chinese messages) and hand
clean values to the services, which own every rule; a service's error goes back on the form."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django import forms

from ggzy.accounts.choices import OrganisationKind
from ggzy.accounts.models import Organisation
from ggzy.publishing.forms import MoneyField, ShanghaiDateTimeField
from ggzy.trading import workflow
from ggzy.trading.choices import EvaluationMethod, Procedure, TradeDomain
from ggzy.trading.config import trading_rules

MAX_SIGNATURE_BYTES = 16 * 1024


def _req(label: str) -> dict[str, str]:
    return {"required": f"请填写{label}", "max_length": f"{label}过长"}


def _choice(label: str) -> dict[str, str]:
    return {"required": f"请选择{label}", "invalid_choice": f"请选择有效的{label}"}


def _method_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The evaluation methods grouped by the trade domain that allows them (the service checks
    the section's domain)."""
    return [
        (TradeDomain(domain).label, [(m, EvaluationMethod(m).label) for m in methods])
        for domain, methods in workflow.METHODS_BY_DOMAIN.items()
    ]


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.credit_code}）"


class ProjectForm(forms.Form):
    tenderer = OrgChoiceField(
        label="招标人/采购人",
        queryset=Organisation.objects.filter(kind=OrganisationKind.TENDERER, is_active=True),
        error_messages=_choice("招标人/采购人"),
    )
    code = forms.CharField(
        label="项目编号（投资项目代码）",
        required=False,
        max_length=40,
        help_text=(
            "有投资项目代码的填写（如 2026-640400-48-01-000123）；代理机构须填写委托书中的项目编号。"
            "留空则由平台按“行业+区划+日期+流水号”生成。"
        ),
        error_messages={"max_length": "项目编号过长"},
    )
    industry = forms.CharField(
        label="行业代码",
        required=False,
        max_length=3,
        help_text="未填写项目编号时必填：1位大写字母+2位数字，如 A08（施工）、B01（货物）",
        error_messages={"max_length": "行业代码应为3位"},
    )
    name = forms.CharField(label="项目名称", max_length=300, error_messages=_req("项目名称"))
    domain = forms.ChoiceField(
        label="交易类别", choices=TradeDomain.choices, error_messages=_choice("交易类别")
    )
    procedure = forms.ChoiceField(
        label="招标/采购方式", choices=Procedure.choices, error_messages=_choice("招标/采购方式")
    )
    budget = MoneyField(label="项目预算（元）")
    agency = OrgChoiceField(
        label="代理机构",
        required=False,
        queryset=Organisation.objects.filter(kind=OrganisationKind.AGENCY, is_active=True),
        error_messages=_choice("代理机构"),
        help_text="自行招标的留空",
    )

    def __init__(self, *args: Any, fixed_tenderer: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_tenderer is not None:
            field = self.fields["tenderer"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Organisation.objects.filter(pk=fixed_tenderer.pk)
            field.initial = fixed_tenderer.pk
            field.empty_label = None


class ProjectEditForm(forms.Form):
    name = forms.CharField(label="项目名称", max_length=300, error_messages=_req("项目名称"))
    domain = forms.ChoiceField(
        label="交易类别", choices=TradeDomain.choices, error_messages=_choice("交易类别")
    )
    procedure = forms.ChoiceField(
        label="招标/采购方式", choices=Procedure.choices, error_messages=_choice("招标/采购方式")
    )
    budget = MoneyField(label="项目预算（元）")


class TenderProjectForm(forms.Form):
    name = forms.CharField(label="招标项目名称", max_length=300, error_messages=_req("招标项目名称"))


class SectionCreateForm(forms.Form):
    name = forms.CharField(label="标段(包)名称", max_length=300, error_messages=_req("标段(包)名称"))
    budget = MoneyField(label="标段预算（元）")
    price_cap = MoneyField(label="最高投标限价（元）")


def summary_choices() -> list[tuple[str, str]]:
    out = []
    for item in trading_rules().summary_catalogue:
        unit = f"（{item['unit']}）" if item.get("unit") else ""
        out.append((item["key"], f"{item['label']}{unit}"))
    return out


class SectionForm(forms.Form):
    name = forms.CharField(label="标段(包)名称", max_length=300, error_messages=_req("标段(包)名称"))
    budget = MoneyField(label="标段预算（元）")
    price_cap = MoneyField(label="最高投标限价（元）")
    bid_deadline = ShanghaiDateTimeField(
        label="投标截止时间", required=False, help_text="北京时间；发布后只能通过“变更投标截止时间”修改"
    )
    opening_at = ShanghaiDateTimeField(
        label="开标时间", required=False, help_text="北京时间；不早于投标截止时间"
    )
    decryption_minutes = forms.IntegerField(
        label="解密时限（分钟）",
        min_value=1,
        max_value=240,
        error_messages={
            "required": "请填写解密时限",
            "invalid": "解密时限应为整数分钟",
            "min_value": "解密时限至少1分钟",
            "max_value": "解密时限不能超过240分钟",
        },
    )
    allows_backup_decryption = forms.BooleanField(
        label="允许备用解密（由保管人 k/n 份额恢复）", required=False
    )
    backup_k = forms.IntegerField(
        label="备用解密门限 k",
        required=False,
        min_value=1,
        max_value=9,
        error_messages={"invalid": "k 应为整数", "min_value": "k 至少为1", "max_value": "k 不能超过9"},
    )
    backup_n = forms.IntegerField(
        label="保管人数 n",
        required=False,
        min_value=2,
        max_value=9,
        error_messages={"invalid": "n 应为整数", "min_value": "n 至少为2", "max_value": "n 不能超过9"},
    )
    summary_keys = forms.MultipleChoiceField(
        label="唱标内容",
        widget=forms.CheckboxSelectMultiple,
        choices=[],
        error_messages={"required": "请至少选择投标报价", "invalid_choice": "请选择有效的唱标内容"},
    )
    evaluation_method = forms.ChoiceField(
        label="评标办法",
        required=False,
        choices=[("", "（暂不确定）"), *_method_groups()],
        error_messages=_choice("评标办法"),
    )
    evaluation_params = forms.CharField(
        label="评标办法参数（JSON）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='例如 {"价格权重": 30}；投标截止后冻结',
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["summary_keys"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = summary_choices()

    def clean_evaluation_params(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("evaluation_params") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError("评标办法参数不是有效的 JSON") from None
        if not isinstance(value, dict):
            raise forms.ValidationError('评标办法参数应为 JSON 对象，如 {"价格权重": 30}')
        return value


class _UploadForm(forms.Form):
    file = forms.FileField(
        label="文件",
        error_messages={
            "required": "请选择要上传的文件",
            "empty": "上传的文件是空文件",
            "invalid": "请选择有效的文件",
        },
        help_text="pdf、ofd、doc(x)、xls(x)、wps、zip、rar；系统按内容核验类型",
    )
    title = forms.CharField(
        label="说明", required=False, max_length=300, error_messages={"max_length": "说明不能超过300字"}
    )
    signature = forms.FileField(
        label="或上传签名文件（DER，可选）",
        required=False,
        help_text=(
            "用本单位已绑定证书的私钥对文件签名，与证书一同上传："
            "RSA/ECDSA 证书用 openssl dgst -sha256 -sign，"
            "SM2（国密）证书用 openssl dgst -sm3 -sigopt distid:1234567812345678 -sign"
        ),
        error_messages={"empty": "签名文件是空文件"},
    )
    certificate = forms.FileField(
        label="签名证书（可选，PEM/DER）", required=False, error_messages={"empty": "证书文件是空文件"}
    )

    # filled by trading-sign.js when the publisher signs in the browser (the key stays there)
    signature_b64 = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4096)
    certificate_pem = forms.CharField(required=False, widget=forms.HiddenInput, max_length=16384)

    def _small(self, name: str) -> bytes:
        upload = self.cleaned_data.get(name)
        if not upload:
            return b""
        if upload.size > MAX_SIGNATURE_BYTES:
            raise forms.ValidationError("文件过大（签名和证书不超过16KB）")
        return bytes(upload.read())

    def clean_signature(self) -> bytes:
        return self._small("signature")

    def clean_certificate(self) -> bytes:
        return self._small("certificate")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = (data.get("signature_b64") or "").strip()
        if text and not data.get("signature"):
            try:
                data["signature"] = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                self.add_error(None, "浏览器签名的格式不正确，请重新签名")
        pem = (data.get("certificate_pem") or "").strip()
        if pem and not data.get("certificate"):
            data["certificate"] = pem.encode("ascii", "replace")
        return data


class TenderFileForm(_UploadForm):
    pass


class ClarificationForm(_UploadForm):
    affects_bids = forms.BooleanField(label="影响投标文件编制", required=False)
    new_deadline = ShanghaiDateTimeField(
        label="新的投标截止时间", required=False, help_text="距截止不足15日且影响投标文件编制的，必须顺延"
    )
    new_opening_at = ShanghaiDateTimeField(
        label="新的开标时间", required=False, help_text="留空则随截止时间顺延同样时长"
    )
    reason = forms.CharField(
        label="顺延原因", required=False, max_length=500, error_messages={"max_length": "原因不能超过500字"}
    )


class LinkNoticeForm(forms.Form):
    notice = forms.TypedChoiceField(
        label="招标公告", coerce=int, choices=[], error_messages=_choice("招标公告")
    )

    def __init__(self, *args: Any, notices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["notice"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(n.pk, f"{n.title}（{n.published_at:%Y-%m-%d}发布）") for n in notices]


class DeadlineForm(forms.Form):
    new_deadline = ShanghaiDateTimeField(
        label="新的投标截止时间", error_messages={"required": "请填写新的投标截止时间"}
    )
    new_opening_at = ShanghaiDateTimeField(
        label="新的开标时间", required=False, help_text="留空则随截止时间顺延同样时长"
    )
    reason = forms.CharField(label="变更原因", max_length=500, error_messages=_req("变更原因"))


class TerminateForm(forms.Form):
    reason = forms.CharField(label="终止原因", max_length=500, error_messages=_req("终止原因"))
