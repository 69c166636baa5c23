"""The `sm` suite in the browser: ggzy/portal/static/ggzy/js/sealing.js with the vendored
sm-crypto-v2 build, in a real Chromium, against the standards' own examples, the envelope test
vectors (envelope-sm-v1.json), the Python reference (SM2 in GmSSL) and OpenSSL.

Browser seals → Python verifies, unwraps (bidder and escrow) and opens; Python seals → the browser
unwraps the content key → Python opens with it; keys generated in the browser load in Python and
OpenSSL; the browser refuses what it must refuse. A plain http.server serves a static page, the
vendored file and sealing.js with the site's script policy (no Django needed)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import struct
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from ggzy.sealing import envelope as E
from ggzy.sealing import kit, receipts, shamir, suites

HERE = Path(__file__).resolve().parent
JS_DIR = HERE.parents[1] / "portal" / "static" / "ggzy" / "js"
SEALING_JS = JS_DIR / "sealing.js"
VENDOR_DIR = JS_DIR / "vendor" / "sm-crypto-v2"
VENDOR_JS = VENDOR_DIR / "sm-crypto-v2-1.15.1.umd.js"
PAGE = HERE / "sealing_sm_test_page.html"
VECTORS = HERE.parent / "testvectors" / "envelope-sm-v1.json"
SECTION = "E6404000001001001"
BIDDER = "91640400MA0000001X"
SUMMARY = {"bid_price": "980000.00", "duration_days": 180, "project_manager": "李四"}

browser = pytest.mark.browser


# ----------------------------------------------------------------------------- the vendored file


def test_vendored_file_is_the_published_build_named_in_vendored_md() -> None:
    """The file is byte for byte the package's dist/index.umd.js; VENDORED.md names its SHA-256,
    and the licence of everything bundled in it sits next to it."""
    notes = (VENDOR_DIR / "VENDORED.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(VENDOR_JS.read_bytes()).hexdigest()
    assert digest == "ebf69e9ce31eaa744a496903623f0d0668d76befcba6311f5fb4d9feefa1903e"
    assert digest in notes and "sm-crypto-v2@1.15.1" in notes
    licence = (VENDOR_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "Copyright © 2018 june01" in licence and "Paul Miller" in licence
    # nothing in it needs eval (the site's policy forbids it) or fetches anything
    text = VENDOR_JS.read_text(encoding="utf-8")
    for forbidden in ("eval(", "new Function", "fetch(", "XMLHttpRequest", "importScripts"):
        assert forbidden not in text


# ----------------------------------------------------------------------------- page


class Handler(http.server.BaseHTTPRequestHandler):
    FILES = {
        "/": (PAGE, "text/html; charset=utf-8"),
        "/sealing.js": (SEALING_JS, "text/javascript; charset=utf-8"),
        "/sm-crypto-v2.js": (VENDOR_JS, "text/javascript; charset=utf-8"),
    }

    def do_GET(self) -> None:
        if self.path == "/favicon.ico":  # asked for by the browser itself; no error in the console
            self.send_response(204)
            self.end_headers()
            return
        if self.path not in self.FILES:
            self.send_error(404)
            return
        path, ctype = self.FILES[self.path]
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        # the same policy the site uses: scripts only from files, no eval
        self.send_header("Content-Security-Policy", "default-src 'self'; script-src 'self'")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Any:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sm_page(page: Any, server: str) -> Any:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(server)
    page.wait_for_function("() => window.GgzySealing !== undefined && window.GgzySealing.smAvailable()")
    yield page
    assert not errors, errors


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sm_key(password: bytes | None = None) -> kit.KeyFiles:
    return kit.generate_key(password, suite="sm")


def python_seal(data: bytes, *, bidder_public: bytes, signer: Any, escrow_pem: bytes | None = None) -> bytes:
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
        signing_key=signer,
        created_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        chunk_size=4096,
    )
    return out.getvalue()


def sm2_pem(key: suites.SM2PrivateKey) -> str:
    return suites.SM_SUITE.private_pem(key).decode()


# ----------------------------------------------------------------------------- standard vectors

# GB/T 32918.5-2017 Annex A / C (recommended curve), the same values as ggzy/sealing/tests/test_suites.py.
STD_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
STD_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
STD_PUB = (
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
STD_R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
STD_S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
STD_C1 = (
    "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
    "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
)
STD_C3 = "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"
STD_C2 = "21886CA989CA9C7D58087307CA93092D651EFA"
RFC8998 = {
    "key": "0123456789ABCDEFFEDCBA9876543210",
    "iv": "00001234567800000000ABCD",
    "aad": "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2",
    "pt": "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
    "ct": "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D",
    "tag": "83DE3541E4C2B58177E065A9BF7B62EC",
}

STANDARD_JS = """
async ([v]) => {
  const S = window.GgzySealing, L = window.SmCryptoV2, hex = S.toHex, un = S.fromHex;
  const te = new TextEncoder();
  const out = {};
  // GB/T 32905-2016 Annex A: our incremental SM3 and the library's
  out.sm3 = [hex(new S.Sm3().update(te.encode("abc")).digest()),
             hex(new S.Sm3().update(te.encode("abcd".repeat(16))).digest()),
             L.sm3(te.encode("abc"))];
  // GB/T 32907-2016 Annex A example 1: one SM4 block
  const k = un("0123456789abcdeffedcba9876543210");
  out.sm4 = hex(L.sm4.encrypt(k, k, {padding: "none", output: "array"}));
  // RFC 8998 A.1: SM4-GCM, as sealing.js calls it
  const r = L.sm4.encrypt(un(v.gcm.pt), un(v.gcm.key), {mode: "gcm", iv: un(v.gcm.iv),
    associatedData: un(v.gcm.aad), output: "array", outputTag: true});
  out.gcm = [hex(r.output), hex(r.tag)];
  const opts = (tag) => ({mode: "gcm", iv: un(v.gcm.iv), associatedData: un(v.gcm.aad),
                          output: "array", tag});
  out.gcmOpen = hex(L.sm4.decrypt(r.output, un(v.gcm.key), opts(r.tag)));
  const bad = new Uint8Array(r.tag); bad[15] ^= 1;
  try { L.sm4.decrypt(r.output, un(v.gcm.key), opts(bad)); out.gcmTampered = "opened"; }
  catch (e) { out.gcmTampered = "refused"; }
  // GB/T 32918.5-2017 Annex A: public key, and the signature of "message digest" with the given k
  out.pub = L.sm2.getPublicKeyFromPrivateKey(v.d);
  const x1 = BigInt("0x" + L.sm2.getPublicKeyFromPrivateKey(v.k).slice(2, 66));
  out.sig = L.sm2.doSignature(te.encode("message digest"), v.d.toLowerCase(),
    {hash: true, der: true, userId: "1234567812345678", pointPool: [{k: BigInt("0x" + v.k), x1}]});
  out.verify = [await S.verifySignature(un(v.spki), te.encode("message digest"), un(v.sigDer)),
                await S.verifySignature(un(v.spki), te.encode("message digesT"), un(v.sigDer))];
  // Annex C: decryption of "encryption standard"
  const plain = L.sm2.doDecrypt(v.c1 + v.c3 + v.c2, v.d.toLowerCase(), 1, {output: "array"});
  out.decrypted = new TextDecoder().decode(plain);
  return out;
}
"""


@browser
def test_standard_examples_in_the_browser(sm_page: Any) -> None:
    spki = suites.SM2PublicKey.from_point(bytes.fromhex(STD_PUB)).spki_der()
    sig_der = suites.der_signature(int(STD_R, 16), int(STD_S, 16))
    out = sm_page.evaluate(
        STANDARD_JS,
        [
            {
                "gcm": RFC8998,
                "d": STD_D,
                "k": STD_K,
                "spki": spki.hex(),
                "sigDer": sig_der.hex(),
                "c1": STD_C1,
                "c3": STD_C3,
                "c2": STD_C2,
            }
        ],
    )
    assert out["sm3"] == [
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
    ]
    assert out["sm4"] == "681edf34d206965e86b3e94f536e4246"
    assert out["gcm"] == [RFC8998["ct"].lower(), RFC8998["tag"].lower()]
    assert out["gcmOpen"] == RFC8998["pt"].lower() and out["gcmTampered"] == "refused"
    assert out["pub"] == STD_PUB.lower()
    assert out["sig"] == sig_der.hex()
    assert out["verify"] == [True, False]
    assert out["decrypted"] == "encryption standard"


@browser
def test_browser_sm3_streams_like_python(sm_page: Any) -> None:
    data = os.urandom(5000)
    got = sm_page.evaluate(
        """([b64, cuts]) => {
          const S = window.GgzySealing;
          const bytes = S.fromBase64(b64);
          return cuts.map(([n, step]) => {
            const h = new S.Sm3();
            for (let i = 0; i < n; i += step) h.update(bytes.subarray(i, Math.min(n, i + step)));
            return S.toHex(h.digest());
          });
        }""",
        [b64(data), [[0, 1], [3, 1], [55, 55], [56, 7], [63, 64], [64, 64], [65, 13], [5000, 999]]],
    )
    assert got == [suites.sm3(data[:n]).hex() for n in (0, 3, 55, 56, 63, 64, 65, 5000)]


# ----------------------------------------------------------------------------- envelope vectors

VECTOR_JS = """
async ([v]) => {
  const S = window.GgzySealing, I = v.inputs;
  const enc = await S.importPkcs8(I.bidder_encryption_key_pkcs8);
  const sig = await S.importPkcs8(I.signer_key_pkcs8);
  const esc = I.escrow_key_pkcs8 ? await S.importPkcs8(I.escrow_key_pkcs8) : null;
  const r = await S.sealFile(new Blob([S.fromHex(I.file_hex)]), {
    section: I.section, bidder: I.bidder, summary: I.summary, fileName: I.file_name,
    mediaType: I.media_type, bidderPublicKey: enc.publicKey,
    escrowPublicKey: esc ? esc.publicKey : undefined, signingKey: sig.ecdsa,
    chunkSize: I.chunk_size, createdAt: new Date(I.created_at),
    randomness: {contentKey: I.content_key, noncePrefix: I.nonce_prefix,
                 ephemeralScalars: I.ephemeral_scalars, signatureK: I.signature_k},
  });
  const bytes = new Uint8Array(await r.blob.arrayBuffer());
  const keys = [S.toHex(await S.unwrapContentKey(r.blob, enc.ecdh))];
  if (esc) keys.push(S.toHex(await S.unwrapContentKey(r.header, esc.ecdh, esc.publicKey)));
  return {env: S.toHex(bytes), sha: r.envelopeSha256, sm3: S.toHex(new S.Sm3().update(bytes).digest()),
          header: S.canonicalJson(r.header), keys, suite: enc.suite,
          signer: await S.keyId(sig.signingPublicKey)};
}
"""


@browser
@pytest.mark.parametrize("index", [0, 1])
def test_browser_reproduces_the_sm_envelope_vectors(sm_page: Any, index: int) -> None:
    vector = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"][index]
    got = sm_page.evaluate(VECTOR_JS, [vector])
    env = bytes.fromhex(vector["envelope_hex"])
    assert got["suite"] == "sm"
    assert got["header"] == vector["intermediate"]["header_json"]
    assert got["env"] == vector["envelope_hex"]  # byte for byte
    assert got["sm3"] == vector["envelope_sm3"] == suites.sm3(env).hex()
    assert got["sha"] == hashlib.sha256(env).hexdigest()
    assert got["signer"] == json.loads(vector["intermediate"]["header_json"])["signer"]
    assert got["keys"] == [vector["inputs"]["content_key"]] * (
        2 if vector["inputs"]["escrow_key_pkcs8"] else 1
    )


# ----------------------------------------------------------------------------- interop

SEAL_JS = """
async ([encPem, sigPem, escrowPem, chunkSize, useSink, section, bidder, summary]) => {
  const S = window.GgzySealing;
  const enc = await S.importPkcs8(encPem);
  const sig = await S.importPkcs8(sigPem);
  const file = document.getElementById("bid").files[0];
  const pieces = [];
  let progress = 0;
  const result = await S.sealFile(file, {
    section, bidder, summary,
    bidderPublicKey: enc.publicKey, escrowPublicKey: escrowPem || undefined,
    signingKey: sig.ecdsa, signerPublicKey: sig.signingPublicKey,
    chunkSize, createdAt: new Date("2026-11-20T10:00:00Z"),
    sink: useSink ? async (b) => { pieces.push(b); } : undefined,
    onProgress: (done, total) => { progress = done / total; },
  });
  const blob = result.blob || new Blob(pieces);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return {env: S.toBase64(bytes), sha: result.envelopeSha256, size: result.size, progress,
          suite: result.header.suite, pieces: pieces.length};
}
"""


def chain_message(env: bytes) -> tuple[bytes, bytes]:
    """(signature message M, DER signature), recomputed from the file with the SM3 chain."""
    header_len = struct.unpack(">I", env[8:12])[0]
    header_bytes = env[12 : 12 + header_len]
    header = json.loads(header_bytes)
    n = -(-header["payload_size"] // header["chunk_size"])
    digest, pos = suites.sm3(header_bytes), 12 + header_len
    for i in range(n):
        size = min(header["chunk_size"], header["payload_size"] - i * header["chunk_size"]) + 16
        digest = suites.sm3(digest + env[pos : pos + size])
        pos += size
    sig_len = struct.unpack(">H", env[pos : pos + 2])[0]
    assert pos + 2 + sig_len == len(env)
    return E.signature_message(digest), env[pos + 2 :]


@browser
@pytest.mark.parametrize(
    ("size", "chunk_size", "use_sink", "with_escrow"),
    [(3 * 1024 * 1024 + 17, 1 << 20, False, True), (70_001, 4096, True, False), (0, 256, False, True)],
)
def test_browser_seals_sm_python_verifies_unwraps_and_opens(
    sm_page: Any, tmp_path: Path, size: int, chunk_size: int, use_sink: bool, with_escrow: bool
) -> None:
    enc, sig = sm_key(), sm_key()
    escrow = shamir.generate_escrow(k=2, n=3, suite="sm") if with_escrow else None
    data = os.urandom(size)
    bid = tmp_path / "投标文件.pdf"
    bid.write_bytes(data)
    sm_page.set_input_files("#bid", str(bid))
    out = sm_page.evaluate(
        SEAL_JS,
        [
            enc.private_pem.decode(),
            sig.private_pem.decode(),
            escrow.public_key_pem.decode() if escrow else "",
            chunk_size,
            use_sink,
            SECTION,
            BIDDER,
            SUMMARY,
        ],
    )
    env = base64.b64decode(out["env"])
    assert out["suite"] == "sm"
    assert out["size"] == len(env)
    assert out["sha"] == hashlib.sha256(env).hexdigest()
    assert out["progress"] == 1 or size == 0
    if use_sink:
        assert out["pieces"] == 2 + -(-(256 + size + 32) // chunk_size)

    verified = E.verify_envelope(
        io.BytesIO(env), signer=sig.public_pem, expect_section=SECTION, expect_bidder=BIDDER
    )
    assert verified.header.suite == "sm" and verified.header.chunk_size == chunk_size
    ck = E.unwrap_content_key(verified.header, kit.load_private_key(enc.private_pem))
    assert len(ck) == 16
    plain = io.BytesIO()
    opened = E.open_envelope(io.BytesIO(env), plain, content_key=ck, signer=sig.public_pem)
    assert plain.getvalue() == data
    assert opened.file_name == "投标文件.pdf" and opened.summary == SUMMARY
    # (open_envelope checked the payload's SM3 file hash; file_sha256 is the storage record)
    assert opened.file_sha256 == hashlib.sha256(data).hexdigest()
    if escrow:
        assert (
            E.unwrap_content_key(verified.header, shamir.combine_private_key(list(escrow.shares[1:]))) == ck
        )
    else:
        assert not verified.header.backup_decryption
    # An independent verifier of the browser's SM2 signature: OpenSSL (distid = the default id).
    openssl = shutil.which("openssl")
    if openssl and size == 70_001:
        message, signature = chain_message(env)
        (tmp_path / "m.bin").write_bytes(message)
        (tmp_path / "sig.der").write_bytes(signature)
        (tmp_path / "pub.pem").write_bytes(sig.public_pem)
        args = [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), "-rawin"]
        args += ["-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-in", str(tmp_path / "m.bin")]
        args += ["-sigfile", str(tmp_path / "sig.der")]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        assert "Signature Verified Successfully" in done.stdout, done.stdout + done.stderr


UNWRAP_JS = """
async ([envB64, keyPem, password]) => {
  const S = window.GgzySealing;
  const keys = await S.importPrivateKeyFile(new TextEncoder().encode(keyPem), password);
  const blob = new Blob([S.fromBase64(envB64)]);
  const header = await S.readHeader(blob);
  const key = await S.unwrapContentKey(blob, keys.ecdh, keys.publicKey);
  return {key: S.toHex(key), section: header.section, suite: keys.suite};
}
"""


@browser
@pytest.mark.parametrize("password", [None, b"kit-password"])
def test_python_seals_sm_browser_unwraps_python_opens(sm_page: Any, password: bytes | None) -> None:
    enc = sm_key(password)
    signer = kit.load_private_key(sm_key().private_pem)
    escrow = shamir.generate_escrow(k=2, n=3, suite="sm")
    data = os.urandom(50_000)
    env = python_seal(data, bidder_public=enc.public_pem, signer=signer, escrow_pem=escrow.public_key_pem)
    env_b64 = b64(env)
    got = sm_page.evaluate(UNWRAP_JS, [env_b64, enc.private_pem.decode(), (password or b"").decode()])
    assert got["section"] == SECTION and got["suite"] == "sm" and len(got["key"]) == 32
    # the escrow key reassembled from two shares unwraps too, in the browser
    escrow_pem = sm2_pem(shamir.combine_private_key(list(escrow.shares[:2])))  # type: ignore[arg-type]
    assert sm_page.evaluate(UNWRAP_JS, [env_b64, escrow_pem, ""])["key"] == got["key"]
    plain = io.BytesIO()
    opened = E.open_envelope(
        io.BytesIO(env), plain, content_key=bytes.fromhex(got["key"]), signer=signer.public
    )
    assert plain.getvalue() == data and opened.summary == {"bid_price": "1234.50"}


@browser
def test_browser_generated_sm2_key_round_trip(sm_page: Any, tmp_path: Path) -> None:
    """An SM2 key generated in the browser: its backup (plain, and PBES2 with SM4-CBC) loads in
    Python and OpenSSL; Python seals to its public key; the browser unwraps with it."""
    got = sm_page.evaluate(
        """async () => {
          const S = window.GgzySealing;
          window.__keys = await S.generateKey("sm");
          const body = window.__keys.pkcs8Pem.replace(/-----[^-]+-----/g, "").replace(/\\s+/g, "");
          const der = S.fromBase64(body);
          return {pub: window.__keys.publicPem, backup: window.__keys.pkcs8Pem, suite: window.__keys.suite,
                  encrypted: await S.encryptPkcs8(der, "备份密码-123", "sm4-cbc"),
                  keyId: await S.keyId(window.__keys.publicKey)};
        }"""
    )
    assert got["suite"] == "sm"
    key = kit.load_private_key(got["backup"].encode())
    assert isinstance(key, suites.SM2PrivateKey)
    assert kit.load_private_key(got["encrypted"].encode(), "备份密码-123".encode()) == key
    assert got["encrypted"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert E.key_id(key.public) == got["keyId"]
    assert suites.SM_SUITE.public_pem(key.public).decode() == got["pub"]
    openssl = shutil.which("openssl")
    if openssl:
        (tmp_path / "k.pem").write_text(got["encrypted"])
        done = subprocess.run(
            [openssl, "pkey", "-in", str(tmp_path / "k.pem"), "-passin", "pass:备份密码-123", "-pubout"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.stdout == got["pub"], done.stderr
    signer = kit.load_private_key(sm_key().private_pem)
    data = b"browser SM2 key bid " * 1000
    env = python_seal(data, bidder_public=got["pub"].encode(), signer=signer)
    key_hex = sm_page.evaluate(
        """async (envB64) => {
          const S = window.GgzySealing;
          const key = await S.unwrapContentKey(new Blob([S.fromBase64(envB64)]), window.__keys.ecdh);
          return S.toHex(key);
        }""",
        b64(env),
    )
    assert E.unwrap_content_key(E.read_header(io.BytesIO(env)), key).hex() == key_hex
    plain = io.BytesIO()
    E.open_envelope(io.BytesIO(env), plain, content_key=bytes.fromhex(key_hex))
    assert plain.getvalue() == data


# ----------------------------------------------------------------------------- refusals

REFUSE_JS = """
async ([envB64, encPem, otherPem, intlPem, intlEnvB64, escrowIntlPem, zeroPem]) => {
  const S = window.GgzySealing;
  const enc = await S.importPkcs8(encPem);
  const other = await S.importPkcs8(otherPem);
  const intl = await S.importPkcs8(intlPem);
  const header = await S.readHeader(new Blob([S.fromBase64(envB64)]));
  const edited = (f) => { const h = JSON.parse(JSON.stringify(header)); f(h); return h; };
  const flip = (text, at) => { const b = S.fromBase64(text); b[at] ^= 1; return S.toBase64(b); };
  const file = new Blob(["x"]);
  const attempts = [
    () => S.unwrapContentKey(header, other.ecdh),
    () => S.unwrapContentKey(header, intl.ecdh, intl.publicKey),
    () => S.unwrapContentKey(edited((h) => { h.created_at = "2026-11-21T00:00:00Z"; }), enc.ecdh),
    () => S.unwrapContentKey(edited((h) => {
      h.recipients[0].wrapped_key = flip(h.recipients[0].wrapped_key, 40); }), enc.ecdh),
    () => S.unwrapContentKey(edited((h) => {
      h.recipients[0].ephemeral = flip(h.recipients[0].ephemeral, 64); }), enc.ecdh),
    () => S.unwrapContentKey(edited((h) => {
      h.key_check = h.key_check.replace(/^./, (c) => c === "A" ? "B" : "A"); }), enc.ecdh),
    () => S.unwrapContentKey(header, enc.ecdh, other.publicKey),
    () => S.unwrapContentKey(new Blob([S.fromBase64(intlEnvB64)]), enc.ecdh),
    () => S.sealFile(file, {section: "S1", bidder: "B1", bidderPublicKey: enc.publicKey,
                           signingKey: intl.ecdsa, signerKeyId: "0".repeat(64)}),
    () => S.sealFile(file, {section: "S1", bidder: "B1", bidderPublicKey: enc.publicKey,
                           escrowPublicKey: escrowIntlPem, signingKey: enc.ecdsa}),
    () => S.sealFile(file, {suite: "sm", section: "S1", bidder: "B1", bidderPublicKey: intl.publicKey,
                           signingKey: enc.ecdsa}),
    () => S.importPublicKey(S.fromHex(
      "3059301306072a8648ce3d020106082a811ccf5501822d03420004" + "00".repeat(64))),
    () => S.importPrivateKeyFile(new TextEncoder().encode(zeroPem), ""),
  ];
  const out = [];
  for (const attempt of attempts) {
    try { await attempt(); out.push("no error"); } catch (e) { out.push(e.message); }
  }
  return out;
}
"""


def zero_scalar_pem() -> str:
    """A PKCS#8 SM2 key file whose private scalar is 0 (invalid), without a public key."""
    d = suites.der
    ec_private = d(0x30, suites.der_int(1) + d(0x04, bytes(32)))
    algorithm = d(0x30, suites.OID_EC_PUBLIC_KEY + suites.OID_SM2_CURVE)
    return suites.pem_encode(
        "PRIVATE KEY", d(0x30, suites.der_int(0) + algorithm + d(0x04, ec_private))
    ).decode()


