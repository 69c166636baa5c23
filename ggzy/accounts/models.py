from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from ggzy.accounts.choices import OrganisationKind, Role
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
