"""Interop between the browser sealing (ggzy/portal/static/ggzy/js/sealing.js, WebCrypto in a real
Chromium) and the Python reference: browser seals → Python opens; Python seals → browser unwraps
the content key → Python opens with it. A plain http.server serves a static page and the JS file
(no Django needed)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.server
import io
import os
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from ggzy.sealing import envelope as E
from ggzy.sealing import kit, shamir

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
JS = HERE.parents[1] / "portal" / "static" / "ggzy" / "js" / "sealing.js"
PAGE = HERE / "sealing_test_page.html"
SECTION = "E6404000001001001"
BIDDER = "91640400MA0000001X"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/":
            body, ctype = PAGE.read_bytes(), "text/html; charset=utf-8"
        elif self.path == "/sealing.js":
            body, ctype = JS.read_bytes(), "text/javascript; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        # the same policy the site uses: scripts only from files, no eval
        self.send_header("Content-Security-Policy", "default-src 'self'; script-src 'self'")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sealing_page(page, server):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server)
    page.wait_for_function("() => window.GgzySealing !== undefined")
    yield page
    assert not errors, errors


def public_pem(private_pem: bytes) -> str:
    key = serialization.load_pem_private_key(private_pem, None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


SEAL_JS = """
async ([encPem, sigPem, escrowPem, chunkSize, useSink, section, bidder]) => {
  const S = window.GgzySealing;
  const enc = await S.importPkcs8(encPem);
  const sig = await S.importPkcs8(sigPem);
  const file = document.getElementById("bid").files[0];
  const pieces = [];
  let progress = 0;
  const result = await S.sealFile(file, {
    section, bidder,
    summary: {bid_price: "980000.00", duration_days: 180, project_manager: "李四"},
    bidderPublicKey: enc.publicKey, escrowPublicKey: escrowPem || undefined,
    signingKey: sig.ecdsa, signerPublicKey: sig.signingPublicKey,
    chunkSize: chunkSize, createdAt: new Date("2026-11-20T10:00:00Z"),
    sink: useSink ? async (b) => { pieces.push(b); } : undefined,
    onProgress: (done, total) => { progress = done / total; },
  });
  const blob = result.blob || new Blob(pieces);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return {env: S.toBase64(bytes), sha: result.envelopeSha256, size: result.size, progress,
          extractable: [enc.ecdh.extractable, sig.ecdsa.extractable], pieces: pieces.length};
}
"""


@pytest.mark.parametrize(
    ("size", "chunk_size", "use_sink", "with_escrow"),
    [(3 * 1024 * 1024 + 17, 1 << 20, False, True), (70_001, 4096, True, False), (0, 256, False, True)],
)
def test_browser_seals_python_verifies_unwraps_and_opens(
    sealing_page, tmp_path, size, chunk_size, use_sink, with_escrow
):
    enc, sig = kit.generate_key(), kit.generate_key()
    escrow = shamir.generate_escrow(k=2, n=3) if with_escrow else None
    data = os.urandom(size)
    bid = tmp_path / "投标文件.pdf"
    bid.write_bytes(data)
    sealing_page.set_input_files("#bid", str(bid))
    out = sealing_page.evaluate(
        SEAL_JS,
        [
            enc.private_pem.decode(),
            sig.private_pem.decode(),
            escrow.public_key_pem.decode() if escrow else "",
            chunk_size,
            use_sink,
            SECTION,
            BIDDER,
        ],
    )
    env = base64.b64decode(out["env"])
    assert out["extractable"] == [False, False]
    assert out["size"] == len(env)
    assert out["sha"] == hashlib.sha256(env).hexdigest()  # the browser's incremental SHA-256 agrees
    assert out["progress"] == 1 or size == 0
    if use_sink:
        assert out["pieces"] == 2 + -(-(256 + size + 32) // chunk_size)

    verified = E.verify_envelope(
        io.BytesIO(env), signer=sig.public_pem, expect_section=SECTION, expect_bidder=BIDDER
    )
    assert verified.header.chunk_size == chunk_size
    assert verified.header.created_at == "2026-11-20T10:00:00Z"
    ck = E.unwrap_content_key(verified.header, kit.load_private_key(enc.private_pem))
    plain = io.BytesIO()
    opened = E.open_envelope(io.BytesIO(env), plain, content_key=ck, signer=sig.public_pem)
    assert plain.getvalue() == data
    assert opened.file_name == "投标文件.pdf"
    assert opened.summary == {"bid_price": "980000.00", "duration_days": 180, "project_manager": "李四"}
    assert opened.file_sha256 == hashlib.sha256(data).hexdigest()
    if escrow:
        assert (
            E.unwrap_content_key(verified.header, shamir.combine_private_key(list(escrow.shares[:2]))) == ck
        )
    else:
        assert not verified.header.backup_decryption


def python_seal(data: bytes, *, bidder_public, signer_private, escrow_pem=None) -> bytes:
    out = io.BytesIO()
    E.seal(
        io.BytesIO(data),
        out,
        section=SECTION,
        bidder=BIDDER,
        summary={"bid_price": "1234.50"},
        file_name="bid.docx",
        bidder_public_key=bidder_public,
        escrow_public_key=escrow_pem,
        signing_key=signer_private,
        created_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        chunk_size=4096,
    )
    return out.getvalue()


UNWRAP_JS = """
async ([envB64, pkcs8Pem]) => {
  const S = window.GgzySealing;
  const keys = await S.importPkcs8(pkcs8Pem);
  const blob = new Blob([S.fromBase64(envB64)]);
  const header = await S.readHeader(blob);
  const key = await S.unwrapContentKey(blob, keys.ecdh, keys.publicKey);
  return {key: S.toHex(key), section: header.section};
}
"""


def test_python_seals_browser_unwraps_python_opens(sealing_page):
    enc = kit.generate_key()
    signer = kit.load_private_key(kit.generate_key().private_pem)
    data = os.urandom(50_000)
    env = python_seal(data, bidder_public=enc.public_pem, signer_private=signer)
    got = sealing_page.evaluate(UNWRAP_JS, [base64.b64encode(env).decode(), enc.private_pem.decode()])
    assert got["section"] == SECTION
    plain = io.BytesIO()
    opened = E.open_envelope(
        io.BytesIO(env), plain, content_key=bytes.fromhex(got["key"]), signer=signer.public_key()
    )
    assert plain.getvalue() == data and opened.summary == {"bid_price": "1234.50"}


def test_browser_refuses_to_unwrap_with_another_key(sealing_page):
    enc, other = kit.generate_key(), kit.generate_key()
    env = python_seal(
        b"x", bidder_public=enc.public_pem, signer_private=kit.load_private_key(enc.private_pem)
    )
    message = sealing_page.evaluate(
        "async (a) => { try { await (" + UNWRAP_JS.strip() + ")(a); return 'no error'; }"
        " catch (e) { return e.message; } }",
        [base64.b64encode(env).decode(), other.private_pem.decode()],
    )
    assert message == "此私钥不是该信封的接收方"


def test_browser_generated_non_extractable_key_round_trip(sealing_page):
    """The bidder's key is generated in the browser (backup export once, then non-extractable);
    Python seals to its public key; the browser unwraps; the backup PKCS#8 unwraps in Python too."""
    got = sealing_page.evaluate(
        """async () => {
          const S = window.GgzySealing;
          window.__keys = await S.generateKey();
          return {pub: window.__keys.publicPem, backup: window.__keys.pkcs8Pem,
                  extractable: window.__keys.ecdh.extractable};
        }"""
    )
    assert got["extractable"] is False
    signer = kit.load_private_key(kit.generate_key().private_pem)
    data = b"browser key bid " * 1000
    env = python_seal(data, bidder_public=got["pub"].encode(), signer_private=signer)
    key_hex = sealing_page.evaluate(
        """async (envB64) => {
          const S = window.GgzySealing;
          const blob = new Blob([S.fromBase64(envB64)]);
          const key = await S.unwrapContentKey(blob, window.__keys.ecdh, window.__keys.publicKey);
          return S.toHex(key);
        }""",
        base64.b64encode(env).decode(),
    )
    header = E.read_header(io.BytesIO(env))
    assert E.unwrap_content_key(header, kit.load_private_key(got["backup"].encode())).hex() == key_hex
    plain = io.BytesIO()
    E.open_envelope(io.BytesIO(env), plain, content_key=bytes.fromhex(key_hex))
    assert plain.getvalue() == data


