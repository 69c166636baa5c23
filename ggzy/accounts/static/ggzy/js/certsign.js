/*
 * certsign.js — sign bytes in the browser with an organisation's certificate key (WebCrypto).
 * The private key is imported non-extractable and never leaves the browser; only the signature
 * is sent. Loaded with the CSP nonce: <script src=".../ggzy/js/certsign.js" nonce="…"></script>
 *
 * API (stable; other pages — e.g. agency notice signing — rely on it):
 *
 *   window.GgzyCertSign.loadKey(file: File, password?: string)
 *       -> Promise<{key: CryptoKey, certificatePem: string|null}>
 *     Reads a private key file: PKCS#8 PEM ("BEGIN PRIVATE KEY") or DER, PKCS#1 RSA / SEC1 EC PEM
 *     ("BEGIN RSA/EC PRIVATE KEY"), encrypted PKCS#8 ("BEGIN ENCRYPTED PRIVATE KEY", PBES2 with
 *     PBKDF2 + AES-CBC), or PKCS#12 (.p12/.pfx) whose bags use PBES2 (OpenSSL 3 default). Keys: RSA
 *     (RSASSA-PKCS1-v1_5, SHA-256) or EC P-256 (ECDSA, SHA-256). certificatePem is the certificate
 *     found in the same file (PKCS#12, or a PEM holding key and certificate), else null.
 *     Legacy PKCS#12 (3DES/RC2) is refused with the message to convert it:
 *       openssl pkcs12 -in x.p12 -nodes -nocerts | openssl pkcs8 -topk8 -nocrypt -out key.pem
 *   window.GgzyCertSign.loadCertificate(file: File) -> Promise<string>  (PEM text)
 *   window.GgzyCertSign.sign(key: CryptoKey, data: Uint8Array) -> Promise<Uint8Array>  (DER signature)
 *     RSA: the PKCS#1 v1.5 signature; ECDSA: WebCrypto's r||s converted to DER ECDSA-Sig-Value —
 *     exactly what `openssl dgst -sha256 -verify pub.pem -signature sig data` checks.
 *   Helpers: toBase64(Uint8Array) -> string, fromBase64(string) -> Uint8Array.
 *
 * Declarative forms: a <form data-certsign> with
 *   [data-certsign-data]      hidden input, base64 of the bytes to sign (server-issued),
 *   [data-certsign-signature] hidden input that receives the base64 DER signature,
 *   [data-certsign-key]       <input type=file> WITHOUT a name (so the key file is never posted),
 *   [data-certsign-password]  optional password input WITHOUT a name,
 *   [data-certsign-status]    optional live region for progress and errors,
 * is signed on submit and then submitted. Errors are thrown as Error with a Chinese message.
 */
