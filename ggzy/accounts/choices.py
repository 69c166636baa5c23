from django.db import models


class OrganisationKind(models.TextChoices):
    CENTER = "center", "公共资源交易中心"
    AGENCY = "agency", "招标代理机构"
    TENDERER = "tenderer", "招标人/采购人"
    BIDDER = "bidder", "投标人/供应商"
    EXPERT = "expert", "评标专家"
    SUPERVISOR = "supervisor", "行政监督部门"


class Role(models.TextChoices):
    """What a user may do. A user may hold several roles; each role fits one organisation kind."""

    EDITOR = "editor", "信息编辑"
    FIRST_REVIEWER = "first_reviewer", "初审（业务科室）"
    REVIEWER = "reviewer", "审核（综合办公室）"
    SECOND_REVIEWER = "second_reviewer", "复审（分管领导）"
    SIGNER = "signer", "签发（主要领导）"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    DISCLOSURE_OFFICER = "disclosure_officer", "信息公开经办人"
    DISCLOSURE_HEAD = "disclosure_head", "信息公开办公室负责人"
    AGENCY_PUBLISHER = "agency_publisher", "代理机构信息发布员"
    TENDERER = "tenderer", "招标人/采购人"
    BIDDER = "bidder", "投标人/供应商"
    EXPERT = "expert", "评标专家"
    SUPERVISOR = "supervisor", "行政监督"
    PATROLLER = "patroller", "巡查员"
    # 三员分立 (等保 level 3): the system, security and audit administrators are three people.
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


CENTER_ROLES = frozenset(
    {
        Role.EDITOR,
        Role.FIRST_REVIEWER,
        Role.REVIEWER,
        Role.SECOND_REVIEWER,
        Role.SIGNER,
        Role.SYSTEM_ADMIN,
        Role.DISCLOSURE_OFFICER,
        Role.DISCLOSURE_HEAD,
        Role.PATROLLER,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    }
)

# At most one of these per user, and never granted by a user to themselves (see accounts.services).
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

ROLE_ORGANISATION_KIND: dict[str, str] = {
    **dict.fromkeys(CENTER_ROLES, OrganisationKind.CENTER),
    Role.AGENCY_PUBLISHER: OrganisationKind.AGENCY,
    Role.TENDERER: OrganisationKind.TENDERER,
    Role.BIDDER: OrganisationKind.BIDDER,
    Role.EXPERT: OrganisationKind.EXPERT,
    Role.SUPERVISOR: OrganisationKind.SUPERVISOR,
}


class TrustAnchorKind(models.TextChoices):
    ROOT = "root", "根证书"
    INTERMEDIATE = "intermediate", "中级CA证书"


class CertificateStatus(models.TextChoices):
    """What the agency's certificate list shows; computed, never stored (time and CRLs change it)."""

    USABLE = "usable", "可用"
    EXPIRED = "expired", "已过期"
    NOT_YET_VALID = "not_yet_valid", "未生效"
    REVOKED = "revoked", "已吊销"
    UNTRUSTED = "untrusted", "不受信任"
    UNBOUND = "unbound", "已解绑"
