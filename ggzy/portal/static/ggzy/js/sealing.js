/*
 * sealing.js — seal a bid in the browser (WebCrypto), format ggzy-envelope/1, suite intl.
 * The format is specified in docs/formats/sealed-envelope.md; the Python reference is
 * ggzy/sealing/envelope.py. Loaded with the CSP nonce; no inline code, no eval.
 *
 * API (window.GgzySealing):
 *
 *   sealFile(file: Blob, opts) -> Promise<{blob: Blob|null, header: object,
 *                                         envelopeSha256: string|null, size: number}>
 *     Reads the file in chunk-size slices (Blob.slice), so memory stays constant for a 1 GB bid.
 *     opts: section, bidder (header strings: printable ASCII, no space/quote/backslash),
 *       summary (object), fileName, mediaType,
 *       bidderPublicKey (CryptoKey ECDH public, or SPKI PEM/DER, or raw 65-byte point),
 *       escrowPublicKey (same forms; omit when the section has no backup decryption),
 *       signingKey (CryptoKey ECDSA P-256 private — e.g. from GgzyCertSign.loadKey or importPkcs8),
 *       signerPublicKey (the signing key's public key, same forms) — or signerKeyId (64 hex, the
 *         key_id of the bound certificate's public key, e.g. rendered by the server),
 *       chunkSize (default 1 MiB), createdAt (Date, default now),
 *       sink (optional async function(Uint8Array): receives the envelope piece by piece, e.g. to
 *             upload it; without a sink the envelope is returned as a Blob),
 *       onProgress (optional function(doneBytes, totalBytes)),
 *       envelopeHash (default true: compute the envelope's SHA-256 to compare with the receipt;
 *         false skips it, about a third faster).
 *   readHeader(envelope: Blob) -> Promise<object>   the clear-text header (parsed JSON)
 *   unwrapContentKey(envelope: Blob|object header, privateKey: CryptoKey ECDH, publicKey) ->
 *       Promise<Uint8Array(32)>   the content key to hand to the server at the opening
 *   importPkcs8(pemOrDer: string|Uint8Array) -> Promise<{ecdh, ecdsa, publicKey, signingPublicKey}>
 *       private keys imported NON-extractable (once for ECDH, once for ECDSA)
 *   generateKey() -> Promise<{pkcs8Pem, publicPem, ecdh, ecdsa, publicKey, signingPublicKey}>
 *       a new P-256 key: pkcs8Pem is the one-time backup export; the CryptoKeys are non-extractable
 *       and can be stored in IndexedDB (structured clone keeps them non-extractable)
 *   importPublicKey(data, usage "ecdh"|"ecdsa") -> Promise<CryptoKey>
 *   keyId(publicKey) -> Promise<string>  SHA-256 hex of the SPKI DER
 *   Helpers: toHex, fromHex, toBase64, fromBase64, canonicalJson, Sha256 (incremental SHA-256,
 *   because WebCrypto's digest is one-shot and the file hash must stream).
 * Errors are thrown as Error with a Chinese message.
 */