def test_browser_incremental_sha256_matches_hashlib(sealing_page):
    data = os.urandom(5000)
    got = sealing_page.evaluate(
        """([b64, cuts]) => {
          const S = window.GgzySealing;
          const bytes = S.fromBase64(b64);
          return cuts.map(([n, step]) => {
            const h = new S.Sha256();
            for (let i = 0; i < n; i += step) h.update(bytes.subarray(i, Math.min(n, i + step)));
            return S.toHex(h.digest());
          });
        }""",
        [
            base64.b64encode(data).decode(),
            [[0, 1], [3, 1], [55, 55], [56, 7], [63, 64], [64, 64], [65, 13], [5000, 999]],
        ],
    )
    expected = [hashlib.sha256(data[:n]).hexdigest() for n in (0, 3, 55, 56, 63, 64, 65, 5000)]
    assert got == expected


def test_browser_canonical_json_matches_python(sealing_page):
    value = {"b": [1, "二", {"z": None, "a": True}], "a": '引号"和\\反斜杠\n', "c": 12345678901}
    got = sealing_page.evaluate("(v) => window.GgzySealing.canonicalJson(v)", value)
    assert got.encode() == E.canonical_json(value)


def test_browser_signs_with_the_bound_certificate_key(sealing_page, tmp_path):
    """The page knows the bound certificate's key id (rendered by the server); the signature is
    made with the certificate's key and verifies against the certificate itself."""
    from ggzy.sealing import testing as pki

    ca = pki.make_ca("测试根CA")
    cert, cert_key = pki.make_leaf(*ca, org_name="某建设有限公司", credit_code=BIDDER, key_type="ec")
    enc = kit.generate_key()
    (tmp_path / "bid.txt").write_text("以证书密钥签名的投标文件")
    sealing_page.set_input_files("#bid", str(tmp_path / "bid.txt"))
    env_b64 = sealing_page.evaluate(
        """async ([encPem, certKeyPem, kid, section, bidder]) => {
          const S = window.GgzySealing;
          const enc = await S.importPkcs8(encPem);
          const sig = await S.importPkcs8(certKeyPem);
          const r = await S.sealFile(document.getElementById("bid").files[0], {
            section, bidder, summary: {bid_price: "1.00"}, bidderPublicKey: enc.publicKey,
            signingKey: sig.ecdsa, signerKeyId: kid});
          return S.toBase64(new Uint8Array(await r.blob.arrayBuffer()));
        }""",
        [
            enc.private_pem.decode(),
            pki.key_pem(cert_key).decode(),
            E.key_id(cert.public_key()),
            SECTION,
            BIDDER,
        ],
    )
    env = base64.b64decode(env_b64)
    verified = E.verify_envelope(io.BytesIO(env), signer=cert, expect_section=SECTION, expect_bidder=BIDDER)
    ck = E.unwrap_content_key(verified.header, kit.load_private_key(enc.private_pem))
    plain = io.BytesIO()
    E.open_envelope(io.BytesIO(env), plain, content_key=ck, signer=pki.cert_pem(cert))
    assert plain.getvalue().decode() == "以证书密钥签名的投标文件"


