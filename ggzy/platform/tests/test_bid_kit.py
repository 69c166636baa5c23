"""``ggzy bid``: the bidder kit end to end on real files, through the real command — keys, a sealed
envelope, the content key handed over at opening, the opened file, escrow shares and a receipt."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.sealing import receipts, signing


def run(*args: str) -> str:
    out = StringIO()
    call_command("bid", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def bid_file(tmp_path: Path) -> Path:
    path = tmp_path / "投标文件.pdf"
    path.write_bytes(b"%PDF-1.7 bid " + bytes(range(256)) * 300)
    return path


def test_keygen_seal_decrypt_open_round_trip(tmp_path: Path, bid_file: Path) -> None:
    made = json.loads(run("keygen", "--out", str(tmp_path / "bidder.pem")))
    assert (tmp_path / "bidder.pub.pem").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert len(made["key_id"]) == 64
    sealed = json.loads(
        run(
            "seal",
            str(bid_file),
            "--section",
            "E6404000001001001001",
            "--bidder",
            "91640400MA0000001X",
            "--key",
            str(tmp_path / "bidder.pem"),
            "--summary",
            '{"price": "1234567.89", "duration": "180"}',
        )
    )
    env = Path(sealed["envelope"])
    assert env.is_file() and env.stat().st_size == sealed["size"]
    assert b"1234567.89" not in env.read_bytes()  # the price is not readable in the envelope

    key_hex = run("decrypt-key", str(env), "--key", str(tmp_path / "bidder.pem")).strip()
    assert len(key_hex) == 64
    opened = json.loads(run("open", str(env), "--content-key", key_hex, "--out", str(tmp_path / "out.pdf")))
    assert (tmp_path / "out.pdf").read_bytes() == bid_file.read_bytes()
    assert opened["summary"] == {"price": "1234567.89", "duration": "180"}
    assert opened["file_name"] == "投标文件.pdf"


def test_escrow_shares_open_a_bid_the_bidder_cannot(tmp_path: Path, bid_file: Path) -> None:
    run("keygen", "--out", str(tmp_path / "bidder.pem"))
    escrow = json.loads(run("escrow-generate", "--k", "2", "--n", "3", "--out-dir", str(tmp_path / "escrow")))
    assert escrow["k"] == 2
    shares = sorted((tmp_path / "escrow").glob("share-*.txt"))
    assert len(shares) == 3
    env = Path(
        json.loads(
            run(
                "seal",
                str(bid_file),
                "--section",
                "S1",
                "--bidder",
                "B1",
                "--key",
                str(tmp_path / "bidder.pem"),
                "--escrow",
                str(tmp_path / "escrow" / "escrow.pub.pem"),
            )
        )["envelope"]
    )
    from ggzy.sealing import envelope, shamir

    key = shamir.combine_private_key([shares[0].read_text(), shares[2].read_text()])
    with env.open("rb") as f:
        header = envelope.read_header(f)
    content_key = envelope.unwrap_content_key(header, key).hex()
    assert content_key == run("decrypt-key", str(env), "--key", str(tmp_path / "bidder.pem")).strip()


def test_receipt_verifies_offline_and_a_tampered_one_does_not(tmp_path: Path) -> None:
    platform = signing.SigningKey.generate()
    (tmp_path / "platform.pub.pem").write_bytes(platform.public_pem())
    receipt = receipts.issue_receipt(
        platform,
        section="S1",
        bidder="B1",
        envelope_sha256="ab" * 32,
        server_time=dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC),
        sequence=7,
    )
    (tmp_path / "r.json").write_bytes(receipt.to_json())
    shown = json.loads(
        run("verify-receipt", str(tmp_path / "r.json"), "--platform-key", str(tmp_path / "platform.pub.pem"))
    )
    assert shown["verified"] is True and shown["sequence"] == 7
    (tmp_path / "bad.json").write_bytes(receipt.to_json().replace(b'"sequence":7', b'"sequence":8'))
    with pytest.raises(CommandError) as exc:
        run(
            "verify-receipt", str(tmp_path / "bad.json"), "--platform-key", str(tmp_path / "platform.pub.pem")
        )
    assert exc.value.returncode == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["decrypt-key", "nope.env", "--key", "k.pem"], "找不到信封文件"),
        (["open", "x.env", "--content-key", "zz", "--out", "o"], "找不到信封文件"),
        (["seal", "missing.pdf", "--section", "S", "--bidder", "B", "--key", "k.pem"], "找不到投标文件"),
        (["escrow-generate", "--k", "4", "--n", "3", "--out-dir", "e"], ""),
    ],
)
def test_bad_arguments_are_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.env").write_bytes(b"")  # an empty file is not an envelope either
    if args[0] == "open":
        args = ["open", "missing.env", *args[2:]]
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert exc.value.returncode == 2
    assert message in str(exc.value)


def test_wrong_key_and_garbage_envelope_are_refused(tmp_path: Path, bid_file: Path) -> None:
    run("keygen", "--out", str(tmp_path / "a.pem"))
    run("keygen", "--out", str(tmp_path / "b.pem"))
    env = json.loads(
        run("seal", str(bid_file), "--section", "S", "--bidder", "B", "--key", str(tmp_path / "a.pem"))
    )["envelope"]
    with pytest.raises(CommandError) as exc:
        run("decrypt-key", env, "--key", str(tmp_path / "b.pem"))
    assert exc.value.returncode == 2
    (tmp_path / "junk.env").write_bytes(b"not an envelope at all")
    with pytest.raises(CommandError):
        run("decrypt-key", str(tmp_path / "junk.env"), "--key", str(tmp_path / "a.pem"))
    with pytest.raises(CommandError, match="已存在"):
        run("keygen", "--out", str(tmp_path / "a.pem"))


def test_sm_suite_round_trip(tmp_path: Path, bid_file: Path) -> None:
    run("keygen", "--suite", "sm", "--out", str(tmp_path / "sm.pem"))
    run("escrow-generate", "--suite", "sm", "--k", "2", "--n", "2", "--out-dir", str(tmp_path / "esc"))
    env = json.loads(
        run(
            "seal",
            str(bid_file),
            "--section",
            "S1",
            "--bidder",
            "B1",
            "--key",
            str(tmp_path / "sm.pem"),
            "--escrow",
            str(tmp_path / "esc" / "escrow.pub.pem"),
            "--summary",
            '{"price": "99.00"}',
        )
    )["envelope"]
    key_hex = run("decrypt-key", env, "--key", str(tmp_path / "sm.pem")).strip()
    assert len(key_hex) == 32  # SM4: a 128-bit content key
    opened = json.loads(run("open", env, "--content-key", key_hex, "--out", str(tmp_path / "o.pdf")))
    assert opened["summary"] == {"price": "99.00"}
    assert (tmp_path / "o.pdf").read_bytes() == bid_file.read_bytes()


def test_seal_carries_the_sme_declaration_and_refuses_a_bad_one(tmp_path: Path, bid_file: Path) -> None:
    """The kit writes the declaration the browser bid page writes, and checks it the same way
    (trading/bid_summary.py) before sealing: a bad consortium share is refused, nothing sealed."""
    run("keygen", "--out", str(tmp_path / "bidder.pem"))
    common = ["--section", "E6404000001001001001", "--bidder", "91640400MA0000001X"]
    common += ["--key", str(tmp_path / "bidder.pem")]
    for summary, message in (
        ('{"price": "900000.00", "sme_kind": "consortium"}', "联合体/分包须填写小微企业合同份额（%）。"),
        (
            '{"price": "900000.00", "sme_kind": "consortium", "sme_share": "120"}',
            "小微企业合同份额须为 0–100 之间的数，最多两位小数。",
        ),
        ('{"price": "900000.00", "sme_kind": "大型企业"}', "中小企业声明“大型企业”无法识别。"),
    ):
        out = tmp_path / "bad.env"
        with pytest.raises(CommandError) as exc:
            run("seal", str(bid_file), *common, "--summary", summary, "--out", str(out))
        assert exc.value.returncode == 2 and str(exc.value) == message
        assert not out.exists()

    declared = {"price": "900000.00", "sme_kind": "consortium", "sme_share": "40"}
    sealed = json.loads(run("seal", str(bid_file), *common, "--summary", json.dumps(declared)))
    env = Path(sealed["envelope"])
    key_hex = run("decrypt-key", str(env), "--key", str(tmp_path / "bidder.pem")).strip()
    opened = json.loads(run("open", str(env), "--content-key", key_hex, "--out", str(tmp_path / "o.pdf")))
    assert opened["summary"] == declared
