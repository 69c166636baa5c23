from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(
        label="用户名", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label="密码", max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class TOTPForm(forms.Form):
    code = forms.CharField(
        label="动态口令（6位数字）",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class AgencyRegisterForm(forms.Form):
    name = forms.CharField(label="机构名称", max_length=200, help_text="与营业执照一致")
    credit_code = forms.CharField(
        label="统一社会信用代码",
        min_length=18,
        max_length=18,
        help_text="18位，见营业执照",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    display_name = forms.CharField(label="联系人姓名", max_length=50)
    phone = forms.CharField(
        label="联系电话", max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    username = forms.CharField(
        label="用户名", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label="密码",
        max_length=128,
        help_text="至少10位，不能全是数字，不能是常见密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="确认密码", max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    agree = forms.BooleanField(label="我已阅读《网络用户协议》，注册后将以数字证书电子签署", required=True)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data

    def put_error(self, fields: dict[str, str]) -> None:
        for name, text in fields.items():
            if name in self.fields:
                self.add_error(name, text)


class CertificateUploadForm(forms.Form):
    file = forms.FileField(
        label="证书文件（.cer/.crt/.pem/.der）",
        help_text="只上传证书（公钥），不要上传私钥；证书主题中须含本机构统一社会信用代码",
    )


class TrustFileForm(forms.Form):
    """Admin: import a CA certificate or upload a CRL."""

    file = forms.FileField(label="文件（PEM 或 DER）")
    name = forms.CharField(label="名称", max_length=200, required=False, help_text="留空则取证书主题")
    kind = forms.ChoiceField(
        label="类型", choices=[("root", "根证书"), ("intermediate", "中级CA证书")], required=False
    )
