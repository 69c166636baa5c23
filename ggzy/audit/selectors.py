"""Reading and verifying the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

from ggzy.audit import chain
from ggzy.audit.models import GENESIS_HASH, ChainHead, Checkpoint, Event
from ggzy.sealing import signing, suites


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    first_bad_seq: int | None = None
    reason: str = ""


def event_list_for_target(*, target_type: str, target_id: str) -> QuerySet[Event]:
    return Event.objects.filter(target_type=target_type, target_id=target_id).order_by("seq")


def checkpoint_list(*, limit: int = 50) -> QuerySet[Checkpoint]:
    return Checkpoint.objects.order_by("-seq")[:limit]


def chain_head() -> ChainHead:
    return ChainHead.objects.filter(pk=1).first() or ChainHead(pk=1)


def checkpoint_signature_problem(cp: Checkpoint) -> str:
    """Why the checkpoint's signature does not verify with its own public key under the algorithm
    it records (ECDSA P-256 / SHA-256 or SM2 / SM3), in Chinese; "" when it does. The recorded
    algorithm must be the one of the key: a checkpoint cannot claim SM2 with an ECDSA key."""
    pem = cp.public_key_pem.encode("ascii")
    try:
        suite, _ = suites.load_any_public_key(pem)
    except suites.SuiteError:
        return f"检查点 #{cp.seq} 的公钥无法读取"
    if signing.SUITE_OF_ALGORITHM.get(cp.algorithm) != suite.name:
        return f"检查点 #{cp.seq} 记录的签名算法 {cp.algorithm} 与其公钥（{suite.signature_name}）不符"
    message = chain.checkpoint_message(cp.seq, cp.head_hash, cp.at)
    if not suites.verify_b64(pem, message, cp.signature):
        return f"检查点 #{cp.seq} 的签名无效"
    return ""


def audit_verify(*, progress: Callable[[int, int], None] | None = None, batch: int = 5000) -> VerifyResult:
    """Re-hash every event in order and check the head and every checkpoint signature.

    Names the first event that is wrong: changed (hash mismatch), deleted or reordered (a gap or a
    broken ``prev_hash`` link), or truncated at the end (the head is ahead of the last event).
    """
    head = chain_head()
    total = Event.objects.count()
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    hashes_at_checkpoints: dict[int, str] = {}
    checkpoint_seqs = set(Checkpoint.objects.values_list("seq", flat=True))
    last_pk = 0
    while True:
        rows = list(Event.objects.filter(seq__gt=last_pk).order_by("seq")[:batch])
        if not rows:
            break
        for event in rows:
            if event.seq != expected_seq:
                return VerifyResult(
                    False,
                    checked,
                    head.seq,
                    expected_seq,
                    f"事件 #{expected_seq} 缺失（下一条是 #{event.seq}）",
                )
            if event.prev_hash != prev_hash:
                return VerifyResult(
                    False, checked, head.seq, event.seq, f"事件 #{event.seq} 的前序哈希与链不符"
                )
            body = chain.event_body(
                seq=event.seq,
                at=event.at,
                actor_id=event.actor_id,
                actor_label=event.actor_label,
                actor_org_id=event.actor_org_id,
                action=event.action,
                target_type=event.target_type,
                target_id=event.target_id,
                ip=event.ip,
                data=event.data,
            )
            if chain.event_hash(event.algorithm, prev_hash, body) != event.hash:
                return VerifyResult(False, checked, head.seq, event.seq, f"事件 #{event.seq} 的内容被改动")
            if event.seq in checkpoint_seqs:
                hashes_at_checkpoints[event.seq] = event.hash
            prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
            last_pk = event.seq
        if progress:
            progress(checked, total)
    if head.seq != checked or head.hash != prev_hash:
        return VerifyResult(
            False,
            checked,
            head.seq,
            checked + 1,
            f"链头为 #{head.seq}，但日志只到 #{checked}：末尾事件被删除",
        )
    for cp in Checkpoint.objects.order_by("seq"):
        problem = checkpoint_signature_problem(cp)
        if problem:
            return VerifyResult(False, checked, head.seq, cp.seq, problem)
        if hashes_at_checkpoints.get(cp.seq) != cp.head_hash:
            return VerifyResult(False, checked, head.seq, cp.seq, f"事件 #{cp.seq} 与已签名检查点不一致")
    return VerifyResult(True, checked, head.seq)
