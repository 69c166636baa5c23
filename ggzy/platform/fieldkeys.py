"""Every encrypted personal-data column in one place, its status by suite and key, and the
re-encryption that moves it to the current suite and key (``ggzy fieldcrypt``; ADR 0029).

A deployment switches field encryption between ``intl`` (AES-256-GCM, ``gf1.`` tokens, HMAC-SHA256
digests) and ``sm`` (SM4-GCM, ``gs1.`` tokens, HMAC-SM3 digests) with ``GGZY_FIELD_SUITE``, or
rotates a key by putting a new one first: new writes use the new suite/key at once, and
:func:`field_reencrypt` brings the stored rows along — tokens re-encrypted, and the blind-index
digest recomputed from the plaintext whenever the identity number's token is. It works in batches,
each in its own transaction (rows locked and re-read), writes one audit event per batch with
counts only, visits only rows that still hold a token under another suite or key, and so is
idempotent and resumable: a run interrupted midway, or one that refused for a missing key, is
simply run again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Model, Q
from django.db.models.functions import Substr

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.core.fieldcrypt import ALGORITHMS, PREFIXES, FieldCipher, FieldCryptError
from ggzy.disclosure import pii as disclosure_pii

LABEL_LENGTH = 12  # "gf1." + 8 hex digits of the key id
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Digest:
    """A blind-index column derived from the plaintext of one encrypted column."""

    column: str  # e.g. "id_digest"
    source: str  # the encrypted column it indexes, e.g. "id_number_encrypted"
    compute: Callable[[str, dict[str, Any]], str]  # (plaintext, the row's ``extra`` values) → digest
    extra: tuple[str, ...] = ()  # further columns ``compute`` needs (e.g. the document type)


@dataclass(frozen=True)
class EncryptedTable:
    """One model's encrypted columns with the associated data (context) each is bound to."""

    label: str  # "app.Model"
    model: type[Model]
    columns: dict[str, bytes]  # column → context
    digest: Digest | None = None


def encrypted_tables() -> list[EncryptedTable]:
    """The registry (a test checks it covers every ``*_encrypted`` column of every model)."""
    from ggzy.disclosure.models import DisclosureRequest
    from ggzy.experts import pii as experts_pii
    from ggzy.experts.models import Draw, Expert
    from ggzy.experts.services.draws import SECRET_CONTEXT
    from ggzy.participation import pii as participation_pii
    from ggzy.participation.models import Comment, Question

    return [
        EncryptedTable(
            "disclosure.DisclosureRequest",
            DisclosureRequest,
            {f"{name}_encrypted": disclosure_pii.context(name) for name in disclosure_pii.FIELDS},
            Digest(
                "id_digest",
                "id_number_encrypted",
                lambda plain, row: disclosure_pii.identity_digest(row["id_doc_type"], plain),
                extra=("id_doc_type",),
            ),
        ),
        EncryptedTable(
            "experts.Expert",
            Expert,
            {
                "id_number_encrypted": experts_pii.context("id_number"),
                "phone_encrypted": experts_pii.context("phone"),
            },
            Digest("id_digest", "id_number_encrypted", lambda plain, row: experts_pii.id_digest(plain)),
        ),
        EncryptedTable("experts.Draw", Draw, {"secret_encrypted": SECRET_CONTEXT}),
        EncryptedTable(
            "participation.Comment", Comment, {"contact_encrypted": participation_pii.context("comment")}
        ),
        EncryptedTable(
            "participation.Question", Question, {"contact_encrypted": participation_pii.context("question")}
        ),
    ]


def current_cipher() -> FieldCipher:
    """The configured cipher (GGZY_FIELD_SUITE / GGZY_FIELD_KEYS / GGZY_FIELD_SM4_KEYS)."""
    try:
        return disclosure_pii.cipher()
    except FieldCryptError as exc:
        raise ValidationFailed(f"字段加密配置有误：{exc}", code="field_keys_invalid") from None


def _stale(table: EncryptedTable, prefix: str) -> Any:
    """Rows with at least one non-empty token not under ``prefix`` (the current suite and key)."""
    current = Q()
    for column in table.columns:
        current &= Q(**{column: ""}) | Q(**{f"{column}__startswith": prefix})
    return table.model._default_manager.exclude(current)


# ----------------------------------------------------------------------------- status (read)


@dataclass(frozen=True)
class TableStatus:
    """Counts for one table: tokens per column by ``<prefix>.<key id>``, and what a run would do."""

    label: str
    rows: int
    stale_rows: int  # rows a re-encryption run would visit
    tokens: dict[str, dict[str, int]]  # column → {"gf1.1a2b3c4d": n, …}
    stale_tokens: dict[str, int]  # column → tokens not under the current suite and key
    digests: int  # blind-index digests a run would recompute (identity tokens from the other suite)


