"""``ggzy bid …``: the bidder kit on the command line (docs/formats/sealed-envelope.md).

    ggzy bid keygen --out KEY.pem [--suite intl|sm] [--password-file F]
                                                                a P-256 or SM2 key (PKCS#8) + KEY.pub.pem
    ggzy bid seal FILE --section S --bidder B --key KEY.pem [--summary JSON] [--escrow ESCROW.pub.pem]
                  [--out FILE.env]                              seal a bid file into an envelope
    ggzy bid decrypt-key FILE.env --key KEY.pem                 print the content key (hex) to hand
                                                                over at the opening
    ggzy bid open FILE.env --content-key HEX --out PLAIN        decrypt (what the server does)
    ggzy bid verify-receipt RECEIPT.json --platform-key PUB.pem check a submission receipt offline
    ggzy bid escrow-generate --k K --n N --out-dir DIR [--suite intl|sm]
                                                                custodians' ceremony: public key +
                                                                one share file per custodian

Everything runs locally on the bidder's machine; nothing is sent anywhere. Every failure is a
Chinese message and exit status 2 (bad arguments or files) — never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.sealing import envelope, kit, receipts, shamir
from ggzy.trading import bid_summary


def _read(path: str, what: str) -> bytes:
    p = Path(path)
    if not p.is_file():
        raise CommandError(f"找不到{what}文件：{path}", returncode=2)
    return p.read_bytes()


def _password(path: str | None) -> bytes | None:
    if not path:
        return None
    # A password file, not an argument: arguments are visible to every user in the process list.
    return _read(path, "密码").rstrip(b"\r\n") or None


class Command(BaseCommand):
    help = "投标工具 / bidder kit: keygen, seal, decrypt-key, open, verify-receipt, escrow-generate"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        p = sub.add_parser("keygen", help="生成投标密钥（PKCS#8；intl = P-256，sm = SM2）")
        p.add_argument("--out", required=True, help="私钥文件（另写 <name>.pub.pem 公钥）")
        p.add_argument("--suite", choices=["intl", "sm"], default="intl", help="密码套件（默认 intl）")
        p.add_argument("--password-file", help="用此文件中的密码加密私钥")

        p = sub.add_parser("seal", help="把投标文件密封为数字信封")
        p.add_argument("file", help="投标文件")
        p.add_argument("--section", required=True, help="标段（包）编号")
        p.add_argument("--bidder", required=True, help="投标人标识（统一社会信用代码）")
        p.add_argument("--key", required=True, help="投标人私钥（PKCS#8 PEM）")
        p.add_argument("--password-file", help="私钥密码文件")
        p.add_argument("--signing-key", help="证书签名私钥（默认与 --key 相同）")
        p.add_argument(
            "--summary",
            default="{}",
            help='开标一览表 JSON（如 \'{"price": "1234.00"}\'；中小企业声明：'
            '"sme_kind": "small_micro" 或 "consortium"，联合体另加 "sme_share": "40"）',
        )
        p.add_argument("--escrow", help="标段备用解密公钥（允许备用解密时）")
        p.add_argument("--out", help="信封文件（默认 <file>.env）")

        p = sub.add_parser("decrypt-key", help="用私钥解出信封的内容密钥（开标时提交）")
        p.add_argument("envelope", help="信封文件")
        p.add_argument("--key", required=True, help="投标人私钥或备用解密私钥（PEM）")
        p.add_argument("--password-file", help="私钥密码文件")

        p = sub.add_parser("open", help="用内容密钥解密信封（校验每一块和文件哈希）")
        p.add_argument("envelope", help="信封文件")
        p.add_argument("--content-key", required=True, help="内容密钥：64 位（intl）或 32 位（sm）十六进制")
        p.add_argument("--out", required=True, help="解密后的文件")
        p.add_argument("--signer", help="投标人证书或公钥（PEM），校验签名者")

        p = sub.add_parser("verify-receipt", help="离线校验平台签发的投标回执")
        p.add_argument("receipt", help="回执 JSON 文件")
        p.add_argument("--platform-key", required=True, help="平台公钥（PEM）")

        p = sub.add_parser("escrow-generate", help="生成备用解密密钥并按 k-of-n 分割（保管人仪式）")
        p.add_argument("--k", type=int, required=True, help="恢复所需份数")
        p.add_argument("--n", type=int, required=True, help="保管人总数")
        p.add_argument("--out-dir", required=True, help="输出目录（公钥 + 每位保管人一份）")
        p.add_argument("--suite", choices=["intl", "sm"], default="intl", help="密码套件（默认 intl）")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, "do_" + action.replace("-", "_"))(options)
        except (kit.KitError, envelope.EnvelopeError, receipts.ReceiptInvalid, shamir.ShareError) as exc:
            raise CommandError(exc.message, returncode=2) from None
        except OSError as exc:
            raise CommandError(f"文件读写失败：{exc.strerror or exc}", returncode=2) from None

    def do_keygen(self, options: dict[str, Any]) -> None:
        out = Path(options["out"])
        if out.exists():
            raise CommandError(f"{out} 已存在，不覆盖已有私钥", returncode=2)
        keys = kit.generate_key(_password(options["password_file"]), suite=options["suite"])
        pub = out.with_name(out.stem + ".pub.pem")
        out.write_bytes(keys.private_pem)
        out.chmod(0o600)
        pub.write_bytes(keys.public_pem)
        self.stdout.write(json.dumps({"key": str(out), "public_key": str(pub), "key_id": keys.key_id}))

    def do_seal(self, options: dict[str, Any]) -> None:
        src = Path(options["file"])
        if not src.is_file():
            raise CommandError(f"找不到投标文件：{src}", returncode=2)
        dst = Path(options["out"] or f"{src}.env")
        summary = kit.summary_from_json(options["summary"])
        try:
            # the SME declaration: the check the bid page makes before sealing and the evaluation
            # after opening — refused here rather than at the evaluation, when it is too late
            bid_summary.read_sme(summary)
        except bid_summary.SmeDeclarationInvalid as exc:
            raise CommandError(exc.message, returncode=2) from None
        result = kit.seal_file(
            src,
            dst,
            section=options["section"],
            bidder=options["bidder"],
            summary=summary,
            key_pem=_read(options["key"], "私钥"),
            password=_password(options["password_file"]),
            signing_key_pem=_read(options["signing_key"], "签名私钥") if options["signing_key"] else None,
            escrow_public_pem=_read(options["escrow"], "备用解密公钥") if options["escrow"] else None,
        )
        self.stdout.write(
            json.dumps({"envelope": str(dst), "envelope_sha256": result.envelope_sha256, "size": result.size})
        )

    def do_decrypt_key(self, options: dict[str, Any]) -> None:
        path = Path(options["envelope"])
        if not path.is_file():
            raise CommandError(f"找不到信封文件：{path}", returncode=2)
        self.stdout.write(
            kit.decrypt_key(path, _read(options["key"], "私钥"), _password(options["password_file"]))
        )

    def do_open(self, options: dict[str, Any]) -> None:
        path = Path(options["envelope"])
        if not path.is_file():
            raise CommandError(f"找不到信封文件：{path}", returncode=2)
        signer = _read(options["signer"], "签名者证书") if options["signer"] else None
        opened = kit.open_file(path, options["content_key"], Path(options["out"]), signer_pem=signer)
        self.stdout.write(
            json.dumps(
                {
                    "file_name": opened.file_name,
                    "file_size": opened.file_size,
                    "file_sha256": opened.file_sha256,
                    "summary": opened.summary,
                },
                ensure_ascii=False,
            )
        )

    def do_verify_receipt(self, options: dict[str, Any]) -> None:
        receipt = receipts.verify_receipt(
            _read(options["platform_key"], "平台公钥"), _read(options["receipt"], "回执")
        )
        self.stdout.write(
            json.dumps(
                {
                    "verified": True,
                    "section": receipt.section,
                    "bidder": receipt.bidder,
                    "envelope_sha256": receipt.envelope_sha256,
                    "server_time": receipt.server_time,
                    "sequence": receipt.sequence,
                }
            )
        )

    def do_escrow_generate(self, options: dict[str, Any]) -> None:
        out_dir = Path(options["out_dir"])
        out_dir.mkdir(parents=True, exist_ok=True)
        if any(out_dir.iterdir()):
            raise CommandError(f"输出目录 {out_dir} 不是空目录", returncode=2)
        escrow = shamir.generate_escrow(k=options["k"], n=options["n"], suite=options["suite"])
        (out_dir / "escrow.pub.pem").write_bytes(escrow.public_key_pem)
        for share in escrow.shares:
            path = out_dir / f"share-{share.index}.txt"
            path.write_text(share.to_text() + "\n")
            path.chmod(0o600)
        self.stdout.write(json.dumps({"key_id": escrow.key_id, "k": options["k"], "n": options["n"]}))