@browser
def test_browser_refuses_what_it_must_with_chinese_messages(sm_page: Any) -> None:
    enc, other = sm_key(), sm_key()
    intl = kit.generate_key()
    signer = kit.load_private_key(sm_key().private_pem)
    env = python_seal(b"x" * 300, bidder_public=enc.public_pem, signer=signer)
    intl_env = python_seal(b"y", bidder_public=intl.public_pem, signer=kit.load_private_key(intl.private_pem))
    messages = sm_page.evaluate(
        REFUSE_JS,
        [
            b64(env),
            enc.private_pem.decode(),
            other.private_pem.decode(),
            intl.private_pem.decode(),
            b64(intl_env),
            intl.public_pem.decode(),
            zero_scalar_pem(),
        ],
    )
    assert messages == [
        "此私钥不是该信封的接收方",
        "该信封使用国密 sm 套件：请用 SM2 投标加密私钥解密",
        # the wrap is bound to the header: an edited header no longer matches the binding
        "内容密钥封装与信封头不符（被复制到其他信封或信封头被修改）",
        "内容密钥封装认证失败（信封头被修改或封装损坏）",  # C3 check of SM2 decryption
        "内容密钥封装认证失败（信封头被修改或封装损坏）",  # C1 not on the curve
        # key_check is part of the core: the binding refuses an edited commitment first
        "内容密钥封装与信封头不符（被复制到其他信封或信封头被修改）",
        "公钥与私钥不匹配",
        "该信封使用 intl 套件（P-256）：SM2 私钥不能解密",
        "sm 套件的信封须用 SM2 私钥签名（本单位绑定的 SM2 数字证书的私钥）",
        "无法读取公钥（应为 SM2 的 SPKI PEM/DER 公钥）",
        "无法读取公钥（应为 SM2 的 SPKI PEM/DER 公钥）",
        "公钥不是 SM2 曲线上的有效点",
        "SM2 私钥超出范围",  # d = 0
    ]