@dataclass(frozen=True)
class FieldStatus:
    suite: str
    key_id: str
    configured: dict[str, list[str]]  # suite → key ids, the current one first
    tables: list[TableStatus]

    @property
    def stale_rows(self) -> int:
        return sum(t.stale_rows for t in self.tables)

    @property
    def stale_tokens(self) -> int:
        return sum(sum(t.stale_tokens.values()) for t in self.tables)

    @property
    def digests(self) -> int:
        return sum(t.digests for t in self.tables)

    def in_use(self) -> dict[str, int]:
        """Tokens per ``<prefix>.<key id>`` over every table."""
        total: dict[str, int] = {}
        for t in self.tables:
            for by_label in t.tokens.values():
                for label, n in by_label.items():
                    total[label] = total.get(label, 0) + n
        return dict(sorted(total.items()))

    def missing_keys(self) -> list[str]:
        """Labels in use whose key is not configured: those tokens cannot be read (or moved)."""
        known = {f"{PREFIXES[s]}.{k}" for s, ids in self.configured.items() for k in ids}
        return [label for label in self.in_use() if label not in known]

    def unused_keys(self) -> list[str]:
        """Configured keys (other than the current one) that no stored token uses: safe to remove."""
        used = self.in_use()
        current = f"{PREFIXES[self.suite]}.{self.key_id}"
        return [
            f"{PREFIXES[s]}.{k}"
            for s, ids in self.configured.items()
            for k in ids
            if f"{PREFIXES[s]}.{k}" != current and f"{PREFIXES[s]}.{k}" not in used
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "algorithm": ALGORITHMS[self.suite],
            "key_id": self.key_id,
            "configured": self.configured,
            "in_use": self.in_use(),
            "missing_keys": self.missing_keys(),
            "unused_keys": self.unused_keys(),
            "stale_rows": self.stale_rows,
            "stale_tokens": self.stale_tokens,
            "digests": self.digests,
            "tables": {
                t.label: {
                    "rows": t.rows,
                    "stale_rows": t.stale_rows,
                    "tokens": t.tokens,
                    "stale_tokens": t.stale_tokens,
                    "digests": t.digests,
                }
                for t in self.tables
            },
        }


def field_status(*, tables: Sequence[EncryptedTable] | None = None) -> FieldStatus:
    """Where every stored token stands (``ggzy fieldcrypt status`` and ``reencrypt --dry-run``):
    a few grouped COUNT queries per table, nothing decrypted."""
    cipher = current_cipher()
    prefix = cipher.current_prefix
    current_label = prefix.rstrip(".")
    result = []
    for table in encrypted_tables() if tables is None else tables:
        manager = table.model._default_manager
        tokens: dict[str, dict[str, int]] = {}
        stale_tokens: dict[str, int] = {}
        digests = 0
        for column in table.columns:
            grouped = (
                manager.exclude(**{column: ""})
                .annotate(_label=Substr(column, 1, LABEL_LENGTH))
                .values("_label")
                .annotate(n=Count("pk"))
                .order_by("_label")
            )
            tokens[column] = {row["_label"]: row["n"] for row in grouped}
            stale_tokens[column] = sum(n for label, n in tokens[column].items() if label != current_label)
            if table.digest is not None and table.digest.source == column:
                other_suite = [
                    label for label in tokens[column] if not label.startswith(PREFIXES[cipher.suite])
                ]
                digests = sum(tokens[column][label] for label in other_suite)
        result.append(
            TableStatus(
                label=table.label,
                rows=manager.count(),
                stale_rows=_stale(table, prefix).count(),
                tokens=tokens,
                stale_tokens=stale_tokens,
                digests=digests,
            )
        )
    configured = {s: cipher.key_ids(s) for s in PREFIXES}
    return FieldStatus(suite=cipher.suite, key_id=cipher.current_key_id, configured=configured, tables=result)


# ----------------------------------------------------------------------------- re-encryption (write)


@dataclass
class ReencryptResult:
    """What a run changed: counts only (no token, no plaintext, no row id)."""

    suite: str
    key_id: str
    rows: int = 0
    tokens: dict[str, dict[str, int]] = field(default_factory=dict)  # table → column → n
    digests: int = 0
    batches: int = 0
    remaining: int = 0  # rows still holding a token under another suite or key (0 after a run)

    @property
    def total_tokens(self) -> int:
        return sum(sum(by_column.values()) for by_column in self.tokens.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "algorithm": ALGORITHMS[self.suite],
            "key_id": self.key_id,
            "rows": self.rows,
            "tokens": self.total_tokens,
            "by_table": self.tokens,
            "digests": self.digests,
            "batches": self.batches,
            "remaining": self.remaining,
        }


