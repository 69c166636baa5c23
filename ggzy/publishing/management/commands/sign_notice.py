"""``ggzy sign-notice --key KEY.pem --cert CERT.pem notice.json [--out notice.sig]``

Signs the canonical bytes of an agency notice (the ``notice-<id>.json`` downloaded from the
signing page, format docs/formats/notice-signature.md) with the agency's private key (RSA or
ECDSA P-256 with SHA-256; SM2 with SM3 and the default signer id for an SM2 certificate), after
checking that the key belongs to the certificate and that the file is the platform's canonical
form unchanged. Writes the DER signature the signing page accepts. Needs no database and no
network: the key stays on the agency's machine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core.canonical import canonical_json
from ggzy.publishing import notice_canonical
from ggzy.sealing import certs


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"无法读取{what}文件 {path}：{exc.strerror or exc}") from None


def _check_notice_bytes(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CommandError("公告原文不是有效的 UTF-8 JSON：请使用签名页面下载的 notice-<编号>.json") from None
    if not isinstance(value, dict) or value.get("format") != notice_canonical.FORMAT:
        raise CommandError(f"公告原文格式不对：应为 {notice_canonical.FORMAT}（签名页面下载的文件）")
    if canonical_json(value) != data:
        raise CommandError(
            "公告原文不是规范化形式（文件可能被编辑器改动过，例如加了换行或空格）：请重新下载，不要打开编辑"
        )
    return value


class Command(BaseCommand):
    help = "用代理机构的私钥对公告签名原文签名（私钥不离开本机），输出 DER 格式签名文件"
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("notice", help="签名页面下载的公告原文 notice-<编号>.json")
        parser.add_argument(
            "--key", required=True, help="私钥文件（RSA、ECDSA P-256 或 SM2；PKCS#8/PKCS#1/SEC1，PEM 或 DER）"
        )
        parser.add_argument("--cert", required=True, help="与私钥对应的证书（PEM 或 DER）")
        parser.add_argument("--out", help="签名输出文件（默认：原文文件名改为 .sig）")
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="私钥有口令时，从该环境变量读取口令（避免口令出现在命令行历史中）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = _read(options["notice"], "公告原文")
        key_bytes = _read(options["key"], "私钥")
        cert_bytes = _read(options["cert"], "证书")
        password: bytes | None = None
        if options.get("password_env"):
            value = os.environ.get(options["password_env"])
            if value is None:
                raise CommandError(f"环境变量 {options['password_env']} 未设置")
            password = value.encode("utf-8")
        notice = _check_notice_bytes(data)
        try:
            cert = certs.load_certificate(cert_bytes)
            certs.key_type(cert)
            if not certs.public_key_matches(cert, key_bytes, password):
                raise CommandError("私钥与证书不匹配：请使用该证书对应的私钥")
            signature = certs.sign_bytes(key_bytes, data, password)
            certs.verify_signature(cert, data, signature)  # belt and braces before writing anything
        except certs.CertificateProblem as exc:
            raise CommandError(exc.message) from None
        except certs.SignatureInvalid as exc:
            raise CommandError(exc.message) from None
        agency = notice.get("agency") or {}
        code = str(agency.get("credit_code", ""))
        if code and code not in certs.subject_identifiers(cert):
            self.stderr.write(
                f"注意：证书主体中没有公告所属机构的统一社会信用代码 {code}，平台可能不接受该证书的签名"
            )
        out = Path(options.get("out") or str(Path(options["notice"]).with_suffix(".sig")))
        try:
            out.write_bytes(signature)
        except OSError as exc:
            raise CommandError(f"无法写入签名文件 {out}：{exc.strerror or exc}") from None
        title = (notice.get("notice") or {}).get("title", "")
        self.stdout.write(
            f"已签名：公告 {notice.get('notice_id')}《{title}》，证书序列号 {certs.serial_hex(cert)}，"
            f"签名算法 {certs.signature_algorithm(cert)}，签名文件 {out}"
        )
