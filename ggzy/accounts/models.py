from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from ggzy.accounts.choices import OrganisationKind, Role, TrustAnchorKind
from ggzy.core.codes import credit_code_problem


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(problem)


class Organisation(models.Model):
    """A legal person on the platform: the center itself, an agency, a tenderer, a bidder, an
    expert's home institution, or a supervising department. Identified by its credit code."""

    kind = models.CharField("机构类型", max_length=20, choices=OrganisationKind.choices)
    name = models.CharField("机构名称", max_length=200)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code]
    )
    region = models.CharField("所在地区", max_length=100, blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "机构"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. Belongs to at most one organisation; what they may do is the set of
    their :class:`RoleGrant` rows, never Django's is_staff (which only opens Django admin)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name="所属机构",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机", max_length=20, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = "用户"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_set(self) -> frozenset[str]:
        # Cached per instance: a request asks many times, the grants do not change mid-request.
        cached: frozenset[str] | None = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(self.role_grants.values_list("role", flat=True)) if self.pk else frozenset()
            self._role_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def is_center_staff(self) -> bool:
        return self.organisation is not None and self.organisation.kind == OrganisationKind.CENTER


class RoleGrant(models.Model):
    """One role held by one user. Roles must fit the user's organisation kind (checked in services)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = "角色授权"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class TOTPDevice(models.Model):
    """A user's TOTP second factor (RFC 6238). Active once the user proved one code at enrolment."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0, help_text="最后一次使用的时间步，防止验证码重放")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "动态口令设备"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"TOTP {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class TrustedRoot(models.Model):
    """A CA certificate in the center's trust store (imported as PEM/DER by the system admin).

    ``kind=root`` rows are trust anchors (self-signed); ``kind=intermediate`` rows only help build
    chains and must themselves chain to an active root. Inactive rows are ignored, never deleted:
    certificates and pledges checked against them stay explainable."""

    kind = models.CharField(
        "类型", max_length=20, choices=TrustAnchorKind.choices, default=TrustAnchorKind.ROOT
    )
    name = models.CharField("名称", max_length=200)
    der = models.BinaryField("证书（DER）")
    fingerprint = models.CharField("SHA-256 指纹", max_length=64, unique=True)
    subject = models.CharField("主题", max_length=500)
    not_before = models.DateTimeField("生效时间")
    not_after = models.DateTimeField("到期时间")
    active = models.BooleanField("启用", default=True)
    imported_at = models.DateTimeField("导入时间")
    imported_by = models.ForeignKey(
        User, verbose_name="导入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "受信任CA证书"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class RevocationList(models.Model):
    """A CRL uploaded by the system admin, verified as signed by a CA of the trust store. Every
    stored CRL of an active issuer counts when checking certificates (a serial once revoked stays
    revoked), so an older CRL uploaded late cannot un-revoke anything."""

    issuer = models.ForeignKey(
        TrustedRoot, verbose_name="签发CA", on_delete=models.PROTECT, related_name="revocation_lists"
    )
    issuer_name = models.CharField("签发者", max_length=500)
    this_update = models.DateTimeField("本次更新")
    next_update = models.DateTimeField("下次更新", null=True, blank=True)
    revoked_count = models.PositiveIntegerField("吊销证书数")
    der = models.BinaryField("吊销列表（DER）")
    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    uploaded_at = models.DateTimeField("上传时间")
    uploaded_by = models.ForeignKey(
        User, verbose_name="上传人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-this_update"]
        verbose_name = "证书吊销列表"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.issuer_name} · {self.this_update:%Y-%m-%d}"


class Certificate(models.Model):
    """An X.509 signing certificate bound to an organisation (agencies sign notices and pledges with
    it). Bound only when the organisation's credit code is in the certificate's subject. Unbinding
    keeps the row (``unbound_at``) so earlier signatures remain attributable."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="所属机构", on_delete=models.PROTECT, related_name="certificates"
    )
    der = models.BinaryField("证书（DER）")
    fingerprint = models.CharField("SHA-256 指纹", max_length=64, unique=True)
    serial_hex = models.CharField("序列号", max_length=64)
    subject = models.CharField("主题", max_length=500)
    issuer = models.CharField("颁发者", max_length=500)
    not_before = models.DateTimeField("生效时间")
    not_after = models.DateTimeField("到期时间")
    key_type = models.CharField("密钥类型", max_length=20)
    bound_at = models.DateTimeField("绑定时间")
    bound_by = models.ForeignKey(
        User, verbose_name="绑定人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unbound_at = models.DateTimeField("解绑时间", null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-bound_at"]
        verbose_name = "机构数字证书"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["organisation", "unbound_at"])]

    def __str__(self) -> str:
        return f"{self.subject}（{self.serial_hex}）"

    @property
    def is_bound(self) -> bool:
        return self.unbound_at is None


class Pledge(models.Model):
    """An organisation's electronic acceptance of a platform document (《网络用户协议》,
    《网络意识形态安全承诺书》): the canonical bytes the server issued, signed in the browser with the
    organisation's certificate, verified before this row was written. Append-only."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="机构", on_delete=models.PROTECT, related_name="pledges"
    )
    document_code = models.CharField("文书代码", max_length=50)
    document_version = models.CharField("文书版本", max_length=20)
    document_sha256 = models.CharField("文书 SHA-256", max_length=64)
    document_title = models.CharField("文书名称", max_length=100)
    canonical = models.BinaryField("签署原文（规范化 JSON）")
    canonical_sha256 = models.CharField("原文 SHA-256", max_length=64, unique=True)
    signature = models.BinaryField("签名（DER）")
    certificate = models.ForeignKey(
        Certificate, verbose_name="签名证书", on_delete=models.PROTECT, related_name="pledges"
    )
    signed_at = models.DateTimeField("签署时间")
    signed_by = models.ForeignKey(
        User, verbose_name="签署人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = "协议与承诺书签署"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["document_code", "signed_at"])]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.document_title} v{self.document_version}"