def test_browser_refuses_bad_inputs_with_chinese_messages(sealing_page, tmp_path):
    enc = kit.generate_key()
    (tmp_path / "bid.txt").write_text("x")
    sealing_page.set_input_files("#bid", str(tmp_path / "bid.txt"))
    messages = sealing_page.evaluate(
        """async ([encPem]) => {
          const S = window.GgzySealing;
          const enc = await S.importPkcs8(encPem);
          const file = document.getElementById("bid").files[0];
          const base = {section: "S1", bidder: "B1", bidderPublicKey: enc.publicKey,
                        signingKey: enc.ecdsa, signingPublicKey: enc.signingPublicKey,
                        signerPublicKey: enc.signingPublicKey};
          const attempts = [
            () => S.sealFile(file, {...base, section: "含 空格"}),
            () => S.sealFile(file, {...base, chunkSize: 1000}),
            () => S.sealFile(file, {...base, bidderPublicKey: "not a key"}),
            () => S.importPkcs8("-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----"),
            () => S.readHeader(new Blob([new Uint8Array(20)])),
          ];
          const out = [];
          for (const attempt of attempts) {
            try { await attempt(); out.push("no error"); } catch (e) { out.push(e.message); }
          }
          return out;
        }""",
        [enc.private_pem.decode()],
    )
    assert messages == [
        "标段编号或投标人标识无效",
        "分块大小无效",
        "无法读取公钥（应为 P-256 的 SPKI PEM/DER 公钥）",
        "无法读取私钥文件（应为未加密的 P-256 PKCS#8；加密的密钥请用证书签名组件打开）",
        "不是 ggzy 投标信封",
    ]
