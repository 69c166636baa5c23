/*
 * opening-hall.js — the live hall page. Subscribes to the hall's server-sent events (resuming with
 * Last-Event-ID after a reconnect; EventSource does that by itself), appends each event to the
 * log (an aria-live region), updates the readout table, and reloads the page when the hall's state
 * changes so the preset steps shown match the state. The bidder's decryption: the key file is
 * read here — PKCS#8 PEM/DER, encrypted with the password typed beside it or not, or PKCS#12
 * (GgzySealing.importPrivateKeyFile; intl keys imported non-extractable) —, the content key is
 * unwrapped from the bid's header and only that key (hex) is posted; the private key and the
 * password never leave the browser.
 * The header's suite decides how: `intl` with WebCrypto (P-256 ECDH + HKDF + AES-GCM), `sm` with
 * the vendored sm-crypto-v2 (SM2 decryption of K ‖ binding; an SM2 key file, content key 16 bytes).
 */
(function () {
  "use strict";
  var cfgEl = document.getElementById("hall-config");
  if (!cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var log = document.getElementById("hall-log");
  var stateEl = document.getElementById("hall-state");
  var status = document.getElementById("feed-status");
  var body = document.getElementById("readout-body");
  var seen = cfg.lastSeq || 0;

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function addLog(ev) {
    var li = document.createElement("li");
    li.dataset.seq = ev.seq;
    var t = document.createElement("time");
    t.textContent = new Date(ev.at).toLocaleTimeString("zh-CN", { hour12: false });
    li.appendChild(t);
    li.appendChild(document.createTextNode(" " + (ev.text || "")));
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  function addRow(ev) {
    if (!ev.bidder || !ev.items) return;
    if (body.querySelector('tr[data-bidder="' + CSS.escape(ev.bidder) + '"]')) return;
    var tr = document.createElement("tr");
    tr.dataset.bidder = ev.bidder;
    var th = document.createElement("th");
    th.scope = "row";
    th.textContent = ev.bidder;
    tr.appendChild(th);
    ev.items.forEach(function (i) {
      var td = document.createElement("td");
      td.textContent = i.value == null || i.value === "" ? "—" : i.value;
      tr.appendChild(td);
    });
    var m = document.createElement("td");
    m.textContent = ev.method === "backup" ? "备用解密" : "投标人解密";
    tr.appendChild(m);
    tr.appendChild(document.createElement("td")).textContent = "—";
    body.appendChild(tr);
  }

  // The steps on offer depend on the state: fetch the page again and swap the panels in place
  // (no navigation, so nothing the user is doing elsewhere on the page is interrupted).
  var refreshTimer = null;
  var PANELS = ["hall-state", "decrypt-ends", "host-panel", "bidder-panel", "readout-body", "hall-record"];
  function refreshPanels() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async function () {
      try {
        var resp = await fetch(window.location.href, { credentials: "same-origin" });
        if (!resp.ok) return;
        var doc = new DOMParser().parseFromString(await resp.text(), "text/html");
        PANELS.forEach(function (id) {
          var fresh = doc.getElementById(id);
          var old = document.getElementById(id);
          if (fresh && old) old.replaceWith(document.importNode(fresh, true));
        });
        stateEl = document.getElementById("hall-state");
        body = document.getElementById("readout-body");
      } catch (e) { /* the next event tries again */ }
    }, 300);
  }

  function onEvent(msg) {
    var ev = JSON.parse(msg.data);
    if (ev.seq <= seen) return;
    seen = ev.seq;
    addLog(ev);
    if (ev.kind === "bid_decrypted") addRow(ev);
    var changed = ev.state && stateEl && ev.state !== stateEl.dataset.state;
    var hostWork = cfg.role === "host" && ["confirmed", "objection", "objection_answered", "bid_failed"].indexOf(ev.kind) >= 0;
    if (changed || hostWork) refreshPanels();
  }

  if (window.EventSource) {
    var url = cfg.eventsUrl + (cfg.eventsUrl.indexOf("?") >= 0 ? "&" : "?") + "after=" + seen;
    var es = new EventSource(url);
    es.addEventListener("hall", onEvent);
    es.onopen = function () { status.textContent = "实时更新：已连接"; };
    // Under WSGI the server answers in poll mode and closes each response: EventSource then
    // reconnects by itself (readyState CONNECTING), which is normal, not an outage.
    es.onerror = function () {
      status.textContent = es.readyState === EventSource.CLOSED ? "实时更新已断开，请刷新页面" : "实时更新：自动重连";
    };
  }

  // A message for the bidder: our own errors are Chinese already; anything else (a browser
  // exception, a network failure) is told in Chinese, never as a raw JavaScript error.
  function chinese(e, fallback) {
    var m = e && e.message ? String(e.message) : "";
    return /[\u4e00-\u9fff]/.test(m) ? m : fallback;
  }
  var PASSWORD_TROUBLE = /密码/;

  // delegated: the bidder panel may be swapped in by refreshPanels. The decryption box is a form,
  // so Enter in the password field (or on the button) starts it; nothing is posted until the
  // content key has been unwrapped, so a wrong password or a wrong key file never reaches the server.
  document.addEventListener("submit", async function (evt) {
    var form = evt.target;
    if (!form || form.id !== "decrypt-box") return;
    evt.preventDefault();
    var btn = document.getElementById("decrypt-btn");
    var out = document.getElementById("decrypt-status");
    var pw = document.getElementById("key-password");
    var file = document.getElementById("key-file").files[0];
    if (pw) pw.removeAttribute("aria-invalid");
    if (!file) { out.textContent = "请先选择投标加密密钥文件"; return; }
    if (btn.disabled) return;
    btn.disabled = true;
    var keys = null, key = null;
    try {
      out.textContent = "正在浏览器中解出内容密钥…";
      keys = await window.GgzySealing.importPrivateKeyFile(new Uint8Array(await file.arrayBuffer()), pw ? pw.value : "");
      key = await window.GgzySealing.unwrapContentKey(cfg.header, keys.ecdh, keys.publicKey);
    } catch (e) {
      out.textContent = chinese(e, "无法读取密钥文件或解出内容密钥，请确认选择的是本单位的投标加密密钥文件");
      if (pw && PASSWORD_TROUBLE.test(out.textContent)) {
        pw.setAttribute("aria-invalid", "true");
        pw.focus();
      }
      btn.disabled = false;
      return;
    }
    try {
      out.textContent = "正在提交平台解密…";
      var resp = await fetch(cfg.keyUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ bid: cfg.bid, content_key: window.GgzySealing.toHex(key) })
      });
      var data = null;
      try { data = await resp.json(); } catch (e) { data = null; }
      if (!resp.ok || !data || !data.opened) {
        // e.g. 507 storage_full: the server kept nothing, the same key can be submitted again
        throw new Error(data && data.error && data.error.message ? data.error.message :
          "平台暂时无法完成解密（HTTP " + resp.status + "），请稍后重试");
      }
      out.textContent = "解密成功，文件哈希 " + data.opened.file_sha256.slice(0, 16) + "…";
      if (pw) pw.value = "";
    } catch (e) {
      out.textContent = chinese(e, "网络连接失败，未能提交内容密钥，请检查网络后重试");
      btn.disabled = false;
    }
  });
})();
