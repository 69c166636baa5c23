"""``ggzy audit verify`` / ``ggzy audit checkpoint``: exit codes and the named first bad event."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from ggzy.audit import services
from ggzy.audit.models import Checkpoint

pytestmark = pytest.mark.django_db


def _append(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            services.audit_record(actor=None, action="test.cli", target=("test.thing", str(i)), data={"i": i})


def _as_dba(sql: str, params: list[object]) -> None:
    """Rewrite the table the way a database administrator could: on PostgreSQL the append-only
    trigger must be disabled first (the test transaction rolls the DDL back afterwards)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_event DISABLE TRIGGER USER")
        cur.execute(sql, params)


def verify(*extra: str) -> str:
    out = StringIO()
    call_command("audit", "verify", *extra, stdout=out)
    return out.getvalue()


def verify_fails() -> tuple[str, CommandError]:
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", stdout=out)
    assert exc.value.returncode == 1
    return out.getvalue(), exc.value


def test_intact_chain_exits_0_with_count() -> None:
    _append(6)
    assert "审计链完整：6 条事件" in verify()


def test_empty_chain_is_intact() -> None:
    assert "审计链完整：0 条事件" in verify()


def test_progress_bar_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    _append(3)
    assert "审计链完整：3 条事件" in verify("--progress", "--batch", "2")
    err = capsys.readouterr().err
    assert "100% 3/3" in err and "[" in err


def test_tampered_row_is_named() -> None:
    _append(5)
    _as_dba("UPDATE audit_event SET action = %s WHERE seq = %s", ["test.forged", 3])
    out, exc = verify_fails()
    assert "#3" in out and "#3" in str(exc)
    assert "内容被改动" in out


def test_tampered_data_is_named() -> None:
    _append(5)
    _as_dba("UPDATE audit_event SET ip = %s WHERE seq = %s", ["10.0.0.1", 4])
    out, _ = verify_fails()
    assert "#4" in out


def test_deleted_middle_row_is_named() -> None:
    _append(5)
    _as_dba("DELETE FROM audit_event WHERE seq = %s", [3])
    out, exc = verify_fails()
    assert "#3" in str(exc) and "缺失" in out


def test_deleted_last_row_is_named() -> None:
    _append(5)
    _as_dba("DELETE FROM audit_event WHERE seq = %s", [5])
    out, exc = verify_fails()
    assert "#5" in str(exc) and "末尾" in out


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)
def test_postgresql_trigger_refuses_update_and_delete() -> None:
    _append(2)
    for sql in ("UPDATE audit_event SET action = 'x' WHERE seq = 1", "DELETE FROM audit_event WHERE seq = 1"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql)
    assert "审计链完整：2 条事件" in verify()


def test_checkpoint_then_verify() -> None:
    _append(4)
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "已生成检查点 #4" in out.getvalue()
    assert Checkpoint.objects.filter(seq=4).exists()
    again = StringIO()
    call_command("audit", "checkpoint", stdout=again)
    assert "无需生成检查点" in again.getvalue()
    assert Checkpoint.objects.count() == 1
    assert "审计链完整：4 条事件" in verify()


def test_checkpoint_of_empty_chain() -> None:
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "无需生成检查点" in out.getvalue()


def test_unknown_action_is_an_error() -> None:
    with pytest.raises(CommandError):
        call_command("audit", "rewrite")


def test_bad_batch() -> None:
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", "--batch", "0")
    assert exc.value.returncode == 2
