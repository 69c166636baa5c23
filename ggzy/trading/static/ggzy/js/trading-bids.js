/*
 * trading-bids.js — the bidder's 投标 page: envelope key in IndexedDB, seal in the browser
 * (GgzySealing), resumable chunked upload, receipt verified with WebCrypto against the platform
 * public key. Loaded with the CSP nonce after sealing.js and certsign.js; reads its settings from
 * the JSON script #bid-config. No inline code.
 *
 * The envelope key: generated here (P-256; the CryptoKeys are non-extractable and stored in
 * IndexedDB under "bidder:<credit code>"; a PKCS#8 backup file is downloaded once, encrypted with
 * the backup password when one is given) or imported from a key file (the backup, encrypted or
 * not, or `ggzy bid keygen`). Its public key is registered on the
 * platform, which refuses envelopes not addressed to a registered key.
 *
 * Upload: POST {total_size} → token; PUT chunks with Content-Range from the server's offset; on a
 * network error ask the server where it stands (GET) and continue from there; POST finalise →
 * receipt.
 */
(function () {
  "use strict";

  var S = window.GgzySealing;
  var C = window.GgzyCertSign;
  var cfgNode = document.getElementById("bid-config");
  if (!cfgNode || !S) return;
  var cfg = JSON.parse(cfgNode.textContent);
  var subtle = window.crypto && window.crypto.subtle;
  var STORE_KEY = "bidder:" + cfg.bidder;

  function $(id) { return document.getElementById(id); }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function say(id, text) { var n = $(id); if (n) { n.textContent = text; n.hidden = false; } }
  function showError(text) { say("bid-error", text); }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // ------------------------------------------------------------------ IndexedDB

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("ggzy-bid-keys", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("keys"); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(new Error("无法打开浏览器密钥库（IndexedDB）")); };
    });
  }
  async function idb(mode, fn) {
    var db = await openDb();
    return new Promise(function (resolve, reject) {
      var tx = db.transaction("keys", mode);
      var req = fn(tx.objectStore("keys"));
      tx.oncomplete = function () { resolve(req.result); };
      tx.onerror = function () { reject(new Error("浏览器密钥库读写失败")); };
    });
  }
  function loadLocalKey() { return idb("readonly", function (s) { return s.get(STORE_KEY); }); }
  function saveLocalKey(v) { return idb("readwrite", function (s) { return s.put(v, STORE_KEY); }); }

  // ------------------------------------------------------------------ HTTP

  async function api(method, url, body, headers) {
    var h = Object.assign({ "X-CSRFToken": csrf() }, headers || {});
    if (body !== undefined && !(body instanceof Blob)) {
      h["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    var resp = await fetch(url, { method: method, headers: h, body: body, credentials: "same-origin" });
    var data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok) {
      var err = new Error((data && data.error && data.error.message) || ("服务器返回 " + resp.status));
      err.status = resp.status;
      err.data = data;
      throw err;
    }
    return data;
  }

  // ------------------------------------------------------------------ key

  function pemOf(label, der) {
    var b = S.toBase64(der).replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
    return "-----BEGIN " + label + "-----\n" + b + "\n-----END " + label + "-----\n";
  }

  // Password-protected backup: PKCS#8 EncryptedPrivateKeyInfo, PBES2 = PBKDF2-HMAC-SHA256
  // (600 000 iterations) + AES-256-CBC — what `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes, so
  // the kit (`ggzy bid … --password-file`) and OpenSSL read it too.
  var PBKDF2_ITERATIONS = 600000;
  function tlv(tag, body) {
    var n = body.length, len;
    if (n < 128) len = [n];
    else if (n < 256) len = [0x81, n];
    else len = [0x82, n >> 8, n & 255];
    var out = new Uint8Array(1 + len.length + n);
    out[0] = tag;
    out.set(len, 1);
    out.set(body, 1 + len.length);
    return out;
  }
  function cat() {
    var parts = Array.prototype.slice.call(arguments), n = 0, o = 0;
    parts.forEach(function (p) { n += p.length; });
    var out = new Uint8Array(n);
    parts.forEach(function (p) { out.set(p, o); o += p.length; });
    return out;
  }
  function seq() { return tlv(0x30, cat.apply(null, arguments)); }
  function intDer(v) {
    var bytes = [];
    while (v > 0) { bytes.unshift(v & 255); v = Math.floor(v / 256); }
    if (bytes[0] & 0x80) bytes.unshift(0);
    return tlv(0x02, new Uint8Array(bytes));
  }
  var OID_PBES2 = new Uint8Array([6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 5, 13]);
  var OID_PBKDF2 = new Uint8Array([6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 5, 12]);
  var OID_HMAC_SHA256 = new Uint8Array([6, 8, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 2, 9]);
  var OID_AES256_CBC = new Uint8Array([6, 9, 0x60, 0x86, 0x48, 1, 0x65, 3, 4, 1, 0x2a]);

  async function pbkdf2Key(password, salt, iterations, usage) {
    var base = await subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveKey"]);
    return subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: iterations }, base,
      { name: "AES-CBC", length: 256 }, false, [usage]);
  }

  async function encryptPkcs8(der, password) {
    var salt = crypto.getRandomValues(new Uint8Array(16));
    var iv = crypto.getRandomValues(new Uint8Array(16));
    var key = await pbkdf2Key(password, salt, PBKDF2_ITERATIONS, "encrypt");
    var data = new Uint8Array(await subtle.encrypt({ name: "AES-CBC", iv: iv }, key, der));
    var kdf = seq(OID_PBKDF2, seq(tlv(0x04, salt), intDer(PBKDF2_ITERATIONS), seq(OID_HMAC_SHA256, new Uint8Array([5, 0]))));
    var alg = seq(OID_PBES2, seq(kdf, seq(OID_AES256_CBC, tlv(0x04, iv))));
    return pemOf("ENCRYPTED PRIVATE KEY", seq(alg, tlv(0x04, data)));
  }

  // A minimal DER reader: enough to take our (and OpenSSL's PBES2) EncryptedPrivateKeyInfo apart.
  function readTlv(buf, at) {
    var tag = buf[at], len = buf[at + 1], hdr = 2;
    if (len & 0x80) {
      var k = len & 0x7f;
      len = 0;
      for (var i = 0; i < k; i++) len = len * 256 + buf[at + 2 + i];
      hdr = 2 + k;
    }
    if (at + hdr + len > buf.length) throw new Error("密钥备份文件已损坏");
    return { tag: tag, body: buf.subarray(at + hdr, at + hdr + len), end: at + hdr + len };
  }
  function children(body) {
    var out = [], at = 0;
    while (at < body.length) { var t = readTlv(body, at); out.push(t); at = t.end; }
    return out;
  }
  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  async function decryptPkcs8(der, password) {
    try {
      var top = children(readTlv(der, 0).body);
      var alg = children(top[0].body);
      if (!sameBytes(tlv(6, alg[0].body), OID_PBES2)) throw new Error("x");
      var params = children(alg[1].body);
      var kdf = children(params[0].body);
      var kdfParams = children(kdf[1].body);
      var salt = kdfParams[0].body;
      var iterations = 0;
      kdfParams[1].body.forEach(function (b) { iterations = iterations * 256 + b; });
      var prf = kdfParams.length > 2 && kdfParams[kdfParams.length - 1].tag === 0x30 ? children(kdfParams[kdfParams.length - 1].body)[0] : null;
      if (!prf || !sameBytes(tlv(6, prf.body), OID_HMAC_SHA256)) throw new Error("x");
      var cipher = children(params[1].body);
      if (!sameBytes(tlv(6, cipher[0].body), OID_AES256_CBC)) throw new Error("x");
      var iv = cipher[1].body;
      var data = top[1].body;
    } catch (e) {
      throw new Error("不支持的加密密钥文件（应为 PBES2：PBKDF2-HMAC-SHA256 + AES-256-CBC）");
    }
    if (!password) throw new Error("该密钥备份文件有密码保护：请先在“备份文件密码”中输入密码");
    var key = await pbkdf2Key(password, salt, iterations, "decrypt");
    try {
      return new Uint8Array(await subtle.decrypt({ name: "AES-CBC", iv: iv }, key, data));
    } catch (e) {
      throw new Error("密钥备份文件的密码不正确");
    }
  }

  function pemDer(text, label) {
    var m = text.match(new RegExp("-----BEGIN " + label + "-----([\\s\\S]*?)-----END " + label + "-----"));
    return m ? S.fromBase64(m[1].replace(/\s+/g, "")) : null;
  }

  async function registerIfNeeded(local) {
    if (cfg.registeredKeyIds.indexOf(local.keyId) >= 0) return;
    await api("POST", cfg.keyRegisterUrl, { public_key_pem: local.publicPem, label: "浏览器密钥" });
    cfg.registeredKeyIds.push(local.keyId);
  }

  async function showKeyStatus() {
    var local = null;
    try { local = await loadLocalKey(); } catch (e) { say("key-status", e.message); return null; }
    if (!local) {
      say("key-status", "本浏览器中还没有投标密钥：请生成新密钥，或导入密钥备份文件。");
    } else if (cfg.registeredKeyIds.indexOf(local.keyId) < 0) {
      say("key-status", "本浏览器的投标密钥（" + local.keyId.slice(0, 16) + "…）尚未登记或已注销。");
    } else {
      say("key-status", "投标密钥已就绪并已登记（标识 " + local.keyId.slice(0, 16) + "…）。");
    }
    return local;
  }

  function download(text, name, type) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  async function adoptKeys(keys, backupPem) {
    var spki = new Uint8Array(await subtle.exportKey("spki", keys.publicKey));
    var local = {
      ecdh: keys.ecdh,
      publicKey: keys.publicKey,
      publicPem: keys.publicPem || pemOf("PUBLIC KEY", spki),
      keyId: await S.keyId(keys.publicKey)
    };
    if (backupPem) download(backupPem, "ggzy-bid-key-" + cfg.bidder + ".pem", "application/x-pem-file");
    await saveLocalKey(local);
    await registerIfNeeded(local);
    await showKeyStatus();
  }

  function bindKeyButtons() {
    var gen = $("key-generate");
    if (gen) gen.addEventListener("click", function () {
      gen.disabled = true;
      var pw = $("key-password") ? $("key-password").value : "";
      S.generateKey().then(async function (keys) {
        var backup = keys.pkcs8Pem;
        if (pw) backup = await encryptPkcs8(pemDer(keys.pkcs8Pem, "PRIVATE KEY"), pw);
        keys.pkcs8Pem = null;
        return adoptKeys(keys, backup);
      })
        .catch(function (e) { say("key-status", e.message || "生成密钥失败"); })
        .then(function () { gen.disabled = false; });
    });
    var imp = $("key-import-file");
    if (imp) imp.addEventListener("change", function () {
      var file = imp.files && imp.files[0];
      if (!file) return;
      file.arrayBuffer().then(async function (buf) {
        var bytes = new Uint8Array(buf);
        var text = new TextDecoder("latin1").decode(bytes);
        var encrypted = pemDer(text, "ENCRYPTED PRIVATE KEY");
        if (encrypted) return S.importPkcs8(await decryptPkcs8(encrypted, $("key-password") ? $("key-password").value : ""));
        return S.importPkcs8(text.indexOf("-----BEGIN") >= 0 ? text : bytes);
      }).then(function (keys) { return adoptKeys(keys, null); })
        .catch(function (e) { say("key-status", e.message || "导入密钥失败"); })
        .then(function () { imp.value = ""; });
    });
  }

  // ------------------------------------------------------------------ signing key

  function derToRaw(der) {
    // DER ECDSA-Sig-Value → r||s (32 bytes each) for WebCrypto verify
    var i = 2;
    if (der[0] !== 0x30) throw new Error("签名格式无效");
    if (der[1] & 0x80) i = 2 + (der[1] & 0x7f);
    function int() {
      if (der[i] !== 0x02) throw new Error("签名格式无效");
      var len = der[i + 1];
      var v = der.subarray(i + 2, i + 2 + len);
      i += 2 + len;
      while (v.length > 32 && v[0] === 0) v = v.subarray(1);
      var out = new Uint8Array(32);
      out.set(v, 32 - v.length);
      return out;
    }
    var r = int(), s = int();
    var raw = new Uint8Array(64);
    raw.set(r, 0);
    raw.set(s, 32);
    return raw;
  }

  async function signerKeyIdFor(key) {
    if (!cfg.signers.length) throw new Error("本单位尚未绑定可用于签名的 P-256 数字证书：请先在机构证书页面绑定");
    if (key.algorithm.name !== "ECDSA") throw new Error("签名私钥必须是 P-256（ECDSA）密钥");
    // Which bound certificate is this key's? Sign a probe and verify against each certificate key.
    var probe = new TextEncoder().encode("ggzy signer probe");
    var sig = new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, probe));
    for (var j = 0; j < cfg.signers.length; j++) {
      var pub = await S.importPublicKey(cfg.signers[j].public_pem, "ecdsa");
      if (await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, sig, probe)) return cfg.signers[j].key_id;
    }
    throw new Error("该私钥不属于本单位已绑定的任何数字证书");
  }

  // ------------------------------------------------------------------ upload

  var pending = null; // {blob, token, sha}

  async function uploadFrom(state) {
    var bar = $("upload-bar");
    var status = await api("GET", "/trading/bid-uploads/" + state.token + "/");
    var offset = status.received;
    var failures = 0;
    while (offset < state.blob.size) {
      var end = Math.min(offset + cfg.chunkBytes, state.blob.size);
      try {
        var r = await api("PUT", "/trading/bid-uploads/" + state.token + "/", state.blob.slice(offset, end), {
          "Content-Range": "bytes " + offset + "-" + (end - 1) + "/" + state.blob.size,
          "Content-Type": "application/octet-stream"
        });
        offset = r.received;
        failures = 0;
      } catch (e) {
        if (e.status === 409 && e.data && e.data.error && e.data.error.code === "offset_mismatch") {
          offset = parseInt(e.data.error.fields.offset, 10);
          continue;
        }
        if (e.status && e.status < 500) throw e;
        failures += 1;
        if (failures > 5) throw new Error("网络中断，上传已暂停：请检查网络后点击“继续上传”");
        say("bid-progress-text", "连接中断，正在重试（第 " + failures + " 次）…");
        await sleep(500 * failures);
        try { offset = (await api("GET", "/trading/bid-uploads/" + state.token + "/")).received; } catch (e2) { /* retry */ }
      }
      bar.value = Math.round((offset / state.blob.size) * 100);
      say("bid-progress-text", "已上传 " + offset + " / " + state.blob.size + " 字节");
    }
    say("bid-progress-text", "上传完成，平台正在校验信封…");
    return api("POST", "/trading/bid-uploads/" + state.token + "/finalise/");
  }

  async function continueUpload() {
    var resume = $("upload-resume");
    resume.hidden = true;
    try {
      var result = await uploadFrom(pending);
      pending = null;
      await showReceipt(result.receipt, result.bid);
    } catch (e) {
      showError(e.message || "上传失败");
      if (pending && !(e.status && e.status < 500)) resume.hidden = false;
      else $("bid-submit").disabled = false;
    }
  }

  // ------------------------------------------------------------------ receipt

  var platformKey = null;

  async function verifyReceipt(doc, expectedSha) {
    if (!platformKey) {
      var pem = await (await fetch(cfg.platformKeyUrl, { credentials: "same-origin" })).text();
      platformKey = await S.importPublicKey(pem, "ecdsa");
    }
    var body = new TextEncoder().encode(S.canonicalJson(doc.receipt));
    var ok = await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, platformKey, derToRaw(S.fromBase64(doc.signature)), body);
    if (!ok) throw new Error("回执签名验证失败：不是交易平台签发的，或内容被修改");
    if (doc.receipt.section !== cfg.section || doc.receipt.bidder !== cfg.bidder) throw new Error("回执的标段或投标人与本页不符");
    if (expectedSha && doc.receipt.envelope_sha256 !== expectedSha) throw new Error("回执中的信封哈希与本机密封的信封不符");
    return "回执验证通过：平台签名有效，序号 " + doc.receipt.sequence + "，服务器时间 " + doc.receipt.server_time;
  }

  async function showReceipt(doc, bid) {
    $("bid-progress").hidden = true;
    $("receipt-step").hidden = false;
    var text = JSON.stringify(doc, null, 2);
    $("receipt-json").textContent = text;
    var a = $("receipt-download");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    a.download = "receipt-" + cfg.section + "-v" + bid.version + ".json";
    say("receipt-status", "已递交第 " + bid.version + " 版。正在验证回执…");
    try {
      say("receipt-status", "已递交第 " + bid.version + " 版。" + await verifyReceipt(doc, pending && pending.sha || lastSha));
    } catch (e) {
      say("receipt-status", e.message);
    }
  }

  var lastSha = null;

  // ------------------------------------------------------------------ seal and submit

  async function submit(event) {
    event.preventDefault();
    $("bid-error").hidden = true;
    var button = $("bid-submit");
    var file = $("bid-file").files[0];
    var keyFile = $("signing-key").files[0];
    if (!file) { showError("请选择投标文件"); $("bid-file").focus(); return; }
    if (file.size > cfg.maxBytes) { showError("投标文件过大"); return; }
    var summary = {};
    var inputs = document.querySelectorAll("[data-summary-key]");
    for (var i = 0; i < inputs.length; i++) {
      var v = inputs[i].value.trim();
      if (!v) { showError("请填写开标一览表：" + inputs[i].labels[0].textContent); inputs[i].focus(); return; }
      summary[inputs[i].getAttribute("data-summary-key")] = v;
    }
    if (!keyFile) { showError("请选择签名证书私钥文件"); $("signing-key").focus(); return; }
    if (cfg.needsEscrow && !cfg.escrowPublicKey) { showError("交易中心尚未设置本标段的备用解密公钥，暂不能递交"); return; }
    button.disabled = true;
    try {
      var local = await loadLocalKey();
      if (!local) throw new Error("本浏览器中没有投标密钥：请先生成或导入");
      await registerIfNeeded(local);
      var loaded = await C.loadKey(keyFile, $("signing-password").value);
      $("signing-password").value = "";
      var signerKeyId = await signerKeyIdFor(loaded.key);
      $("bid-progress").hidden = false;
      say("bid-progress-text", "正在本机加密…");
      var sealed = await S.sealFile(file, {
        section: cfg.section,
        bidder: cfg.bidder,
        summary: summary,
        fileName: file.name,
        mediaType: file.type || "application/octet-stream",
        bidderPublicKey: local.publicKey,
        escrowPublicKey: cfg.escrowPublicKey || undefined,
        signingKey: loaded.key,
        signerKeyId: signerKeyId,
        onProgress: function (done, total) { $("seal-bar").value = total ? Math.round((done / total) * 100) : 100; }
      });
      $("seal-bar").value = 100;
      lastSha = sealed.envelopeSha256;
      var started = await api("POST", cfg.uploadUrl, { total_size: sealed.blob.size });
      pending = { blob: sealed.blob, token: started.token, sha: sealed.envelopeSha256 };
    } catch (e) {
      showError(e.message || "密封失败");
      button.disabled = false;
      return;
    }
    await continueUpload();
  }

  function bindVerifyButtons() {
    document.querySelectorAll(".js-verify-receipt").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var out = btn.closest(".bid-card").querySelector(".verify-result");
        fetch(btn.getAttribute("data-receipt-url"), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (doc) { return verifyReceipt(doc, null); })
          .then(function (msg) { out.textContent = msg; })
          .catch(function (e) { out.textContent = e.message || "回执验证失败"; });
      });
    });
  }

  if (!subtle) {
    say("key-status", "当前浏览器不支持 WebCrypto（需 HTTPS 或本机访问），无法在本机加密投标文件");
    return;
  }
  bindKeyButtons();
  bindVerifyButtons();
  showKeyStatus();
  var form = $("bid-form");
  if (form) form.addEventListener("submit", submit);
  var resume = $("upload-resume");
  if (resume) resume.addEventListener("click", continueUpload);
})();