(function () {
  "use strict";

  var OID = {
    rsa: "1.2.840.113549.1.1.1",
    ec: "1.2.840.10045.2.1",
    p256: "1.2.840.10045.3.1.7",
    pbes2: "1.2.840.113549.1.5.13",
    pbkdf2: "1.2.840.113549.1.5.12",
    hmacSha1: "1.2.840.113549.2.7",
    hmacSha256: "1.2.840.113549.2.9",
    hmacSha384: "1.2.840.113549.2.10",
    hmacSha512: "1.2.840.113549.2.11",
    aes128: "2.16.840.1.101.3.4.1.2",
    aes192: "2.16.840.1.101.3.4.1.22",
    aes256: "2.16.840.1.101.3.4.1.42",
    data: "1.2.840.113549.1.7.1",
    encryptedData: "1.2.840.113549.1.7.6",
    keyBag: "1.2.840.113549.1.12.10.1.1",
    shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
    certBag: "1.2.840.113549.1.12.10.1.3",
    x509Certificate: "1.2.840.113549.1.9.22.1"
  };
  var CONVERT = "请用命令转换为 PKCS#8：openssl pkcs12 -in x.p12 -nodes -nocerts | openssl pkcs8 -topk8 -nocrypt -out key.pem";

  function fail(message) { throw new Error(message); }

  // ---------------------------------------------------------------- base64, PEM

  function toBase64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  }

  function fromBase64(text) {
    var s = atob(text.replace(/[^A-Za-z0-9+/=]/g, ""));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  function pemBlocks(text) {
    var re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
    var blocks = [], m;
    while ((m = re.exec(text)) !== null) blocks.push({ label: m[1], der: fromBase64(m[2]) });
    return blocks;
  }

  function toPem(der, label) {
    var b64 = toBase64(der).replace(/(.{64})/g, "$1\n");
    return "-----BEGIN " + label + "-----\n" + b64.replace(/\n$/, "") + "\n-----END " + label + "-----\n";
  }

  function readFile(file) {
    if (!file) return Promise.reject(new Error("请选择文件"));
    if (file.size > 1024 * 1024) return Promise.reject(new Error("文件过大，不像是密钥或证书文件"));
    return file.arrayBuffer().then(function (buf) { return new Uint8Array(buf); });
  }

  function looksLikePem(bytes) {
    var head = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 4096)));
    return head.indexOf("-----BEGIN") !== -1;
  }

  // ---------------------------------------------------------------- a small DER/BER reader

  function node(buf, pos, limit) {
    if (pos + 2 > limit) fail("文件格式错误（ASN.1 数据不完整）");
    var tag = buf[pos], len = buf[pos + 1], hdr = 2;
    if (len === 0x80) { // BER indefinite length: children up to the end-of-contents octets
      var p = pos + 2, kids = [];
      while (!(buf[p] === 0 && buf[p + 1] === 0)) {
        var c = node(buf, p, limit);
        kids.push(c);
        p = c.end;
        if (p + 2 > limit) fail("文件格式错误（ASN.1 数据不完整）");
      }
      return { tag: tag, pos: pos, start: pos + 2, end: p + 2, contentEnd: p, kids: kids };
    }
    if (len & 0x80) {
      var n = len & 0x7f;
      if (n > 4) fail("文件格式错误（ASN.1 长度过大）");
      len = 0;
      for (var i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i];
      hdr = 2 + n;
    }
    if (pos + hdr + len > limit) fail("文件格式错误（ASN.1 长度越界）");
    return { tag: tag, pos: pos, start: pos + hdr, end: pos + hdr + len, contentEnd: pos + hdr + len, kids: null };
  }

  function children(buf, n) {
    if (n.kids) return n.kids;
    var out = [], p = n.start;
    while (p < n.contentEnd) {
      var c = node(buf, p, n.contentEnd);
      out.push(c);
      p = c.end;
    }
    n.kids = out;
    return out;
  }

  function parse(buf) { return node(buf, 0, buf.length); }

  function content(buf, n) {
    // Primitive content, or the concatenated chunks of a constructed (BER) OCTET STRING.
    if (n.tag & 0x20) {
      var parts = children(buf, n).map(function (c) { return content(buf, c); });
      var total = parts.reduce(function (a, p) { return a + p.length; }, 0);
      var out = new Uint8Array(total), off = 0;
      parts.forEach(function (p) { out.set(p, off); off += p.length; });
      return out;
    }
    return buf.subarray(n.start, n.contentEnd);
  }

  function oid(buf, n) {
    if (n.tag !== 0x06) fail("文件格式错误（应为对象标识符）");
    var bytes = content(buf, n), parts = [], value = 0;
    for (var i = 0; i < bytes.length; i++) {
      value = value * 128 + (bytes[i] & 0x7f);
      if (!(bytes[i] & 0x80)) {
        if (parts.length === 0) {
          var first = value < 80 ? Math.floor(value / 40) : 2;
          parts.push(first, value - first * 40);
        } else {
          parts.push(value);
        }
        value = 0;
      }
    }
    return parts.join(".");
  }

  function integer(buf, n) {
    var bytes = content(buf, n), v = 0;
    for (var i = 0; i < bytes.length; i++) v = v * 256 + bytes[i];
    return v;
  }

  // ---------------------------------------------------------------- DER writer (for wrapping)

  function derLength(len) {
    if (len < 0x80) return [len];
    var out = [];
    while (len > 0) { out.unshift(len & 0xff); len = Math.floor(len / 256); }
    return [0x80 | out.length].concat(out);
  }

  function tlv(tag, body) {
    var head = [tag].concat(derLength(body.length));
    var out = new Uint8Array(head.length + body.length);
    out.set(head, 0);
    out.set(body, head.length);
    return out;
  }

  function concat(list) {
    var total = list.reduce(function (a, p) { return a + p.length; }, 0);
    var out = new Uint8Array(total), off = 0;
    list.forEach(function (p) { out.set(p, off); off += p.length; });
    return out;
  }

  var RSA_ALG = new Uint8Array([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]);
  var EC_P256_ALG = new Uint8Array([0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);

  function wrapPkcs8(alg, inner) {
    return tlv(0x30, concat([new Uint8Array([0x02, 0x01, 0x00]), alg, tlv(0x04, inner)]));
  }

  // ---------------------------------------------------------------- keys

  function importPkcs8(der) {
    var root = parse(der), kids = children(der, root);
    if (root.tag !== 0x30 || kids.length < 3 || kids[1].tag !== 0x30) fail("不是 PKCS#8 私钥");
    var alg = children(der, kids[1]);
    var algOid = oid(der, alg[0]), params;
    if (algOid === OID.rsa) {
      params = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    } else if (algOid === OID.ec) {
      if (alg.length < 2 || alg[1].tag !== 0x06 || oid(der, alg[1]) !== OID.p256) fail("仅支持 P-256 曲线的 ECDSA 私钥");
      params = { name: "ECDSA", namedCurve: "P-256" };
    } else {
      fail("仅支持 RSA 或 ECDSA P-256 私钥");
    }
    var exact = der.slice(0, root.end);
    return crypto.subtle.importKey("pkcs8", exact, params, false, ["sign"]).catch(function () {
      fail("浏览器无法导入该私钥（文件可能已损坏）");
    });
  }

  function pbes2Decrypt(buf, algNode, encrypted, password) {
    // PBES2 (RFC 8018): PBKDF2 (HMAC-SHA-1/256/384/512) + AES-CBC.
    var alg = children(buf, algNode), algOid = oid(buf, alg[0]);
    if (algOid !== OID.pbes2) fail("私钥使用了浏览器不支持的旧式加密算法。" + CONVERT);
    var p = children(buf, alg[1]);
    var kdf = children(buf, p[0]), scheme = children(buf, p[1]);
    if (oid(buf, kdf[0]) !== OID.pbkdf2) fail("不支持的密钥派生算法。" + CONVERT);
    var kp = children(buf, kdf[1]);
    var salt = content(buf, kp[0]), iterations = integer(buf, kp[1]), hash = "SHA-1";
    for (var i = 2; i < kp.length; i++) {
      if (kp[i].tag === 0x30) {
        var prf = oid(buf, children(buf, kp[i])[0]);
        hash = { "1.2.840.113549.2.7": "SHA-1", "1.2.840.113549.2.9": "SHA-256",
          "1.2.840.113549.2.10": "SHA-384", "1.2.840.113549.2.11": "SHA-512" }[prf];
        if (!hash) fail("不支持的 PBKDF2 算法");
      }
    }
    var cipher = oid(buf, scheme[0]);
    var bits = { "2.16.840.1.101.3.4.1.2": 128, "2.16.840.1.101.3.4.1.22": 192, "2.16.840.1.101.3.4.1.42": 256 }[cipher];
    if (!bits) fail("不支持的加密算法。" + CONVERT);
    var iv = content(buf, scheme[1]);
    var pw = new TextEncoder().encode(password || "");
    return crypto.subtle.importKey("raw", pw, "PBKDF2", false, ["deriveKey"]).then(function (base) {
      return crypto.subtle.deriveKey({ name: "PBKDF2", salt: salt, iterations: iterations, hash: hash },
        base, { name: "AES-CBC", length: bits }, false, ["decrypt"]);
    }).then(function (aes) {
      return crypto.subtle.decrypt({ name: "AES-CBC", iv: iv }, aes, encrypted);
    }).then(function (plain) { return new Uint8Array(plain); }, function () {
      fail("私钥口令不正确");
    }).then(function (plain) {
      // A wrong password still "decrypts" whenever its garbage happens to end in valid CBC padding
      // (about 1 in 256 passwords): only a DER SEQUENCE filling the whole plaintext is the key.
      var whole = false;
      try { var n = parse(plain); whole = n.tag === 0x30 && n.end === plain.length; } catch (e) { whole = false; }
      if (!whole) fail("私钥口令不正确");
      return plain;
    });
  }

  function decryptPkcs8(der, password) {
    var kids = children(der, parse(der));
    return pbes2Decrypt(der, kids[0], content(der, kids[1]), password);
  }

  function isPkcs12(der) {
    try {
      var kids = children(der, parse(der));
      return kids.length >= 2 && kids[0].tag === 0x02 && integer(der, kids[0]) === 3 && kids[1].tag === 0x30;
    } catch (e) {
      return false;
    }
  }

  function explicitContent(buf, ctx) {
    // [0] EXPLICIT wrapper: its single child.
    return children(buf, ctx)[0];
  }

  async function readPkcs12(der, password) {
    var pfx = children(der, parse(der));
    var authSafe = children(der, pfx[1]);
    if (oid(der, authSafe[0]) !== OID.data) fail("不支持的 PKCS#12 文件（非口令保护）");
    var safes = content(der, explicitContent(der, authSafe[1]));
    var found = { keyDer: null, certs: [] };
    var infos = children(safes, parse(safes));
    for (var i = 0; i < infos.length; i++) {
      var ci = children(safes, infos[i]), type = oid(safes, ci[0]), bagsDer;
      if (type === OID.data) {
        bagsDer = content(safes, explicitContent(safes, ci[1]));
      } else if (type === OID.encryptedData) {
        var ed = children(safes, explicitContent(safes, ci[1]));
        var eci = children(safes, ed[1]);
        bagsDer = await pbes2Decrypt(safes, eci[1], content(safes, eci[2]), password);
      } else {
        continue;
      }
      var bags = children(bagsDer, parse(bagsDer));
      for (var j = 0; j < bags.length; j++) {
        var bag = children(bagsDer, bags[j]), bagType = oid(bagsDer, bag[0]);
        var value = explicitContent(bagsDer, bag[1]);
        if (bagType === OID.keyBag) {
          found.keyDer = bagsDer.slice(value.pos, value.end);
        } else if (bagType === OID.shroudedKeyBag) {
          var epki = bagsDer.slice(value.pos, value.end);
          found.keyDer = await decryptPkcs8(epki, password);
        } else if (bagType === OID.certBag) {
          var cb = children(bagsDer, value);
          if (oid(bagsDer, cb[0]) === OID.x509Certificate) {
            found.certs.push(new Uint8Array(content(bagsDer, explicitContent(bagsDer, cb[1]))));
          }
        }
      }
    }
    if (!found.keyDer) fail("PKCS#12 文件中没有私钥");
    return found;
  }

  async function loadKey(file, password) {
    var bytes = await readFile(file);
    var certificatePem = null, keyDer = null;
    if (looksLikePem(bytes)) {
      var blocks = pemBlocks(new TextDecoder("latin1").decode(bytes));
      for (var i = 0; i < blocks.length; i++) {
        var b = blocks[i];
        if (b.label === "CERTIFICATE" && !certificatePem) certificatePem = toPem(b.der, "CERTIFICATE");
        else if (b.label === "PRIVATE KEY") keyDer = b.der;
        else if (b.label === "ENCRYPTED PRIVATE KEY") keyDer = await decryptPkcs8(b.der, password);
        else if (b.label === "RSA PRIVATE KEY") keyDer = wrapPkcs8(RSA_ALG, b.der);
        else if (b.label === "EC PRIVATE KEY") keyDer = wrapPkcs8(EC_P256_ALG, b.der);
      }
      if (!keyDer) fail(blocks.length ? "文件中没有私钥（请选择私钥文件，而不是证书文件）" : "无法识别的 PEM 文件");
    } else if (isPkcs12(bytes)) {
      var p12 = await readPkcs12(bytes, password);
      keyDer = p12.keyDer;
      if (p12.certs.length) certificatePem = toPem(p12.certs[0], "CERTIFICATE");
    } else {
      keyDer = bytes;
    }
    var key;
    try {
      key = await importPkcs8(keyDer);
    } catch (e) {
      if (!looksLikePem(bytes) && !isPkcs12(bytes)) fail("无法读取私钥：请选择 PKCS#8（.pem/.key/.der）或 PKCS#12（.p12/.pfx）文件");
      throw e;
    }
    return { key: key, certificatePem: certificatePem };
  }

  async function loadCertificate(file) {
    var bytes = await readFile(file);
    if (looksLikePem(bytes)) {
      var blocks = pemBlocks(new TextDecoder("latin1").decode(bytes)).filter(function (b) { return b.label === "CERTIFICATE"; });
      if (!blocks.length) fail("文件中没有证书");
      return toPem(blocks[0].der, "CERTIFICATE");
    }
    var root = parse(bytes);
    if (root.tag !== 0x30) fail("不是证书文件");
    return toPem(bytes.slice(0, root.end), "CERTIFICATE");
  }

  // ---------------------------------------------------------------- signing

  function derInteger(bytes) {
    var i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    var v = bytes.subarray(i);
    if (v[0] & 0x80) v = concat([new Uint8Array([0]), v]);
    return tlv(0x02, v);
  }

  function p1363ToDer(sig) {
    var half = sig.length / 2;
    return tlv(0x30, concat([derInteger(sig.subarray(0, half)), derInteger(sig.subarray(half))]));
  }

  async function sign(key, data) {
    if (key.algorithm.name === "ECDSA") {
      var raw = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, data);
      return p1363ToDer(new Uint8Array(raw));
    }
    if (key.algorithm.name === "RSASSA-PKCS1-v1_5") {
      return new Uint8Array(await crypto.subtle.sign({ name: "RSASSA-PKCS1-v1_5" }, key, data));
    }
    fail("不支持的密钥类型");
  }

  // ---------------------------------------------------------------- declarative forms

  function bindForm(form) {
    var status = form.querySelector("[data-certsign-status]");
    function say(text, isError) {
      if (!status) return;
      status.textContent = text;
      status.className = "form-status" + (isError ? " alert alert-error" : "");
    }
    form.addEventListener("submit", function (event) {
      var target = form.querySelector("[data-certsign-signature]");
      if (target.value) return; // already signed: a normal submit
      event.preventDefault();
      if (!window.crypto || !crypto.subtle) {
        say("当前浏览器不支持 WebCrypto（需 HTTPS 或本机访问），无法签名", true);
        return;
      }
      var fileInput = form.querySelector("[data-certsign-key]");
      var pw = form.querySelector("[data-certsign-password]");
      var file = fileInput && fileInput.files && fileInput.files[0];
      if (!file) { say("请选择私钥文件", true); if (fileInput) fileInput.focus(); return; }
      var buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      say("正在本机签名…", false);
      loadKey(file, pw ? pw.value : "").then(function (loaded) {
        var data = fromBase64(form.querySelector("[data-certsign-data]").value);
        return sign(loaded.key, data);
      }).then(function (sig) {
        target.value = toBase64(sig);
        if (pw) pw.value = "";
        say("签名完成，正在提交…", false);
        form.submit();
      }).catch(function (err) {
        buttons.forEach(function (b) { b.disabled = false; });
        say((err && err.message) || "签名失败", true);
      });
    });
  }

  window.GgzyCertSign = {
    loadKey: loadKey,
    loadCertificate: loadCertificate,
    sign: sign,
    toBase64: toBase64,
    fromBase64: fromBase64,
    bindForm: bindForm
  };

  function init() {
    document.querySelectorAll("form[data-certsign]").forEach(bindForm);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
