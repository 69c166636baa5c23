/*
 * trading-bids.js — the bidder's 投标 page: envelope key in IndexedDB, seal in the browser
 * (GgzySealing), resumable chunked upload, receipt verified against the platform public key of
 * the receipt's suite (ECDSA P-256 in WebCrypto, SM2 with sm-crypto-v2). Loaded with the CSP nonce after sealing.js and certsign.js; reads its settings from
 * the JSON script #bid-config. No inline code.
 *
 * The envelope key: generated here (P-256; the CryptoKeys are non-extractable and stored in
 * IndexedDB under "bidder:<credit code>"; a PKCS#8 backup file is downloaded once, encrypted with
 * the backup password when one is given) or imported from a key file (the backup, encrypted or
 * not, or `ggzy bid keygen`). Its public key is registered on the
 * platform, which refuses envelopes not addressed to a registered key.
 *
 * Crypto suite: the section decides when it has one (cfg.suite: the suite of its escrow key — an
 * SM2 escrow key makes it an `sm` section); otherwise the bidder's envelope key does. An `sm` key is
 * an SM2 key (generated with the vendored sm-crypto-v2; PKCS#8 backup encrypted with SM4-CBC);
 * JavaScript has no non-extractable SM2 key, so IndexedDB keeps only its public half and the backup
 * file is what the opening hall decrypts with. An `sm` envelope is signed with the SM2 key of a
 * bound SM2 certificate (PKCS#8/SEC1 file, optionally PBES2-encrypted), read by GgzySealing rather
 * than GgzyCertSign (WebCrypto has no SM2).
 *
 * SME declaration (中小企业声明): checked with the server's rules (cfg.sme) before sealing and
 * sealed into the summary as sme_kind / sme_share, like the kit.
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
  // (600 000 iterations) + AES-256-CBC (intl) or SM4-CBC (sm) — what `openssl pkcs8 -topk8 -v2
  // aes-256-cbc|sm4-cbc` writes, so the kit (`ggzy bid … --password-file`) and OpenSSL read it too.
  // The DER work is GgzySealing's (encryptPkcs8 / decryptPkcs8).
  async function decryptBackup(der, password) {
    if (!password) throw new Error("该密钥备份文件有密码保护：请先在“备份文件密码”中输入密码");
    try {
      return await S.decryptPkcs8(der, password);
    } catch (e) {
      if (/密码不正确/.test(e.message)) throw new Error("密钥备份文件的密码不正确");
      throw e;
    }
  }

  function pemDer(text, label) {
    var m = text.match(new RegExp("-----BEGIN " + label + "-----([\\s\\S]*?)-----END " + label + "-----"));
    return m ? S.fromBase64(m[1].replace(/\s+/g, "")) : null;
  }

  var SUITE_LABEL = { intl: "P-256", sm: "国密 SM2" };
  function suiteOf(local) { return (local && local.suite) || "intl"; }
  // The suite this page seals in: the section's (its escrow key's) if it has one, else the key's.
  function pageSuite(local) { return cfg.suite || suiteOf(local); }
  function suiteMismatch(local) {
    return cfg.suite && local && suiteOf(local) !== cfg.suite
      ? "本标段使用" + (cfg.suite === "sm" ? "国密（SM2/SM4/SM3）" : "intl（P-256/AES）") + "密码套件，本浏览器的投标密钥是 " +
        SUITE_LABEL[suiteOf(local)] + " 密钥：请生成或导入 " + SUITE_LABEL[cfg.suite] + " 投标密钥"
      : null;
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
    } else if (suiteMismatch(local)) {
      say("key-status", suiteMismatch(local) + "。");
    } else if (cfg.registeredKeyIds.indexOf(local.keyId) < 0) {
      say("key-status", "本浏览器的投标密钥（" + local.keyId.slice(0, 16) + "…）尚未登记或已注销。");
    } else {
      say("key-status", (suiteOf(local) === "sm" ? "国密 SM2 " : "") + "投标密钥已就绪并已登记（标识 " + local.keyId.slice(0, 16) + "…）。");
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
    var local;
    if (keys.suite === "sm") {
      // only the public half is kept: an SM2 private key would sit in IndexedDB as plain bytes
      local = {
        suite: "sm",
        publicKey: keys.publicKey,
        publicPem: keys.publicPem || pemOf("PUBLIC KEY", S.fromHex("3059301306072a8648ce3d020106082a811ccf5501822d034200" + S.toHex(keys.publicKey.point))),
        keyId: await S.keyId(keys.publicKey)
      };
    } else {
      var spki = new Uint8Array(await subtle.exportKey("spki", keys.publicKey));
      local = {
        suite: "intl",
        ecdh: keys.ecdh,
        publicKey: keys.publicKey,
        publicPem: keys.publicPem || pemOf("PUBLIC KEY", spki),
        keyId: await S.keyId(keys.publicKey)
      };
    }
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
      var suite = cfg.suite || (cfg.signers.length && cfg.signers.every(function (s) { return s.suite === "sm"; }) ? "sm" : "intl");
      S.generateKey(suite).then(async function (keys) {
        var backup = keys.pkcs8Pem;
        if (pw) backup = await S.encryptPkcs8(pemDer(keys.pkcs8Pem, "PRIVATE KEY"), pw, suite === "sm" ? "sm4-cbc" : "aes-256-cbc");
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
        if (encrypted) return S.importPkcs8(await decryptBackup(encrypted, $("key-password") ? $("key-password").value : ""));
        return S.importPkcs8(text.indexOf("-----BEGIN") >= 0 ? text : bytes);
      }).then(function (keys) { return adoptKeys(keys, null); })
        .catch(function (e) { say("key-status", e.message || "导入密钥失败"); })
        .then(function () { imp.value = ""; });
    });
  }

  // ------------------------------------------------------------------ signing key

  function signersOf(suite) {
    return cfg.signers.filter(function (s) { return (s.suite || "intl") === suite; });
  }

  async function signerKeyIdFor(key) {
    var signers = signersOf("intl");
    if (!signers.length) throw new Error("本单位尚未绑定可用于签名的 P-256 数字证书：请先在机构证书页面绑定");
    if (key.algorithm.name !== "ECDSA") throw new Error("签名私钥必须是 P-256（ECDSA）密钥");
    // Which bound certificate is this key's? Sign a probe and verify against each certificate key.
    var probe = new TextEncoder().encode("ggzy signer probe");
    var sig = new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, probe));
    for (var j = 0; j < signers.length; j++) {
      var pub = await S.importPublicKey(signers[j].public_pem, "ecdsa");
      if (await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, sig, probe)) return signers[j].key_id;
    }
    throw new Error("该私钥不属于本单位已绑定的任何数字证书");
  }

  // sm: the SM2 signing key file (PKCS#8/SEC1, encrypted or not) and its bound SM2 certificate.
  async function loadSmSigningKey(file, password) {
    var signers = signersOf("sm");
    if (!signers.length) throw new Error("本单位尚未绑定可用于签名的 SM2 数字证书：请先在机构证书页面绑定");
    var keys = await S.importPrivateKeyFile(new Uint8Array(await file.arrayBuffer()), password);
    if (keys.suite !== "sm") throw new Error("本标段使用国密 sm 套件：签名私钥必须是 SM2 密钥（本单位 SM2 数字证书的私钥）");
    var kid = await S.keyId(keys.publicKey);
    for (var j = 0; j < signers.length; j++) if (signers[j].key_id === kid) return { key: keys.ecdsa, keyId: kid };
    throw new Error("该私钥不属于本单位已绑定的任何 SM2 数字证书");
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
        // 507: the platform's store is full — retrying now cannot help; show the server's message
        // and keep "继续上传" (the received part is kept, so it resumes once space is freed).
        if (e.status === 507) throw e;
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
    $("bid-error").hidden = true; // a message from the last attempt no longer holds
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

  // The platform key of each suite, fetched once. A receipt names its suite ("suite": "sm"; none:
  // intl), so receipts issued before the platform switched suite verify with the key they were
  // signed with: ECDSA P-256 in WebCrypto, SM2 with the vendored sm-crypto-v2 (verifySignature).
  var platformKeys = {};

  async function platformKeyOf(suite) {
    if (!platformKeys[suite]) {
      var r = await fetch(cfg.platformKeyUrl + "?suite=" + encodeURIComponent(suite), { credentials: "same-origin" });
      if (!r.ok) throw new Error("交易平台没有签发此回执的平台密钥（" + suite + "），无法验证");
      var key = await S.importPublicKey(await r.text(), "ecdsa");
      platformKeys[suite] = { key: key, keyId: (await S.keyId(key)).slice(0, 16) };
    }
    return platformKeys[suite];
  }

  async function verifyReceipt(doc, expectedSha) {
    var suite = doc && doc.receipt && doc.receipt.suite || "intl";
    if (suite !== "intl" && suite !== "sm") throw new Error("回执的密码套件无效");
    var platform = await platformKeyOf(suite);
    if (doc.receipt.key_id !== platform.keyId) throw new Error("回执不是由本交易平台的密钥签发的");
    var body = new TextEncoder().encode(S.canonicalJson(doc.receipt));
    var ok = await S.verifySignature(platform.key, body, S.fromBase64(doc.signature));
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

  // ------------------------------------------------------------------ SME declaration

  // 中小企业声明, sealed in the summary as the kit writes it: "sme_kind" (omitted for 非中小企业)
  // and, for a consortium, "sme_share". The rules and messages are the server's (cfg.sme, from
  // trading/bid_summary.py), which the evaluation applies again after decryption.
  function smeKind() {
    var checked = document.querySelector("input[name=sme_kind]:checked");
    return checked ? checked.value : "none";
  }

  function syncSmeShare() {
    var share = $("sme-share");
    if (!share || !cfg.sme) return;
    share.disabled = cfg.sme.shareKinds.indexOf(smeKind()) < 0;
    if (share.disabled) markShare(share, false);
  }

  // an invalid share points at the page's error message, so a screen reader reads it with the field
  function markShare(share, invalid) {
    if (invalid) {
      share.setAttribute("aria-invalid", "true");
      share.setAttribute("aria-describedby", "sme-share-help bid-error");
    } else {
      share.removeAttribute("aria-invalid");
      share.setAttribute("aria-describedby", "sme-share-help");
    }
  }

  function readSme() {
    if (!cfg.sme || !$("sme-share")) return { kind: "none", share: null };
    var kind = smeKind();
    var share = $("sme-share");
    markShare(share, false);
    if (cfg.sme.shareKinds.indexOf(kind) < 0) return { kind: kind, share: null };
    var text = share.value.trim().replace(/[%\uFF05]/g, "");
    var error = null;
    if (!text) error = cfg.sme.messages.share_missing;
    else if (!new RegExp(cfg.sme.sharePattern).test(text) || parseFloat(text) > 100) error = cfg.sme.messages.share_invalid;
    if (error) {
      markShare(share, true);
      return { error: error, field: share };
    }
    return { kind: kind, share: text };
  }

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
    var sme = readSme();
    if (sme.error) { showError(sme.error); sme.field.focus(); return; }
    if (sme.kind !== "none") summary.sme_kind = sme.kind;
    if (sme.share !== null) summary.sme_share = sme.share;
    if (!keyFile) { showError("请选择签名证书私钥文件"); $("signing-key").focus(); return; }
    if (cfg.needsEscrow && !cfg.escrowPublicKey) { showError("交易中心尚未设置本标段的备用解密公钥，暂不能递交"); return; }
    button.disabled = true;
    try {
      var local = await loadLocalKey();
      if (!local) throw new Error("本浏览器中没有投标密钥：请先生成或导入");
      if (suiteMismatch(local)) throw new Error(suiteMismatch(local));
      await registerIfNeeded(local);
      var suite = pageSuite(local);
      var loaded, signerKeyId;
      if (suite === "sm") {
        loaded = await loadSmSigningKey(keyFile, $("signing-password").value);
        signerKeyId = loaded.keyId;
      } else {
        loaded = await C.loadKey(keyFile, $("signing-password").value);
        signerKeyId = await signerKeyIdFor(loaded.key);
      }
      $("signing-password").value = "";
      $("bid-progress").hidden = false;
      say("bid-progress-text", "正在本机加密…");
      var sealed = await S.sealFile(file, {
        suite: suite,
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
  document.querySelectorAll("input[name=sme_kind]").forEach(function (r) { r.addEventListener("change", syncSmeShare); });
  syncSmeShare();
  var resume = $("upload-resume");
  if (resume) resume.addEventListener("click", continueUpload);
})();