@browser
def test_browser_refuses_a_wrong_password_and_reads_aes_protected_sm2_keys(sm_page: Any) -> None:
    enc = sm_key(b"right")
    messages = sm_page.evaluate(
        """async ([pem]) => {
          const S = window.GgzySealing, bytes = new TextEncoder().encode(pem), out = [];
          for (const pw of ["", "wrong"]) {
            try { await S.importPrivateKeyFile(bytes, pw); out.push("no error"); }
            catch (e) { out.push(e.message); }
          }
          out.push((await S.importPrivateKeyFile(bytes, "right")).suite);
          return out;
        }""",
        [enc.private_pem.decode()],
    )
    assert messages == ["该密钥文件有密码保护：请输入密码", "密钥文件的密码不正确", "sm"]


# ----------------------------------------------------------------------------- receipts


@browser
def test_browser_verifies_sm2_receipts_and_refuses_forgeries(sm_page: Any) -> None:
    key = suites.SMSigningKey.generate()
    receipt = receipts.issue_receipt(
        key,
        section=SECTION,
        bidder=BIDDER,
        envelope_sha256="ab" * 32,
        server_time=dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC),
        sequence=7,
    )
    body = receipt.body()
    assert body["suite"] == "sm"
    results = sm_page.evaluate(
        """async ([pem, body, sigB64]) => {
          const S = window.GgzySealing, te = new TextEncoder();
          const pub = await S.importPublicKey(pem, "ecdsa");
          const msg = te.encode(S.canonicalJson(body));
          const sig = S.fromBase64(sigB64);
          const other = await S.generateKey("sm");
          const tweak = (i) => { const b = new Uint8Array(sig); b[i] ^= 1; return b; };
          return [
            await S.verifySignature(pub, msg, sig),
            await S.verifySignature(pem, msg, sig),
            await S.verifySignature(pub, te.encode(S.canonicalJson({...body, sequence: 8})), sig),
            await S.verifySignature(other.publicKey, msg, sig),
            await S.verifySignature(pub, msg, tweak(sig.length - 1)),
            await S.verifySignature(pub, msg, tweak(0)),
            await S.verifySignature(pub, msg, new Uint8Array([0x30, 6, 2, 1, 0, 2, 1, 1])),
            await S.verifySignature(pub, msg, new Uint8Array(0)),
            pub.suite,
          ];
        }""",
        [key.public_pem().decode(), body, receipt.signature],
    )
    assert results == [True, True, False, False, False, False, False, False, "sm"]
    # and what the browser accepts, the Python verifier accepts
    assert receipts.verify_receipt(key.public_pem(), receipt.to_json()).sequence == 7


def test_pages_load_the_vendored_file_before_sealing_js() -> None:
    """Static guard for the page wiring: the bidder page loads the vendored file before
    sealing.js, and so do the opening hall (which unwraps sm content keys) and the agency notice
    signing page (which signs SM2)."""
    root = HERE.parents[1]
    for template in (
        "trading/templates/trading/bid.html",
        "opening/templates/opening/hall.html",
        "publishing/templates/publishing/agency_notice_detail.html",
    ):
        text = (root / template).read_text(encoding="utf-8")
        vendored = text.index("ggzy/js/vendor/sm-crypto-v2/sm-crypto-v2-1.15.1.umd.js")
        assert vendored < text.index("ggzy/js/sealing.js")
        assert re.search(r'sm-crypto-v2-1\.15\.1\.umd\.js\' %}" nonce="\{\{ csp_nonce \}\}"', text)
