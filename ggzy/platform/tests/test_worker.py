"""``ggzy worker``: one tick runs every periodic job; SIGTERM ends the loop cleanly."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from ggzy.accounts.choices import OrganisationKind
from ggzy.accounts.models import Organisation, User
from ggzy.audit.models import Checkpoint
from ggzy.core.codes import make_credit_code
from ggzy.platform.management.commands.worker import describe, run_tick
from ggzy.platform.tests.conftest import GGZY
from ggzy.publishing.choices import ReleaseStatus
from ggzy.publishing.models import Article, Category
from ggzy.search.models import SearchDocument


def _scheduled_article(publish_at: dt.datetime) -> Article:
    org = Organisation.objects.create(
        kind=OrganisationKind.CENTER,
        name="示范市公共资源交易中心",
        credit_code=make_credit_code("12640400010000001"),
    )
    author = User.objects.create(username="w-editor", organisation=org)
    return Article.objects.create(
        title="关于定时发布的测试通知",
        body_html="<p>正文</p>",
        status=ReleaseStatus.SCHEDULED,
        author=author,
        organisation=org,
        publish_at=publish_at,
        category=Category.objects.get(code="news"),
    )


@pytest.mark.django_db
def test_once_publishes_due_items_and_logs_the_tick() -> None:
    due = _scheduled_article(dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=1))
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    due.refresh_from_db()
    assert due.status == ReleaseStatus.PUBLISHED
    assert SearchDocument.objects.filter(kind="article", object_id=due.pk).exists()
    assert "第 1 轮" in out.getvalue() and "定时发布 1 条" in out.getvalue()


@pytest.mark.django_db
def test_future_items_wait() -> None:
    later = _scheduled_article(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=1))
    results = run_tick()
    later.refresh_from_db()
    assert later.status == ReleaseStatus.SCHEDULED
    assert results["published"] == 0


@pytest.mark.django_db
@override_settings(GGZY_AUDIT_CHECKPOINT_EVERY=1)
def test_checkpoint_when_due_and_json_output() -> None:
    _scheduled_article(dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=1))
    out = StringIO()
    call_command("worker", "--once", "--json", stdout=out)
    record = json.loads(out.getvalue())
    assert record["tick"] == 1 and record["published"] == 1
    assert isinstance(record["checkpoint"], int)
    assert Checkpoint.objects.filter(seq=record["checkpoint"]).exists()
    # The test settings use the immediate task backend: the queue is reported as skipped.
    assert "跳过" in str(record["tasks"])


@pytest.mark.django_db
def test_a_failing_job_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(**_: object) -> int:
        raise RuntimeError("数据库暂时不可用")

    monkeypatch.setattr("ggzy.platform.management.commands.worker.release_publish_due", boom)
    results = run_tick()
    assert str(results["published"]).startswith("失败：RuntimeError")
    assert results["visits_flushed"] == 0
    assert "失败" in describe(results)


@pytest.mark.parametrize("args", [["--interval", "0"], ["--interval", "-3"], ["--max-tasks", "0"]])
def test_bad_arguments(args: list[str]) -> None:
    with pytest.raises(CommandError) as exc:
        call_command("worker", "--once", *args)
    assert exc.value.returncode == 2


def test_sigterm_stops_after_the_tick(child_env: dict[str, str]) -> None:
    """The real command in a child process with the database task queue: SIGTERM → exit 0."""
    proc = subprocess.Popen(
        [GGZY, "worker", "--interval", "0.5"],
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        lines: list[str] = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "第 2 轮" in line:
                break
        assert any("第 1 轮" in ln for ln in lines), lines
        assert any("后台任务 0" in ln for ln in lines), lines  # django-tasks-db queue polled
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "已停止" in out