def _require_admin(actor: User | None) -> None:
    """``None`` is the command line; a person must be the center's system administrator."""
    if actor is None:
        return
    if not (actor.is_active and actor.is_center_staff and actor.has_role(Role.SYSTEM_ADMIN)):
        raise PermissionDenied("只有本中心的系统管理员可以重新加密个人信息")


def _key_problem(table: EncryptedTable, column: str, pk: Any, exc: Exception) -> ValidationFailed:
    return ValidationFailed(
        f"无法重新加密 {table.label}.{column}（第 {pk} 行）：密文所用的密钥不在 GGZY_FIELD_KEYS / "
        f"GGZY_FIELD_SM4_KEYS 中，或密文已损坏（{exc}）。请把旧密钥放回配置（放在新密钥之后）再执行；"
        "已完成的批次无需重做",
        code="field_key_missing",
    )


def _reencrypt_batch(
    table: EncryptedTable, pks: list[Any], cipher: FieldCipher, *, actor: User | None, clock: Clock
) -> tuple[int, dict[str, int], int]:
    """One transaction: lock the rows, re-read and move their tokens (and digest), audit the counts."""
    columns = list(table.columns)
    extra = [table.digest.column, *table.digest.extra] if table.digest else []
    manager = table.model._default_manager
    changed_rows = digests = 0
    changed_tokens = dict.fromkeys(columns, 0)
    with transaction.atomic():
        rows = manager.select_for_update().filter(pk__in=pks).order_by("pk").values("pk", *columns, *extra)
        for row in rows:
            changes: dict[str, str] = {}
            plain: dict[str, str] = {}
            for column in columns:
                token = row[column]
                if not cipher.needs_rotation(token):
                    continue
                try:
                    plain[column] = cipher.decrypt(token, context=table.columns[column])
                except FieldCryptError as exc:
                    raise _key_problem(table, column, row["pk"], exc) from None
                changes[column] = cipher.encrypt(plain[column], context=table.columns[column])
                changed_tokens[column] += 1
            if table.digest is not None and table.digest.source in plain:
                digest = table.digest.compute(plain[table.digest.source], row)
                if digest != row[table.digest.column]:
                    changes[table.digest.column] = digest
                    digests += 1
            if changes:
                # Only the token and digest columns are written: ``updated_at`` stays, the record
                # itself did not change. An error rolls the whole batch back as it leaves.
                try:
                    manager.filter(pk=row["pk"]).update(**changes)
                except IntegrityError:
                    raise ValidationFailed(
                        f"{table.label} 第 {row['pk']} 行重新计算的索引摘要与另一行相同"
                        "（同一证件号码重复登记），请先合并重复记录再执行",
                        code="field_digest_duplicate",
                    ) from None
                changed_rows += 1
        if changed_rows:
            audit_record(
                actor=actor,
                action="platform.field_reencrypt",
                clock=clock,
                data={
                    "table": table.label,
                    "suite": cipher.suite,
                    "key_id": cipher.current_key_id,
                    "rows": changed_rows,
                    "tokens": changed_tokens,
                    "digests": digests,
                },
            )
    return changed_rows, changed_tokens, digests


def field_reencrypt(
    *,
    actor: User | None = None,
    batch: int = 500,
    progress: Progress | None = None,
    clock: Clock = system_clock,
    tables: Sequence[EncryptedTable] | None = None,
) -> ReencryptResult:
    """Move every stored token to the current suite and key (and its digest to the current
    suite's MAC), ``batch`` rows per transaction. ``progress(done, total)`` is called after each
    batch with the rows visited so far and the rows that needed work when the run started."""
    _require_admin(actor)
    if batch < 1:
        raise ValidationFailed("每批数量至少为1", fields={"batch": "至少为1"})
    cipher = current_cipher()
    prefix = cipher.current_prefix
    chosen = encrypted_tables() if tables is None else list(tables)
    total = sum(_stale(t, prefix).count() for t in chosen)
    result = ReencryptResult(suite=cipher.suite, key_id=cipher.current_key_id)
    done = 0
    if progress is not None:
        progress(0, total)
    for table in chosen:
        by_column = dict.fromkeys(table.columns, 0)
        last_pk: Any = None
        while True:
            pending = _stale(table, prefix)
            if last_pk is not None:
                pending = pending.filter(pk__gt=last_pk)
            pks = list(pending.order_by("pk").values_list("pk", flat=True)[:batch])
            if not pks:
                break
            last_pk = pks[-1]
            rows, tokens, digests = _reencrypt_batch(table, pks, cipher, actor=actor, clock=clock)
            result.batches += 1
            result.rows += rows
            result.digests += digests
            for column, n in tokens.items():
                by_column[column] += n
            done += len(pks)
            if progress is not None:
                progress(done, max(total, done))
        result.tokens[table.label] = by_column
    result.remaining = sum(_stale(t, prefix).count() for t in chosen)
    return result
