/*
 * sealing.js — seal a bid in the browser, format ggzy-envelope/1, suites `intl` (WebCrypto: P-256,
 * AES-256-GCM, SHA-256) and `sm` (商用密码: SM2, SM4-GCM, SM3). The format is specified in
 * docs/formats/sealed-envelope.md; the Python reference is ggzy/sealing/envelope.py. Loaded with the
 * CSP nonce; no inline code, no eval. The `sm` suite needs the vendored sm-crypto-v2 build
 * (ggzy/js/vendor/sm-crypto-v2/, window.SmCryptoV2) loaded before this file; `intl` works without it.
 * docs/adr/0030-browser-sm-suite.md explains the library choice and what runs where.
 *
 * API (window.GgzySealing):
 *
 *   sealFile(file: Blob, opts) -> Promise<{blob: Blob|null, header: object,
 *                                         envelopeSha256: string|null, size: number}>
 *     Reads the file in chunk-size slices (Blob.slice), so memory stays constant for a 1 GB bid.
 *     opts: section, bidder (header strings: printable ASCII, no space/quote/backslash),
 *       summary (object), fileName, mediaType,
 *       suite ("intl" | "sm"; default: the suite of bidderPublicKey, else "intl"),
 *       bidderPublicKey (intl: CryptoKey ECDH public, or SPKI PEM/DER, or raw 65-byte point;
 *         sm: an SM2 public key object from importPublicKey/importPkcs8/generateKey, or SPKI PEM/DER),
 *       escrowPublicKey (same forms; omit when the section has no backup decryption),
 *       signingKey (intl: CryptoKey ECDSA P-256 private — e.g. from GgzyCertSign.loadKey or
 *         importPkcs8; sm: the SM2 private key object from importPkcs8/importPrivateKeyFile),
 *       signerPublicKey (the signing key's public key, same forms) — or signerKeyId (64 hex, the
 *         key_id of the bound certificate's public key, e.g. rendered by the server),
 *       chunkSize (default 1 MiB), createdAt (Date, default now),
 *       sink (optional async function(Uint8Array): receives the envelope piece by piece, e.g. to
 *             upload it; without a sink the envelope is returned as a Blob),
 *       onProgress (optional function(doneBytes, totalBytes)),
 *       envelopeHash (default true: compute the envelope's SHA-256 to compare with the receipt;
 *         false skips it, about a third faster),
 *       randomness (TEST VECTORS ONLY, like envelope.seal(randomness=…)): {contentKey, noncePrefix
 *         (hex or bytes), ephemeralScalars (sm: hex scalars, one per recipient), signatureK (sm: hex)}.
 *   readHeader(envelope: Blob) -> Promise<object>   the clear-text header (parsed JSON)
 *   unwrapContentKey(envelope: Blob|object header, privateKey, publicKey) ->
 *       Promise<Uint8Array>   the content key to hand to the server at the opening (32 bytes for
 *       intl, 16 for sm). intl: privateKey a CryptoKey ECDH; sm: the SM2 private key object (its
 *       public key is derived from it; publicKey may be omitted). The header's suite decides.
 *   importPkcs8(pemOrDer) -> Promise<{suite, ecdh, ecdsa, publicKey, signingPublicKey}>
 *       intl: private keys imported NON-extractable (once for ECDH, once for ECDSA).
 *       sm (the algorithm identifier names the SM2 curve): ecdh and ecdsa are both the SM2 private
 *       key object {suite: "sm", type: "private", …} — a JavaScript value, not a CryptoKey.
 *   importPrivateKeyFile(bytes: Uint8Array, password?) -> Promise<same as importPkcs8>
 *       PKCS#8 PEM/DER, SEC1 ("EC PRIVATE KEY"), encrypted PKCS#8 (PBES2: PBKDF2 with HMAC-SHA-1/
 *       256/384/512 or HMAC-SM3, and AES-256-CBC, AES-128-CBC or SM4-CBC, as `ggzy bid keygen
 *       --password-file`, OpenSSL and GmSSL write), or PKCS#12 whose key bag is plain or PBES2.
 *   generateKey(suite = "intl") -> Promise<{suite, pkcs8Pem, publicPem, ecdh, ecdsa, publicKey,
 *       signingPublicKey}>
 *       intl: a new P-256 key: pkcs8Pem is the one-time backup export; the CryptoKeys are
 *       non-extractable and can be stored in IndexedDB (structured clone keeps them non-extractable).
 *       sm: a new SM2 key (random scalar from crypto.getRandomValues); there is no non-extractable
 *       form, so callers keep only the public key and the backup file.
 *   importPublicKey(data, usage "ecdh"|"ecdsa") -> Promise<CryptoKey | SM2 public key object>
 *   keyId(publicKey) -> Promise<string>  SHA-256 (intl) or SM3 (sm) hex of the SPKI DER
 *   verifySignature(publicKey, message, derSignature) -> Promise<boolean>  ECDSA P-256/SHA-256 or
 *       SM2 (user id 1234567812345678), DER; garbage gives false
 *   sign(privateKey, message: Uint8Array) -> Promise<Uint8Array>  DER signature: SM2 over
 *       SM3(Z_A ‖ message) with user id 1234567812345678 (the SM2 private key object; checked with
 *       verifySignature before it is returned), or ECDSA P-256/SHA-256 (a CryptoKey ECDSA). Used
 *       for detached signatures outside envelopes, e.g. agency notices (agency-sign.js).
 *   encryptPkcs8(der, password, cipher "aes-256-cbc"|"sm4-cbc") -> Promise<string> PEM
 *   decryptPkcs8(der, password) -> Promise<Uint8Array>   (PBES2 EncryptedPrivateKeyInfo)
 *   Helpers: toHex, fromHex, toBase64, fromBase64, canonicalJson, Sha256 and Sm3 (incremental,
 *   because WebCrypto's digest is one-shot, has no SM3, and the file hash must stream).
 * Errors are thrown as Error with a Chinese message.
 */
