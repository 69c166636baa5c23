"""``ggzy demo --profile seed-2021 [--scale N] [--if-empty] [--seed S] [--progress]``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.accounts.selectors import DEMO_PASSWORD
from ggzy.core.progress import ProgressBar
from ggzy.platform import demo_data

PROFILES = {demo_data.PROFILE: "示范市公共资源交易中心 2021 年全年数据（与 2021 年政府信息公开年报数字一致）"}


class Command(BaseCommand):
    help = (
        "导入演示数据 / load demo data. seed-2021：演示机构、每个角色一个 demo- 账号（密码见登录页），"
        "以及与 2021 年年报完全一致的全年信息（4367 条、访问量 227.77 万）；--scale N 按 N 倍生成用于压测。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--profile",
            choices=sorted(PROFILES),
            default=demo_data.PROFILE,
            help="数据方案（默认 seed-2021）",
        )
        parser.add_argument(
            "--scale", type=int, default=1, help="2021 年数据的倍数（默认 1；0 只建机构、账号和近期数据）"
        )
        parser.add_argument(
            "--seed", type=int, default=2021, help="随机种子，相同种子生成相同数据（默认 2021）"
        )
        parser.add_argument("--if-empty", action="store_true", help="库中已有信息时什么都不做（make run 用）")
        parser.add_argument(
            "--progress", action="store_true", help="在标准错误输出显示进度条（终端下默认显示）"
        )
        parser.add_argument("--json", action="store_true", help="以 JSON 输出导入摘要")
        parser.add_argument(
            "--key-dir",
            default=None,
            help="演示证书和私钥的存放目录（默认 var/demo-keys）",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="切词建索引的子进程数（默认：倍数≥3 且有两个以上 CPU 核时为 1，否则 0）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale: int = options["scale"]
        if scale < 0 or scale > 10_000:
            raise CommandError(f"--scale 应在 0 到 10000 之间，收到 {scale}", returncode=2)
        if demo_data.content_exists():
            if options["if_empty"]:
                self.stdout.write("数据库中已有信息，跳过演示数据导入（--if-empty）")
                return
            raise CommandError(
                "数据库中已有信息：演示数据只能导入空库。"
                "请换一个空数据库（DATABASE_URL），或使用 --if-empty 跳过。",
                returncode=1,
            )
        bar = ProgressBar(
            scale * demo_data.REPORT_2021["total"],
            label="导入演示数据",
            enabled=True if options["progress"] else None,
        )
        started = time.monotonic()
        summary = demo_data.demo_load(
            scale=scale, seed=options["seed"], progress=bar.update, workers=options["workers"]
        )
        bar.finish()
        # Disclosure applications of 2025/2026 (2021 stays at zero, as the real report says).
        from ggzy.platform.demo_disclosure import load_disclosure_demo

        load_disclosure_demo()
        # Issue 3's control data of 2021 (pledges, exposure, patrol, links, screen, participation)
        # and today's signed agency notice; they hang off the 2021 content, so not at scale 0.
        control = None
        if scale > 0:
            from ggzy.platform.demo_control import load_control_demo

            key_dir = Path(options["key_dir"]) if options["key_dir"] else None
            control = load_control_demo(key_dir=key_dir, seed=options["seed"], scale=scale)
        elapsed = time.monotonic() - started
        if options["json"]:
            extra = {"control": control.as_dict()} if control is not None else {}
            self.stdout.write(
                json.dumps({**summary.as_dict(), **extra, "seconds": round(elapsed, 2)}, ensure_ascii=False)
            )
            return
        s = summary
        self.stdout.write(
            f"已导入演示数据 {options['profile']}（倍数 {scale}，种子 {options['seed']}）："
            f"政务信息 {s.articles} 条，交易公告 {s.notices} 条，近期信息 {s.recent_items} 条，"
            f"访问量记录 {s.visit_rows} 行，检索索引 {s.indexed} 条，审计事件 {s.audit_events} 条；"
            f"耗时 {elapsed:.1f} 秒。"
        )
        if control is not None:
            c = control
            self.stdout.write(
                f"2021 年管理数据：承诺书 {c.pledges_2021} 份（另网络用户协议 {c.user_agreements} 份），"
                f"曝光代理机构 {c.violations.get('agency', 0)} 家、"
                f"评标专家 {c.violations.get('expert', 0)} 名，"
                f"巡查 {c.patrol_rounds} 轮（{c.patrol_items} 条公告），整改通知 {c.orders} 份，"
                f"错链检查 {c.link_runs} 次，大屏公告 {c.screen_campaigns} 期。"
            )
            if c.key_path:
                self.stdout.write(
                    f"demo-agency 的签名私钥（PKCS#8，未加密，仅供演示）：{c.key_path}；证书：{c.cert_path}"
                )
            if c.current_skipped:
                self.stdout.write(c.current_skipped)
        self.stdout.write(
            "演示账号：demo-editor、demo-first、demo-review、demo-second、demo-signer、demo-admin、"
            "demo-disclosure、demo-disclosure-head 等，"
            f"密码 {DEMO_PASSWORD}"
        )
