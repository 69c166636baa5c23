from __future__ import annotations

from django.db import models

GENESIS_HASH = "0" * 64


class Event(models.Model):
    """One state change, forever. Rows are only ever inserted (a PostgreSQL trigger refuses UPDATE
    and DELETE). Each row's ``hash`` covers its own canonical content and ``prev_hash``, so changing,
    deleting or reordering any row breaks every hash after it; see docs/formats/audit-chain.md.

    The actor is stored by id and label, not as a foreign key: the log must outlive the user row
    and must sit below ``accounts`` so that account changes can be audited too."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    actor_org_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    data = models.JSONField(default=dict)
    algorithm = models.CharField(max_length=10, default="sha256")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = "审计事件"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class ChainHead(models.Model):
    """Singleton (pk=1): the last sequence number and hash. Appending locks this row first, so
    concurrent writers in any number of processes take turns."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = "链头"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"head #{self.seq}"


class Checkpoint(models.Model):
    """The chain head at a moment, signed with the platform key and shown on the public site, so
    anyone who saved a checkpoint can later prove the log before it was not rewritten.

    ``algorithm`` names the signature: "ecdsa-p256-sha256" (suite intl) or "sm2-sm3" (suite sm,
    signer id 1234567812345678); a chain may hold both when a deployment changes suite."""

    ALGORITHM_LABELS = {"ecdsa-p256-sha256": "ECDSA P-256 / SHA-256", "sm2-sm3": "SM2 / SM3"}

    seq = models.BigIntegerField(unique=True)
    head_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    key_id = models.CharField(max_length=32)
    public_key_pem = models.TextField()
    signature = models.TextField(help_text="base64 DER signature over the canonical JSON of seq, hash, at")
    algorithm = models.CharField(max_length=20, default="ecdsa-p256-sha256")

    class Meta:
        ordering = ["-seq"]
        verbose_name = "审计检查点"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"

    @property
    def algorithm_label(self) -> str:
        return self.ALGORITHM_LABELS.get(self.algorithm, self.algorithm)

    @property
    def is_sm2(self) -> bool:
        return self.algorithm == "sm2-sm3"