(function () {
  "use strict";

  var VERSION = "ggzy-envelope/1";
  var MAGIC = "GGZY-ENV";
  var META_ALIGN = 256;
  var TAG = 16;
  var subtle = window.crypto && window.crypto.subtle;
  var te = new TextEncoder();
  var SAFE_TEXT = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

  function fail(message) {
    throw new Error(message);
  }

  // ------------------------------------------------------------------ bytes

  function concat(parts) {
    var n = 0;
    parts.forEach(function (p) { n += p.length; });
    var out = new Uint8Array(n);
    var o = 0;
    parts.forEach(function (p) { out.set(p, o); o += p.length; });
    return out;
  }
  function u32(n) {
    var b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    return b;
  }
  function u16(n) {
    var b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, n);
    return b;
  }
  function toHex(u8) {
    var s = "";
    for (var i = 0; i < u8.length; i++) s += (u8[i] < 16 ? "0" : "") + u8[i].toString(16);
    return s;
  }
  function fromHex(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }
  function toBase64(u8) {
    var s = "";
    for (var i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
    return btoa(s);
  }
  function fromBase64(text) {
    var s = atob(text);
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function pemBody(text) {
    return fromBase64(text.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
  }
  function asBytes(data) {
    if (typeof data === "string") return data.indexOf("-----") >= 0 ? pemBody(data) : te.encode(data);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    return data;
  }
  async function sha256(u8) {
    return new Uint8Array(await subtle.digest("SHA-256", u8));
  }

  // Canonical JSON: keys sorted, no whitespace, UTF-8 (JSON.stringify escapes only what Python's
  // json.dumps(ensure_ascii=False) escapes for the characters headers may contain).
  function canonicalJson(value) {
    if (value === null || typeof value !== "object") {
      if (typeof value === "number" && !isFinite(value)) fail("JSON 中不能有 NaN 或无穷大");
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
    return "{" + Object.keys(value).sort().map(function (k) {
      return JSON.stringify(k) + ":" + canonicalJson(value[k]);
    }).join(",") + "}";
  }

  // ------------------------------------------------------------------ incremental SHA-256

  var K256 = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);

  function Sha256() {
    this.h = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    ]);
    this.w = new Uint32Array(64);
    this.buf = new Uint8Array(64);
    this.bufLen = 0;
    this.total = 0;
  }
  Sha256.prototype._blocks = function (data, off, end) {
    var w = this.w, h = this.h;
    var a, b, c, d, e, f, g, hh, i, t1, t2, x, y;
    while (off + 64 <= end) {
      for (i = 0; i < 16; i++) {
        var j = off + i * 4;
        w[i] = (data[j] << 24) | (data[j + 1] << 16) | (data[j + 2] << 8) | data[j + 3];
      }
      for (i = 16; i < 64; i++) {
        x = w[i - 15];
        y = w[i - 2];
        w[i] = (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) +
          w[i - 7] + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) + w[i - 16];
      }
      a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
      for (i = 0; i < 64; i++) {
        t1 = (hh + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & f) ^ (~e & g)) + K256[i] + w[i]) | 0;
        t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
          ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
      off += 64;
    }
    return off;
  };
  Sha256.prototype.update = function (data) {
    var off = 0, n = data.length;
    this.total += n;
    if (this.bufLen) {
      var take = Math.min(64 - this.bufLen, n);
      this.buf.set(data.subarray(0, take), this.bufLen);
      this.bufLen += take;
      off = take;
      if (this.bufLen < 64) return this;
      this._blocks(this.buf, 0, 64);
      this.bufLen = 0;
    }
    off = this._blocks(data, off, n);
    if (off < n) {
      this.buf.set(data.subarray(off, n), 0);
      this.bufLen = n - off;
    }
    return this;
  };
  Sha256.prototype.digest = function () {
    var bits = this.total * 8;
    var pad = new Uint8Array(((this.bufLen < 56) ? 56 : 120) - this.bufLen + 8);
    pad[0] = 0x80;
    var dv = new DataView(pad.buffer);
    dv.setUint32(pad.length - 8, Math.floor(bits / 0x100000000));
    dv.setUint32(pad.length - 4, bits >>> 0);
    this.total -= pad.length; // padding is not message length
    this.update(pad);
    var out = new Uint8Array(32);
    var ov = new DataView(out.buffer);
    for (var i = 0; i < 8; i++) ov.setUint32(i * 4, this.h[i]);
    return out;
  };

  // ------------------------------------------------------------------ incremental SM3 (GB/T 32905)

  var SM3_IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];
  function rotl(x, n) { return (x << n) | (x >>> (32 - n)); }
  var SM3_T = new Uint32Array(64);
  for (var tj = 0; tj < 64; tj++) SM3_T[tj] = rotl(tj < 16 ? 0x79cc4519 : 0x7a879d8a, tj % 32);

  function Sm3() {
    this.h = new Uint32Array(SM3_IV);
    this.w = new Uint32Array(68);
    this.buf = new Uint8Array(64);
    this.bufLen = 0;
    this.total = 0;
  }
  Sm3.prototype._blocks = function (data, off, end) {
    var w = this.w, h = this.h;
    var a, b, c, d, e, f, g, hh, j, x, a12, ss1, tt1, tt2;
    while (off + 64 <= end) {
      for (j = 0; j < 16; j++) {
        var k = off + j * 4;
        w[j] = (data[k] << 24) | (data[k + 1] << 16) | (data[k + 2] << 8) | data[k + 3];
      }
      for (j = 16; j < 68; j++) {
        x = w[j - 16] ^ w[j - 9] ^ rotl(w[j - 3], 15);
        w[j] = x ^ rotl(x, 15) ^ rotl(x, 23) ^ rotl(w[j - 13], 7) ^ w[j - 6];
      }
      a = h[0] | 0; b = h[1] | 0; c = h[2] | 0; d = h[3] | 0; e = h[4] | 0; f = h[5] | 0; g = h[6] | 0; hh = h[7] | 0;
      for (j = 0; j < 64; j++) {
        a12 = rotl(a, 12);
        ss1 = rotl((a12 + e + SM3_T[j]) | 0, 7);
        if (j < 16) {
          tt1 = ((a ^ b ^ c) + d + (ss1 ^ a12) + (w[j] ^ w[j + 4])) | 0;
          tt2 = ((e ^ f ^ g) + hh + ss1 + w[j]) | 0;
        } else {
          tt1 = (((a & b) | (a & c) | (b & c)) + d + (ss1 ^ a12) + (w[j] ^ w[j + 4])) | 0;
          tt2 = (((e & f) | (~e & g)) + hh + ss1 + w[j]) | 0;
        }
        d = c; c = rotl(b, 9); b = a; a = tt1;
        hh = g; g = rotl(f, 19); f = e; e = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17);
      }
      h[0] ^= a; h[1] ^= b; h[2] ^= c; h[3] ^= d; h[4] ^= e; h[5] ^= f; h[6] ^= g; h[7] ^= hh;
      off += 64;
    }
    return off;
  };
  // Same Merkle–Damgård padding and big-endian output as SHA-256.
  Sm3.prototype.update = Sha256.prototype.update;
  Sm3.prototype.digest = Sha256.prototype.digest;
  function sm3(u8) { return new Sm3().update(u8).digest(); }

  // ------------------------------------------------------------------ DER (just enough for keys)

  function derLen(n) {
    if (n < 0x80) return new Uint8Array([n]);
    if (n < 0x100) return new Uint8Array([0x81, n]);
    return new Uint8Array([0x82, n >> 8, n & 255]);
  }
  function tlv(tag, body) { return concat([new Uint8Array([tag]), derLen(body.length), body]); }
  function derIntSmall(v) {
    var bytes = [];
    while (v > 0) { bytes.unshift(v & 255); v = Math.floor(v / 256); }
    if (!bytes.length || bytes[0] & 0x80) bytes.unshift(0);
    return tlv(0x02, new Uint8Array(bytes));
  }
  function readTlv(buf, at) {
    if (at + 2 > buf.length) throw new Error("der");
    var tag = buf[at], len = buf[at + 1], hdr = 2;
    if (len & 0x80) {
      var n = len & 0x7f;
      if (n < 1 || n > 3) throw new Error("der");
      len = 0;
      for (var i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i];
      hdr = 2 + n;
    }
    if (at + hdr + len > buf.length) throw new Error("der");
    return { tag: tag, body: buf.subarray(at + hdr, at + hdr + len), end: at + hdr + len };
  }
  function derWhole(buf, tag) {
    var t = readTlv(buf, 0);
    if (t.tag !== tag || t.end !== buf.length) throw new Error("der");
    return t.body;
  }
  function derChildren(body) {
    var out = [], at = 0;
    while (at < body.length) { var t = readTlv(body, at); out.push(t); at = t.end; }
    return out;
  }
  function tlvBytes(t) { return tlv(t.tag, t.body); }
  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  var OID_EC_PUBLIC_KEY = fromHex("06072a8648ce3d0201");   // 1.2.840.10045.2.1
  var OID_SM2_CURVE = fromHex("06082a811ccf5501822d");      // 1.2.156.10197.1.301
  var OID_PBES2 = fromHex("06092a864886f70d01050d");
  var OID_PBKDF2 = fromHex("06092a864886f70d01050c");
  var OID_HMAC_SHA256 = fromHex("06082a864886f70d0209");
  var OID_SM4_CBC = fromHex("06082a811ccf55016802");        // 1.2.156.10197.1.104.2
  var OID_AES256_CBC = fromHex("060960864801650304012a");
  var OID_AES128_CBC = fromHex("0609608648016503040102");   // 2.16.840.1.101.3.4.1.2
  var OID_HMAC_SHA1 = fromHex("06082a864886f70d0207");      // PBKDF2's default PRF (RFC 8018)
  var OID_HMAC_SHA384 = fromHex("06082a864886f70d020a");
  var OID_HMAC_SHA512 = fromHex("06082a864886f70d020b");
  var OID_HMAC_SM3 = fromHex("06092a811ccf5501831102");     // 1.2.156.10197.1.401.2 (GmSSL)
  var OID_PKCS7_DATA = fromHex("06092a864886f70d010701");
  var OID_P12_KEY_BAG = fromHex("060b2a864886f70d010c0a0101");
  var OID_P12_SHROUDED_KEY_BAG = fromHex("060b2a864886f70d010c0a0102");
  var PBE_PRFS = [[OID_HMAC_SHA1, "SHA-1"], [OID_HMAC_SHA256, "SHA-256"], [OID_HMAC_SHA384, "SHA-384"],
    [OID_HMAC_SHA512, "SHA-512"], [OID_HMAC_SM3, "SM3"]];
  var PBE_CIPHERS = [[OID_AES256_CBC, "aes", 256], [OID_AES128_CBC, "aes", 128], [OID_SM4_CBC, "sm4", 128]];
  var PBE_UNSUPPORTED = "不支持此密钥文件的加密方式（支持 PBES2：PBKDF2 + AES-256-CBC、AES-128-CBC 或 SM4-CBC）。" +
    "请用 openssl pkcs8 -topk8 -v2 aes-256-cbc（国密 SM2 密钥用 -v2 sm4-cbc）重新导出后再试";
  var SM2_SPKI_PREFIX = concat([fromHex("3059301306072a8648ce3d020106082a811ccf5501822d034200")]);
  var PBKDF2_ITERATIONS = 600000;

  // ------------------------------------------------------------------ SM2 keys (suite sm)

  var SM2_N = BigInt("0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
  var SM2_USER_ID = "1234567812345678";  // GB/T 35276-2017 default; every ggzy signature uses it

  function smLib() {
    var L = window.SmCryptoV2;
    if (!L || !L.sm2 || !L.sm4 || !L.kdf) fail("本页未加载国密算法库（sm-crypto-v2），无法使用国密 sm 套件");
    return L;
  }
  function isSmPublic(k) { return !!k && k.suite === "sm" && k.type === "public" && k.point instanceof Uint8Array; }
  function isSmPrivate(k) { return !!k && k.suite === "sm" && k.type === "private" && typeof k.d === "string"; }

  // An SM2 public key is a plain object (IndexedDB keeps it as it is): {suite, type, point}.
  function smPublic(point) {
    var ok = false;
    if (point && point.length === 65 && point[0] === 4) {
      try { ok = smLib().sm2.verifyPublicKey(toHex(point)); } catch (e) { ok = false; }
    }
    if (!ok) fail("公钥不是 SM2 曲线上的有效点");
    return { suite: "sm", type: "public", point: new Uint8Array(point) };
  }
  function smSpki(pub) { return concat([SM2_SPKI_PREFIX, pub.point]); }
  function isSm2Spki(bytes) {
    return bytes && bytes.length === 91 && sameBytes(bytes.subarray(0, 26), SM2_SPKI_PREFIX);
  }
  function smPrivateFromScalar(dBytes) {
    if (dBytes.length !== 32) fail("SM2 私钥长度不正确");
    var d = BigInt("0x" + toHex(dBytes));
    if (d < BigInt(1) || d > SM2_N - BigInt(2)) fail("SM2 私钥超出范围");
    var dHex = toHex(dBytes);
    var pub = smPublic(fromHex(smLib().sm2.getPublicKeyFromPrivateKey(dHex)));
    return { suite: "sm", type: "private", d: dHex, publicKey: pub };
  }
  function smKeyIdSync(pub) { return toHex(sm3(smSpki(pub))); }

  // ECPrivateKey (RFC 5915) of an SM2 key; the curve may be named here ([0]) or in PKCS#8.
  function parseSec1(der, requireParams) {
    var items = derChildren(derWhole(der, 0x30));
    if (items.length < 2 || items[0].tag !== 2 || items[0].body.length !== 1 || items[0].body[0] !== 1 ||
        items[1].tag !== 4 || items[1].body.length !== 32) throw new Error("der");
    var paramsSeen = false, point = null;
    items.slice(2).forEach(function (t) {
      if (t.tag === 0xa0) {
        if (!sameBytes(t.body, OID_SM2_CURVE)) throw new Error("not sm2");
        paramsSeen = true;
      } else if (t.tag === 0xa1) {
        var bits = derWhole(t.body, 0x03);
        if (!bits.length || bits[0] !== 0) throw new Error("der");
        point = bits.subarray(1);
      }
    });
    if (requireParams && !paramsSeen) throw new Error("not sm2");
    var key = smPrivateFromScalar(items[1].body);
    if (point && !sameBytes(point, key.publicKey.point)) fail("私钥文件中的公钥与私钥不匹配");
    return key;
  }

  // Which suite a private key DER is for: "sm" (SM2 curve named), "encrypted", or "intl" (anything
  // else: WebCrypto decides).
  function privateDerKind(der) {
    try {
      var items = derChildren(derWhole(der, 0x30));
      if (items.length === 2 && items[0].tag === 0x30 && items[1].tag === 4) {
        var alg = derChildren(items[0].body);
        if (alg.length && alg[0].tag === 6) return "encrypted";  // PBES2, or PBES1: refused with a message
      }
      if (items.length >= 3 && items[0].tag === 2 && items[1].tag === 0x30 && items[2].tag === 4) {
        var ids = derChildren(items[1].body);
        if (ids.length === 2 && sameBytes(tlvBytes(ids[0]), OID_EC_PUBLIC_KEY) &&
            sameBytes(tlvBytes(ids[1]), OID_SM2_CURVE)) return "sm";
      }
      if (items.length >= 3 && items[0].tag === 2 && items[1].tag === 4) {
        for (var i = 2; i < items.length; i++) {
          if (items[i].tag === 0xa0 && sameBytes(items[i].body, OID_SM2_CURVE)) return "sec1-sm";
        }
      }
    } catch (e) { /* not DER we know: let WebCrypto try */ }
    return "intl";
  }

  function smPkcs8(priv) {
    var ec = tlv(0x30, concat([derIntSmall(1), tlv(0x04, fromHex(priv.d)),
      tlv(0xa1, tlv(0x03, concat([new Uint8Array([0]), priv.publicKey.point])))]));
    return tlv(0x30, concat([derIntSmall(0), tlv(0x30, concat([OID_EC_PUBLIC_KEY, OID_SM2_CURVE])), tlv(0x04, ec)]));
  }

  function smKeys(priv) {
    return { suite: "sm", ecdh: priv, ecdsa: priv, privateKey: priv, publicKey: priv.publicKey,
      signingPublicKey: priv.publicKey };
  }

  // ------------------------------------------------------------------ PBES2 key files

  async function pbkdf2Bits(password, salt, iterations, bits, hash) {
    if (hash === "SM3") return pbkdf2Sm3(te.encode(password), salt, iterations, bits / 8);
    var base = await subtle.importKey("raw", te.encode(password), "PBKDF2", false, ["deriveBits"]);
    return new Uint8Array(await subtle.deriveBits({ name: "PBKDF2", hash: hash || "SHA-256", salt: salt, iterations: iterations }, base, bits));
  }

  // PBKDF2 with HMAC-SM3 (GmSSL's key files): WebCrypto has no SM3, so here, on the Sm3 above.
  function pbkdf2Sm3(password, salt, iterations, length) {
    var key = password.length > 64 ? sm3(password) : password;
    var ipad = new Uint8Array(64), opad = new Uint8Array(64);
    for (var i = 0; i < 64; i++) {
      var k = i < key.length ? key[i] : 0;
      ipad[i] = k ^ 0x36;
      opad[i] = k ^ 0x5c;
    }
    function prf(msg) { return sm3(concat([opad, sm3(concat([ipad, msg]))])); }
    var out = new Uint8Array(length);
    for (var block = 1, off = 0; off < length; block++, off += 32) {
      var u = prf(concat([salt, new Uint8Array([block >>> 24, (block >>> 16) & 255, (block >>> 8) & 255, block & 255])]));
      var t = new Uint8Array(u);
      for (var n = 1; n < iterations; n++) {
        u = prf(u);
        for (var j = 0; j < 32; j++) t[j] ^= u[j];
      }
      out.set(t.subarray(0, Math.min(32, length - off)), off);
    }
    return out;
  }

  function findOid(table, oidTlv) {
    for (var i = 0; i < table.length; i++) if (sameBytes(oidTlv, table[i][0])) return table[i];
    return null;
  }

  // EncryptedPrivateKeyInfo, PBES2 = PBKDF2-HMAC-SHA256 + AES-256-CBC (intl backups) or SM4-CBC
  // (sm backups) — what `openssl pkcs8 -topk8 -v2 aes-256-cbc|sm4-cbc` writes and the kit reads.
  async function encryptPkcs8(der, password, cipher) {
    var salt = crypto.getRandomValues(new Uint8Array(16));
    var iv = crypto.getRandomValues(new Uint8Array(16));
    var data, oid;
    if (cipher === "sm4-cbc") {
      var k16 = await pbkdf2Bits(password, salt, PBKDF2_ITERATIONS, 128);
      data = smLib().sm4.encrypt(der, k16, { mode: "cbc", iv: iv, padding: "pkcs#7", output: "array" });
      k16.fill(0);
      oid = OID_SM4_CBC;
    } else {
      var raw = await pbkdf2Bits(password, salt, PBKDF2_ITERATIONS, 256);
      var aes = await subtle.importKey("raw", raw, { name: "AES-CBC" }, false, ["encrypt"]);
      raw.fill(0);
      data = new Uint8Array(await subtle.encrypt({ name: "AES-CBC", iv: iv }, aes, der));
      oid = OID_AES256_CBC;
    }
    var kdf = tlv(0x30, concat([OID_PBKDF2, tlv(0x30, concat([tlv(0x04, salt), derIntSmall(PBKDF2_ITERATIONS),
      tlv(0x30, concat([OID_HMAC_SHA256, new Uint8Array([5, 0])]))]))]));
    var alg = tlv(0x30, concat([OID_PBES2, tlv(0x30, concat([kdf, tlv(0x30, concat([oid, tlv(0x04, iv)]))]))]));
    return pem("ENCRYPTED PRIVATE KEY", tlv(0x30, concat([alg, tlv(0x04, data)])));
  }

  // EncryptedPrivateKeyInfo with PBES2: PBKDF2 (HMAC-SHA-1/256/384/512 or HMAC-SM3) and AES-256-CBC,
  // AES-128-CBC or SM4-CBC — what OpenSSL (pkcs8 -topk8 -v2 …, and the key bag of pkcs12 since
  // 3.0), the kit, this file and GmSSL write. PBES1 / PKCS#12 PBE (3DES, RC2, DES with MD5 or
  // SHA-1) and scrypt are refused with a message: WebCrypto has none of those ciphers nor scrypt.
  async function decryptPkcs8(der, password) {
    var salt, iterations = 0, iv, data, cipher, prf = "SHA-1";
    try {
      var top = derChildren(derWhole(der, 0x30));
      var alg = derChildren(top[0].body);
      if (!sameBytes(tlvBytes(alg[0]), OID_PBES2)) throw new Error("scheme");
      var params = derChildren(alg[1].body);
      var kdf = derChildren(params[0].body);
      if (!sameBytes(tlvBytes(kdf[0]), OID_PBKDF2)) throw new Error("scheme");
      var kdfParams = derChildren(kdf[1].body);
      salt = derWhole(tlvBytes(kdfParams[0]), 0x04);
      kdfParams[1].body.forEach(function (b) { iterations = iterations * 256 + b; });
      var rest = kdfParams.slice(2);
      if (rest.length && rest[0].tag === 2) rest = rest.slice(1);  // optional keyLength
      if (rest.length && rest[0].tag === 0x30) {
        var found = findOid(PBE_PRFS, tlvBytes(derChildren(rest[0].body)[0]));
        if (!found) throw new Error("scheme");
        prf = found[1];
      }
      var enc = derChildren(params[1].body);
      cipher = findOid(PBE_CIPHERS, tlvBytes(enc[0]));
      if (!cipher) throw new Error("scheme");
      iv = derWhole(tlvBytes(enc[1]), 0x04);
      data = derWhole(tlvBytes(top[1]), 0x04);
      if (iv.length !== 16 || iterations < 1 || iterations > 10000000) throw new Error("x");
    } catch (e) {
      fail(PBE_UNSUPPORTED);
    }
    if (!password) fail("该密钥文件有密码保护：请输入密码");
    var plain = null;
    try {
      var raw = await pbkdf2Bits(password, salt, iterations, cipher[2], prf);
      if (cipher[1] === "sm4") {
        plain = new Uint8Array(smLib().sm4.decrypt(data, raw, { mode: "cbc", iv: iv, padding: "pkcs#7", output: "array" }));
      } else {
        var aes = await subtle.importKey("raw", raw, { name: "AES-CBC" }, false, ["decrypt"]);
        plain = new Uint8Array(await subtle.decrypt({ name: "AES-CBC", iv: iv }, aes, data));
      }
      raw.fill(0);
      derWhole(plain, 0x30);  // a wrong password that happens to give valid padding still fails here
    } catch (e) {
      if (e.message && /[\u4e00-\u9fff]/.test(e.message)) throw e;  // e.g. the sm library missing
      fail("密钥文件的密码不正确");
    }
    return plain;
  }

  // PKCS#12 (.p12/.pfx): the private key of the first key bag — shrouded (an EncryptedPrivateKeyInfo,
  // decrypted as above) or plain — in the unencrypted part of the file, where OpenSSL and Windows
  // put it. The MAC over the file is not checked: a wrong password already fails the key's
  // decryption, and the key is checked against the bid's header when it unwraps the content key.
  function isPkcs12(der) {
    try {
      var items = derChildren(derWhole(der, 0x30));
      return items.length >= 2 && items[0].tag === 2 && items[0].body.length === 1 && items[0].body[0] === 3 &&
        items[1].tag === 0x30 && sameBytes(tlvBytes(derChildren(items[1].body)[0]), OID_PKCS7_DATA);
    } catch (e) {
      return false;
    }
  }
  async function pkcs12Key(der, password) {
    var bag = null;
    try {
      var auth = derChildren(derChildren(derWhole(der, 0x30))[1].body);
      var safes = derChildren(derWhole(derWhole(auth[1].body, 0x04), 0x30));  // AuthenticatedSafe
      for (var i = 0; i < safes.length && !bag; i++) {
        var ci = derChildren(safes[i].body);
        if (!sameBytes(tlvBytes(ci[0]), OID_PKCS7_DATA)) continue;  // encryptedData: the certificates
        var bags = derChildren(derWhole(derWhole(ci[1].body, 0x04), 0x30));
        for (var j = 0; j < bags.length && !bag; j++) {
          var b = derChildren(bags[j].body), id = tlvBytes(b[0]);
          if (sameBytes(id, OID_P12_SHROUDED_KEY_BAG)) bag = { encrypted: true, der: b[1].body };
          else if (sameBytes(id, OID_P12_KEY_BAG)) bag = { encrypted: false, der: b[1].body };
        }
      }
    } catch (e) {
      fail("无法读取 PKCS#12 文件（文件损坏，或使用了浏览器无法识别的编码）。请导出为加密的 PKCS#8 PEM 后再试");
    }
    if (!bag) fail("PKCS#12 文件中没有可读取的私钥（私钥可能放在加密的证书区内）。请导出为加密的 PKCS#8 PEM 后再试");
    return bag.encrypted ? decryptPkcs8(bag.der, password) : bag.der;
  }

  // ------------------------------------------------------------------ keys

  var ECDH = { name: "ECDH", namedCurve: "P-256" };
  var ECDSA = { name: "ECDSA", namedCurve: "P-256" };

  async function importPublicKey(data, usage) {
    if (isSmPublic(data)) return smPublic(data.point);
    var alg = usage === "ecdsa" ? ECDSA : ECDH;
    var uses = usage === "ecdsa" ? ["verify"] : [];
    if (data && data.type === "public" && data.algorithm) {
      if (data.algorithm.name === alg.name) return data;
      return subtle.importKey("spki", await subtle.exportKey("spki", data), alg, true, uses);
    }
    var bytes = asBytes(data);
    if (isSm2Spki(bytes)) return smPublic(bytes.subarray(26));
    if (bytes.length === 65 && bytes[0] === 4) return subtle.importKey("raw", bytes, alg, true, uses);
    try {
      return await subtle.importKey("spki", bytes, alg, true, uses);
    } catch (e) {
      fail("无法读取公钥（应为 P-256 的 SPKI PEM/DER 公钥）");
    }
  }
  // An SM2 public key from an object, SPKI PEM/DER or a raw 65-byte point (the suite is known).
  function importSmPublic(data) {
    if (isSmPublic(data)) return smPublic(data.point);
    var bytes = data && data.type === "public" ? null : asBytes(data);
    if (bytes && isSm2Spki(bytes)) return smPublic(bytes.subarray(26));
    if (bytes && bytes.length === 65 && bytes[0] === 4) return smPublic(bytes);
    fail("无法读取公钥（应为 SM2 的 SPKI PEM/DER 公钥）");
  }
  async function rawPoint(publicKey) {
    return new Uint8Array(await subtle.exportKey("raw", publicKey));
  }
  async function keyId(publicKey) {
    var key = await importPublicKey(publicKey, "ecdh");
    if (isSmPublic(key)) return smKeyIdSync(key);
    return toHex(await sha256(new Uint8Array(await subtle.exportKey("spki", key))));
  }

  async function importPkcs8(pemOrDer) {
    var der = asBytes(pemOrDer);
    var kind = privateDerKind(der);
    if (kind === "sm" || kind === "sec1-sm") {
      var priv;
      try {
        if (kind === "sm") {
          var items = derChildren(derWhole(der, 0x30));
          priv = parseSec1(items[2].body, false);
        } else {
          priv = parseSec1(der, true);
        }
      } catch (e) {
        if (e.message && /[\u4e00-\u9fff]/.test(e.message)) throw e;
        fail("无法读取 SM2 私钥文件（应为未加密的 PKCS#8 或 SEC1）");
      }
      return smKeys(priv);
    }
    var tmp;
    try {
      tmp = await subtle.importKey("pkcs8", der, ECDH, true, ["deriveBits"]);
    } catch (e) {
      fail("无法读取私钥文件（应为未加密的 P-256 PKCS#8；加密的密钥请用证书签名组件打开）");
    }
    var jwk = await subtle.exportKey("jwk", tmp);
    var pub = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true };
    return {
      suite: "intl",
      ecdh: await subtle.importKey("pkcs8", der, ECDH, false, ["deriveBits"]),
      ecdsa: await subtle.importKey("pkcs8", der, ECDSA, false, ["sign"]),
      publicKey: await subtle.importKey("jwk", pub, ECDH, true, []),
      signingPublicKey: await subtle.importKey("jwk", pub, ECDSA, true, ["verify"])
    };
  }

  // A private key file as the bidder has it: PEM (PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE
  // KEY) or DER, of either suite.
  // KEY) or DER, or PKCS#12, of either suite. OpenSSL's traditional encrypted PEM ("Proc-Type:
  // 4,ENCRYPTED", e.g. `openssl ec -aes256`) is refused with a message: its key derivation is
  // EVP_BytesToKey over MD5, and WebCrypto has no MD5 (nor DES-EDE3, its usual cipher).
  async function importPrivateKeyFile(bytes, password) {
    bytes = asBytes(bytes);
    var text = new TextDecoder("latin1").decode(bytes);
    var der = bytes;
    if (/Proc-Type:\s*4,\s*ENCRYPTED/.test(text)) {
      fail("该密钥文件是 OpenSSL 传统格式的加密 PEM（Proc-Type: 4,ENCRYPTED），浏览器无法解开（其密钥派生使用 MD5，" +
        "浏览器的 WebCrypto 不提供）。请用 openssl pkcs8 -topk8 -v2 aes-256-cbc（国密 SM2 密钥用 -v2 sm4-cbc）" +
        "转换为加密的 PKCS#8 文件后再试");
    }
    var m = text.match(/-----BEGIN ((?:ENCRYPTED |EC )?PRIVATE KEY)-----([\s\S]*?)-----END \1-----/);
    if (m) {
      try {
        der = fromBase64(m[2].replace(/\s+/g, ""));
      } catch (e) {
        fail("私钥文件已损坏（PEM 内容无法解码）");
      }
    } else if (text.indexOf("-----BEGIN") >= 0) fail("无法读取私钥文件（应为 PKCS#8 或 SEC1 格式的私钥，或 PKCS#12 文件）");
    else if (isPkcs12(der)) return importPkcs8(await pkcs12Key(der, password));
    if (privateDerKind(der) === "encrypted") der = await decryptPkcs8(der, password);
    return importPkcs8(der);
  }

  function pem(label, der) {
    var b = toBase64(der).replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
    return "-----BEGIN " + label + "-----\n" + b + "\n-----END " + label + "-----\n";
  }

  async function generateKey(suite) {
    if (suite === "sm") {
      var L = smLib(), priv = null;
      while (!priv) {
        var pair = L.sm2.generateKeyPairHex();  // noble-curves randomPrivateKey over crypto.getRandomValues
        try { priv = smPrivateFromScalar(fromHex(pair.privateKey)); } catch (e) { priv = null; }  // d = n-1: draw again
      }
      var keys = smKeys(priv);
      keys.pkcs8Pem = pem("PRIVATE KEY", smPkcs8(priv));
      keys.publicPem = pem("PUBLIC KEY", smSpki(priv.publicKey));
      return keys;
    }
    var ecPair = await subtle.generateKey(ECDH, true, ["deriveBits"]);
    var pkcs8 = new Uint8Array(await subtle.exportKey("pkcs8", ecPair.privateKey));
    var out = await importPkcs8(pkcs8);
    out.pkcs8Pem = pem("PRIVATE KEY", pkcs8);
    out.publicPem = pem("PUBLIC KEY", new Uint8Array(await subtle.exportKey("spki", ecPair.publicKey)));
    return out;
  }

  // WebCrypto's ECDSA signature is r||s (P1363); the envelope carries DER ECDSA-Sig-Value.
  function rawToDer(sig) {
    function int(bytes) {
      var i = 0;
      while (i < bytes.length - 1 && bytes[i] === 0) i++;
      var v = bytes.subarray(i);
      if (v[0] & 0x80) v = concat([new Uint8Array([0]), v]);
      return concat([new Uint8Array([2, v.length]), v]);
    }
    var body = concat([int(sig.subarray(0, 32)), int(sig.subarray(32, 64))]);
    return concat([new Uint8Array([0x30, body.length]), body]);
  }
  // DER SEQUENCE { INTEGER r, INTEGER s } → r||s (32 bytes each); null when not a canonical
  // encoding of two positive integers below 2^256.
  function derToRaw(der) {
    try {
      var items = derChildren(derWhole(der, 0x30));
      if (items.length !== 2) return null;
      var out = new Uint8Array(64);
      for (var i = 0; i < 2; i++) {
        var v = items[i].body;
        if (items[i].tag !== 2 || !v.length || v[0] & 0x80) return null;
        if (v.length > 1 && v[0] === 0 && !(v[1] & 0x80)) return null;  // not minimal
        if (v[0] === 0) v = v.subarray(1);
        if (v.length > 32) return null;
        out.set(v, i * 32 + 32 - v.length);
      }
      return out;
    } catch (e) {
      return null;
    }
  }

  async function verifySignature(publicKey, message, signature) {
    try {
      var raw = derToRaw(asBytes(signature));
      if (!raw) return false;
      var key = await importPublicKey(publicKey, "ecdsa");
      if (isSmPublic(key)) {
        var r = BigInt("0x" + toHex(raw.subarray(0, 32))), s = BigInt("0x" + toHex(raw.subarray(32)));
        if (r < BigInt(1) || r >= SM2_N || s < BigInt(1) || s >= SM2_N) return false;
        return smLib().sm2.doVerifySignature(message, toHex(raw), toHex(key.point), { hash: true, userId: SM2_USER_ID });
      }
      return await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, raw, message);
    } catch (e) {
      return false;
    }
  }

  // A detached signature (not an envelope's): the suite follows from the key.
  async function sign(privateKey, message) {
    var bytes = asBytes(message);
    return isSmPrivate(privateKey) ? SM.sign(privateKey, bytes) : INTL.sign(privateKey, bytes);
  }

  // ------------------------------------------------------------------ envelope pieces

  var KEY_CHECK = te.encode("ggzy-envelope/1 key-check\x00");
  var WRAP = te.encode("ggzy-envelope/1 key-wrap\x00");
  var SIGNATURE = te.encode("ggzy-envelope/1 signature\x00");

  function nonce(prefix, counter, last) {
    return concat([prefix, u32(counter), new Uint8Array([last ? 1 : 0])]);
  }

  async function hkdf(shared, salt, info) {
    var ikm = await subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
    return new Uint8Array(await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: salt, info: info }, ikm, 256));
  }

  async function aesKey(raw, usages) {
    return subtle.importKey("raw", raw, { name: "AES-GCM" }, false, usages);
  }

  function coreOf(header) {
    var core = {};
    Object.keys(header).forEach(function (k) { if (k !== "recipients") core[k] = header[k]; });
    return core;
  }

  function isoSeconds(date) {
    return date.toISOString().slice(0, 19) + "Z";
  }

  async function readBytes(blob, start, end) {
    return new Uint8Array(await blob.slice(start, end).arrayBuffer());
  }

  var WRAP_FAILED = "内容密钥封装认证失败（信封头被修改或封装损坏）";

  // ------------------------------------------------------------------ the two suites
  //
  // Each suite: hash(bytes) → Promise<32 bytes>, Hasher (incremental), keySize, importPublic,
  // keyId, wrap, aead(key) → encrypt(nonce, plain, aad), sign, unwrap. The envelope code below is
  // the same for both (docs/formats/sealed-envelope.md, "Suite sm": swap the primitives, nothing
  // else changes).

  var INTL = {
    name: "intl",
    keySize: 32,
    hash: sha256,
    Hasher: Sha256,
    importPublic: function (data) { return importPublicKey(data, "ecdh"); },
    keyId: keyId,
    wrap: async function (recipient, role, coreHash, contentKey, scalar) {
      if (scalar) fail("intl 套件不能指定临时私钥");
      var eph = await subtle.generateKey(ECDH, false, ["deriveBits"]);
      var ephPoint = await rawPoint(eph.publicKey);
      var shared = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: recipient }, eph.privateKey, 256));
      var info = concat([WRAP, te.encode(role), new Uint8Array([0]), ephPoint, await rawPoint(recipient)]);
      var kwk = await aesKey(await hkdf(shared, coreHash, info), ["encrypt"]);
      var wrapped = new Uint8Array(await subtle.encrypt(
        { name: "AES-GCM", iv: new Uint8Array(12), additionalData: coreHash, tagLength: 128 }, kwk, contentKey));
      return { ephemeral: ephPoint, wrapped: wrapped };
    },
    aead: async function (contentKey) {
      var key = await aesKey(contentKey, ["encrypt"]);
      return async function (iv, plain, aad) {
        return new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: aad, tagLength: 128 }, key, plain));
      };
    },
    sign: async function (signingKey, message, k) {
      if (k) fail("intl 套件不能指定签名随机数");
      if (isSmPrivate(signingKey)) fail("intl 套件的信封须用 P-256 私钥签名，不能用 SM2 私钥");
      return rawToDer(new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signingKey, message)));
    },
    unwrap: async function (header, privateKey, publicKey) {
      if (isSmPrivate(privateKey)) fail("该信封使用 intl 套件（P-256）：SM2 私钥不能解密");
      var pub = await importPublicKey(publicKey, "ecdh");
      var kid = await keyId(pub);
      var entry = (header.recipients || []).filter(function (r) { return r.key_id === kid; })[0];
      if (!entry) fail("此私钥不是该信封的接收方");
      var coreHash = await sha256(te.encode(canonicalJson(coreOf(header))));
      var ephPoint = fromBase64(entry.ephemeral);
      var eph = await subtle.importKey("raw", ephPoint, ECDH, true, []);
      var shared = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: eph }, privateKey, 256));
      var info = concat([WRAP, te.encode(entry.role), new Uint8Array([0]), ephPoint, await rawPoint(pub)]);
      var kwk = await aesKey(await hkdf(shared, coreHash, info), ["decrypt"]);
      try {
        return new Uint8Array(await subtle.decrypt(
          { name: "AES-GCM", iv: new Uint8Array(12), additionalData: coreHash, tagLength: 128 }, kwk, fromBase64(entry.wrapped_key)));
      } catch (e) {
        fail(WRAP_FAILED);
      }
    }
  };

  // B = SM3("ggzy-envelope/1 key-wrap\0" ‖ role ‖ 0x00 ‖ core_hash ‖ point(R)): the header binding
  // that SM2 encryption (no associated data) carries inside its plaintext K ‖ B.
  function smBinding(role, coreHash, pub) {
    return sm3(concat([WRAP, te.encode(role), new Uint8Array([0]), coreHash, pub.point]));
  }

  // GB/T 32918.4 encryption with a given k — test vectors only (the library's doEncrypt draws k
  // itself). C1 = k·G; (x2, y2) = k·R; t = KDF(x2 ‖ y2); C2 = M ⊕ t; C3 = SM3(x2 ‖ M ‖ y2).
  function smEncryptWithK(pub, message, kHex) {
    var L = smLib();
    var c1 = fromHex(L.sm2.getPublicKeyFromPrivateKey(kHex));
    var p = L.sm2.ecdh(kHex, toHex(pub.point), false);
    var x2 = p.subarray(1, 33), y2 = p.subarray(33, 65);
    var t = L.kdf(concat([x2, y2]), message.length);
    if (t.every(function (b) { return b === 0; })) fail("该 k 不能用于加密");
    var c2 = new Uint8Array(message.length);
    for (var i = 0; i < c2.length; i++) c2[i] = message[i] ^ t[i];
    return { c1: c1, c3c2: concat([sm3(concat([x2, message, y2])), c2]) };
  }

  var SM = {
    name: "sm",
    keySize: 16,
    hash: async function (u8) { return sm3(u8); },
    Hasher: Sm3,
    importPublic: async function (data) { return importSmPublic(data); },
    keyId: async function (pub) { return smKeyIdSync(importSmPublic(pub)); },
    wrap: async function (recipient, role, coreHash, contentKey, scalar) {
      var L = smLib();
      var message = concat([contentKey, smBinding(role, coreHash, recipient)]);
      var out;
      if (scalar) {
        out = smEncryptWithK(recipient, message, scalar);
      } else {
        var hex = L.sm2.doEncrypt(message, toHex(recipient.point), 1);  // C1 (x1‖y1) ‖ C3 ‖ C2
        if (hex.length !== 2 * (64 + 32 + message.length)) fail("SM2 加密失败");
        out = { c1: concat([new Uint8Array([4]), fromHex(hex.slice(0, 128))]), c3c2: fromHex(hex.slice(128)) };
      }
      message.fill(0);
      return { ephemeral: out.c1, wrapped: out.c3c2 };
    },
    aead: async function (contentKey) {
      if (contentKey.length !== 16) fail("SM4 内容密钥应为 16 字节");
      var L = smLib(), key = new Uint8Array(contentKey);
      return async function (iv, plain, aad) {
        var r = L.sm4.encrypt(plain, key, { mode: "gcm", iv: iv, associatedData: aad, output: "array", outputTag: true });
        if (!r.tag || r.tag.length !== TAG || r.output.length !== plain.length) fail("SM4-GCM 加密失败");
        return concat([r.output, r.tag]);
      };
    },
    sign: async function (signingKey, message, kHex) {
      if (!isSmPrivate(signingKey)) fail("sm 套件的信封须用 SM2 私钥签名（本单位绑定的 SM2 数字证书的私钥）");
      var L = smLib(), pubHex = toHex(signingKey.publicKey.point);
      var o = { hash: true, der: true, publicKey: pubHex, userId: SM2_USER_ID };
      if (kHex) {
        o.pointPool = [{ k: BigInt("0x" + kHex), x1: BigInt("0x" + L.sm2.getPublicKeyFromPrivateKey(kHex).slice(2, 66)) }];
      }
      var der = fromHex(L.sm2.doSignature(message, signingKey.d, o));
      // a faulty signature would get the bid refused at the door: check it here first
      if (!(await verifySignature(signingKey.publicKey, message, der))) fail("SM2 签名自检失败");
      return der;
    },
    unwrap: async function (header, privateKey, publicKey) {
      if (!isSmPrivate(privateKey)) fail("该信封使用国密 sm 套件：请用 SM2 投标加密私钥解密");
      var pub = privateKey.publicKey;
      if (publicKey && !sameBytes(importSmPublic(publicKey).point, pub.point)) fail("公钥与私钥不匹配");
      var kid = smKeyIdSync(pub);
      var entry = (header.recipients || []).filter(function (r) { return r.key_id === kid; })[0];
      if (!entry) fail("此私钥不是该信封的接收方");
      var coreHash = sm3(te.encode(canonicalJson(coreOf(header))));
      var eph = fromBase64(entry.ephemeral), wrapped = fromBase64(entry.wrapped_key);
      if (eph.length !== 65 || eph[0] !== 4 || wrapped.length !== 32 + 16 + 32) fail(WRAP_FAILED);
      var message = null;
      try {
        message = smLib().sm2.doDecrypt(toHex(eph.subarray(1)) + toHex(wrapped), privateKey.d, 1, { output: "array" });
      } catch (e) {
        message = null;  // C1 not on the curve
      }
      if (!message || message.length !== 48) fail(WRAP_FAILED);
      if (!sameBytes(message.subarray(16), smBinding(entry.role, coreHash, pub))) {
        fail("内容密钥封装与信封头不符（被复制到其他信封或信封头被修改）");
      }
      var key = message.slice(0, 16);
      message.fill(0);
      return key;
    }
  };

  var SUITES = { intl: INTL, sm: SM };

  function suiteOfPublic(data) {
    if (isSmPublic(data)) return "sm";
    if (data && data.type === "public" && data.algorithm) return "intl";
    try { return isSm2Spki(asBytes(data)) ? "sm" : "intl"; } catch (e) { return "intl"; }
  }

  function bytesOpt(v, n, what) {
    var b = typeof v === "string" ? fromHex(v) : v;
    if (!(b instanceof Uint8Array) || b.length !== n) fail(what + "长度不正确");
    return new Uint8Array(b);
  }

  // ------------------------------------------------------------------ seal

  async function sealFile(file, opts) {
    if (!subtle) fail("此浏览器不支持 WebCrypto，无法加密投标文件（请使用 HTTPS 和新版浏览器）");
    ["section", "bidder"].forEach(function (k) {
      if (typeof opts[k] !== "string" || !SAFE_TEXT.test(opts[k])) fail("标段编号或投标人标识无效");
    });
    var suiteName = opts.suite || suiteOfPublic(opts.bidderPublicKey);
    var X = SUITES.hasOwnProperty(suiteName) ? SUITES[suiteName] : null;
    if (!X) fail("不支持的密码套件：" + suiteName);
    if (opts.signerKeyId && !/^[0-9a-f]{64}$/.test(opts.signerKeyId)) fail("签名证书密钥标识无效");
    var chunkSize = opts.chunkSize || (1 << 20);
    if (chunkSize < 256 || chunkSize > (1 << 24) || (chunkSize & (chunkSize - 1))) fail("分块大小无效");
    var rnd = opts.randomness || null;
    var fileSize = file.size;
    var meta = te.encode(canonicalJson({
      file_name: opts.fileName || file.name || "bid",
      file_size: fileSize,
      media_type: opts.mediaType || file.type || "application/octet-stream",
      summary: opts.summary || {}
    }));
    var metaBlock = concat([u32(meta.length), meta]);
    metaBlock = concat([metaBlock, new Uint8Array((META_ALIGN - metaBlock.length % META_ALIGN) % META_ALIGN)]);
    var payloadSize = metaBlock.length + fileSize + 32;
    var contentKey = rnd ? bytesOpt(rnd.contentKey, X.keySize, "内容密钥") : crypto.getRandomValues(new Uint8Array(X.keySize));
    var prefix = rnd ? bytesOpt(rnd.noncePrefix, 7, "随机数前缀") : crypto.getRandomValues(new Uint8Array(7));
    var signerPublic = opts.signerPublicKey || (isSmPrivate(opts.signingKey) ? opts.signingKey.publicKey : undefined);
    var core = {
      bidder: opts.bidder,
      chunk_size: chunkSize,
      created_at: isoSeconds(opts.createdAt || new Date()),
      key_check: toBase64(await X.hash(concat([KEY_CHECK, contentKey]))),
      nonce_prefix: toBase64(prefix),
      payload_size: payloadSize,
      section: opts.section,
      signer: opts.signerKeyId || await X.keyId(await X.importPublic(signerPublic)),
      suite: X.name,
      version: VERSION
    };
    var coreHash = await X.hash(te.encode(canonicalJson(core)));
    var targets = [["bidder", opts.bidderPublicKey]];
    if (opts.escrowPublicKey) targets.push(["escrow", opts.escrowPublicKey]);
    var recipients = [];
    for (var t = 0; t < targets.length; t++) {
      var role = targets[t][0];
      var recipient = await X.importPublic(targets[t][1]);
      var w = await X.wrap(recipient, role, coreHash, contentKey, rnd && rnd.ephemeralScalars ? rnd.ephemeralScalars[t] : null);
      recipients.push({ ephemeral: toBase64(w.ephemeral), key_id: await X.keyId(recipient), role: role, wrapped_key: toBase64(w.wrapped) });
    }
    var header = Object.assign({}, core, { recipients: recipients });
    var headerBytes = te.encode(canonicalJson(header));
    var headerHash = await X.hash(headerBytes);
    var encrypt = await X.aead(contentKey);
    contentKey.fill(0);

    var parts = opts.sink ? null : [];
    var envSha = opts.envelopeHash === false ? null : new Sha256();
    var written = 0;
    async function emit(bytes) {
      if (envSha) envSha.update(bytes);
      written += bytes.length;
      if (opts.sink) await opts.sink(bytes); else parts.push(bytes);
    }
    await emit(concat([te.encode(MAGIC), u32(headerBytes.length), headerBytes]));

    var n = Math.ceil(payloadSize / chunkSize);
    var fileHasher = new X.Hasher();
    var fileHash = null;
    var chain = headerHash;
    var fileStart = metaBlock.length, fileEnd = metaBlock.length + fileSize;
    for (var i = 0; i < n; i++) {
      var start = i * chunkSize, end = Math.min(payloadSize, start + chunkSize);
      var plain = new Uint8Array(end - start);
      if (start < fileStart) plain.set(metaBlock.subarray(start, Math.min(end, fileStart)), 0);
      var a = Math.max(start, fileStart), b = Math.min(end, fileEnd);
      if (a < b) {
        var piece = await readBytes(file, a - fileStart, b - fileStart);
        if (piece.length !== b - a) fail("读取投标文件失败（文件在加密过程中被修改？）");
        fileHasher.update(piece);
        plain.set(piece, a - start);
      }
      if (end > fileEnd) {
        if (!fileHash) fileHash = fileHasher.digest();
        var h0 = Math.max(start, fileEnd);
        plain.set(fileHash.subarray(h0 - fileEnd, end - fileEnd), h0 - start);
      }
      var ct = await encrypt(nonce(prefix, i, i === n - 1), plain, headerHash);
      chain = await X.hash(concat([chain, ct]));
      await emit(ct);
      if (opts.onProgress) opts.onProgress(Math.min(fileSize, Math.max(0, end - fileStart)), fileSize);
    }
    var der = await X.sign(opts.signingKey, concat([SIGNATURE, chain]), rnd ? rnd.signatureK : null);
    await emit(concat([u16(der.length), der]));
    return {
      blob: parts ? new Blob(parts, { type: "application/octet-stream" }) : null,
      header: header,
      envelopeSha256: envSha ? toHex(envSha.digest()) : null,
      size: written
    };
  }

  // ------------------------------------------------------------------ read, unwrap

  async function readHeader(envelope) {
    var head = await readBytes(envelope, 0, 12);
    if (head.length < 12 || new TextDecoder().decode(head.subarray(0, 8)) !== MAGIC) fail("不是 ggzy 投标信封");
    var len = new DataView(head.buffer).getUint32(8);
    if (len < 2 || len > 65536) fail("信封头长度超出允许范围");
    var header = JSON.parse(new TextDecoder().decode(await readBytes(envelope, 12, 12 + len)));
    if (header.version !== VERSION || !SUITES.hasOwnProperty(header.suite)) fail("不支持的信封版本：" + header.version);
    return header;
  }

  async function unwrapContentKey(envelopeOrHeader, privateKey, publicKey) {
    var header = envelopeOrHeader instanceof Blob ? await readHeader(envelopeOrHeader) : envelopeOrHeader;
    var X = SUITES.hasOwnProperty(header.suite) ? SUITES[header.suite] : null;
    if (!X || header.version !== VERSION) fail("不支持的信封版本：" + header.version);
    var key = await X.unwrap(header, privateKey, publicKey);
    if (toBase64(await X.hash(concat([KEY_CHECK, key]))) !== header.key_check) fail("解出的内容密钥与信封的密钥承诺不符");
    return key;
  }

  window.GgzySealing = {
    VERSION: VERSION,
    SUITES: ["intl", "sm"],
    sealFile: sealFile,
    readHeader: readHeader,
    unwrapContentKey: unwrapContentKey,
    importPkcs8: importPkcs8,
    importPrivateKeyFile: importPrivateKeyFile,
    generateKey: generateKey,
    importPublicKey: importPublicKey,
    keyId: keyId,
    verifySignature: verifySignature,
    sign: sign,
    encryptPkcs8: encryptPkcs8,
    decryptPkcs8: decryptPkcs8,
    smAvailable: function () { return !!(window.SmCryptoV2 && window.SmCryptoV2.sm2); },
    canonicalJson: canonicalJson,
    Sha256: Sha256,
    Sm3: Sm3,
    toHex: toHex,
    fromHex: fromHex,
    toBase64: toBase64,
    fromBase64: fromBase64
  };
})();