(function () {
  "use strict";

  var VERSION = "ggzy-envelope/1";
  var SUITE = "intl";
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

  // ------------------------------------------------------------------ keys

  var ECDH = { name: "ECDH", namedCurve: "P-256" };
  var ECDSA = { name: "ECDSA", namedCurve: "P-256" };

  async function importPublicKey(data, usage) {
    var alg = usage === "ecdsa" ? ECDSA : ECDH;
    var uses = usage === "ecdsa" ? ["verify"] : [];
    if (data && data.type === "public") {
      if (data.algorithm.name === alg.name) return data;
      return subtle.importKey("spki", await subtle.exportKey("spki", data), alg, true, uses);
    }
    var bytes = asBytes(data);
    if (bytes.length === 65 && bytes[0] === 4) return subtle.importKey("raw", bytes, alg, true, uses);
    try {
      return await subtle.importKey("spki", bytes, alg, true, uses);
    } catch (e) {
      fail("无法读取公钥（应为 P-256 的 SPKI PEM/DER 公钥）");
    }
  }
  async function rawPoint(publicKey) {
    return new Uint8Array(await subtle.exportKey("raw", publicKey));
  }
  async function keyId(publicKey) {
    var key = await importPublicKey(publicKey, "ecdh");
    return toHex(await sha256(new Uint8Array(await subtle.exportKey("spki", key))));
  }

  async function importPkcs8(pemOrDer) {
    var der = asBytes(pemOrDer);
    var tmp;
    try {
      tmp = await subtle.importKey("pkcs8", der, ECDH, true, ["deriveBits"]);
    } catch (e) {
      fail("无法读取私钥文件（应为未加密的 P-256 PKCS#8；加密的密钥请用证书签名组件打开）");
    }
    var jwk = await subtle.exportKey("jwk", tmp);
    var pub = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true };
    return {
      ecdh: await subtle.importKey("pkcs8", der, ECDH, false, ["deriveBits"]),
      ecdsa: await subtle.importKey("pkcs8", der, ECDSA, false, ["sign"]),
      publicKey: await subtle.importKey("jwk", pub, ECDH, true, []),
      signingPublicKey: await subtle.importKey("jwk", pub, ECDSA, true, ["verify"])
    };
  }

  function pem(label, der) {
    var b = toBase64(der).replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
    return "-----BEGIN " + label + "-----\n" + b + "\n-----END " + label + "-----\n";
  }

  async function generateKey() {
    var pair = await subtle.generateKey(ECDH, true, ["deriveBits"]);
    var pkcs8 = new Uint8Array(await subtle.exportKey("pkcs8", pair.privateKey));
    var keys = await importPkcs8(pkcs8);
    keys.pkcs8Pem = pem("PRIVATE KEY", pkcs8);
    keys.publicPem = pem("PUBLIC KEY", new Uint8Array(await subtle.exportKey("spki", pair.publicKey)));
    return keys;
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

  // ------------------------------------------------------------------ seal

  async function sealFile(file, opts) {
    if (!subtle) fail("此浏览器不支持 WebCrypto，无法加密投标文件（请使用 HTTPS 和新版浏览器）");
    ["section", "bidder"].forEach(function (k) {
      if (typeof opts[k] !== "string" || !SAFE_TEXT.test(opts[k])) fail("标段编号或投标人标识无效");
    });
    if (opts.signerKeyId && !/^[0-9a-f]{64}$/.test(opts.signerKeyId)) fail("签名证书密钥标识无效");
    var chunkSize = opts.chunkSize || (1 << 20);
    if (chunkSize < 256 || chunkSize > (1 << 24) || (chunkSize & (chunkSize - 1))) fail("分块大小无效");
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
    var contentKey = crypto.getRandomValues(new Uint8Array(32));
    var prefix = crypto.getRandomValues(new Uint8Array(7));
    var core = {
      bidder: opts.bidder,
      chunk_size: chunkSize,
      created_at: isoSeconds(opts.createdAt || new Date()),
      key_check: toBase64(await sha256(concat([KEY_CHECK, contentKey]))),
      nonce_prefix: toBase64(prefix),
      payload_size: payloadSize,
      section: opts.section,
      signer: opts.signerKeyId || await keyId(opts.signerPublicKey),
      suite: SUITE,
      version: VERSION
    };
    var coreHash = await sha256(te.encode(canonicalJson(core)));
    var targets = [["bidder", opts.bidderPublicKey]];
    if (opts.escrowPublicKey) targets.push(["escrow", opts.escrowPublicKey]);
    var recipients = [];
    for (var t = 0; t < targets.length; t++) {
      var role = targets[t][0];
      var recipient = await importPublicKey(targets[t][1], "ecdh");
      var eph = await subtle.generateKey(ECDH, false, ["deriveBits"]);
      var ephPoint = await rawPoint(eph.publicKey);
      var shared = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: recipient }, eph.privateKey, 256));
      var info = concat([WRAP, te.encode(role), new Uint8Array([0]), ephPoint, await rawPoint(recipient)]);
      var kwk = await aesKey(await hkdf(shared, coreHash, info), ["encrypt"]);
      var wrapped = new Uint8Array(await subtle.encrypt(
        { name: "AES-GCM", iv: new Uint8Array(12), additionalData: coreHash, tagLength: 128 }, kwk, contentKey));
      recipients.push({ ephemeral: toBase64(ephPoint), key_id: await keyId(recipient), role: role, wrapped_key: toBase64(wrapped) });
    }
    var header = Object.assign({}, core, { recipients: recipients });
    var headerBytes = te.encode(canonicalJson(header));
    var headerHash = await sha256(headerBytes);
    var aead = await aesKey(contentKey, ["encrypt"]);
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
    var fileSha = new Sha256();
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
        fileSha.update(piece);
        plain.set(piece, a - start);
      }
      if (end > fileEnd) {
        if (!fileHash) fileHash = fileSha.digest();
        var h0 = Math.max(start, fileEnd);
        plain.set(fileHash.subarray(h0 - fileEnd, end - fileEnd), h0 - start);
      }
      var ct = new Uint8Array(await subtle.encrypt(
        { name: "AES-GCM", iv: nonce(prefix, i, i === n - 1), additionalData: headerHash, tagLength: 128 }, aead, plain));
      chain = await sha256(concat([chain, ct]));
      await emit(ct);
      if (opts.onProgress) opts.onProgress(Math.min(fileSize, Math.max(0, end - fileStart)), fileSize);
    }
    var raw = new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, opts.signingKey, concat([SIGNATURE, chain])));
    var der = rawToDer(raw);
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
    if (header.version !== VERSION || header.suite !== SUITE) fail("不支持的信封版本：" + header.version);
    return header;
  }

  async function unwrapContentKey(envelopeOrHeader, privateKey, publicKey) {
    var header = envelopeOrHeader instanceof Blob ? await readHeader(envelopeOrHeader) : envelopeOrHeader;
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
    var key;
    try {
      key = new Uint8Array(await subtle.decrypt(
        { name: "AES-GCM", iv: new Uint8Array(12), additionalData: coreHash, tagLength: 128 }, kwk, fromBase64(entry.wrapped_key)));
    } catch (e) {
      fail("内容密钥封装认证失败（信封头被修改或封装损坏）");
    }
    if (toBase64(await sha256(concat([KEY_CHECK, key]))) !== header.key_check) fail("解出的内容密钥与信封的密钥承诺不符");
    return key;
  }

  window.GgzySealing = {
    VERSION: VERSION,
    sealFile: sealFile,
    readHeader: readHeader,
    unwrapContentKey: unwrapContentKey,
    importPkcs8: importPkcs8,
    generateKey: generateKey,
    importPublicKey: importPublicKey,
    keyId: keyId,
    canonicalJson: canonicalJson,
    Sha256: Sha256,
    toHex: toHex,
    fromHex: fromHex,
    toBase64: toBase64,
    fromBase64: fromBase64
  };
})();
