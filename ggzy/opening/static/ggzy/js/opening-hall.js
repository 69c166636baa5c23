/*
 * opening-hall.js — the live hall page. Subscribes to the hall's server-sent events (resuming with
 * Last-Event-ID after a reconnect; EventSource does that by itself), appends each event to the
 * log (an aria-live region), updates the readout table, and reloads the page when the hall's state
 * changes so the preset steps shown match the state. The bidder's decryption: the key file is
 * read here, imported non-extractable (GgzySealing.importPkcs8), the content key is unwrapped from
 * the bid's header and only that key (hex) is posted; the private key never leaves the browser.
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

  // delegated: the bidder panel may be swapped in by refreshPanels
  document.addEventListener("click", async function (evt) {
    var btn = evt.target.closest ? evt.target.closest("#decrypt-btn") : null;
    if (!btn) return;
    {
      var out = document.getElementById("decrypt-status");
      var file = document.getElementById("key-file").files[0];
      if (!file) { out.textContent = "请先选择投标加密密钥文件"; return; }
      btn.disabled = true;
      try {
        out.textContent = "正在浏览器中解出内容密钥…";
        var keys = await window.GgzySealing.importPkcs8(await file.text());
        var key = await window.GgzySealing.unwrapContentKey(cfg.header, keys.ecdh, keys.publicKey);
        out.textContent = "正在提交平台解密…";
        var resp = await fetch(cfg.keyUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify({ bid: cfg.bid, content_key: window.GgzySealing.toHex(key) })
        });
        var data = await resp.json();
        if (!resp.ok) throw new Error(data.error ? data.error.message : "解密失败");
        out.textContent = "解密成功，文件哈希 " + data.opened.file_sha256.slice(0, 16) + "…";
      } catch (e) {
        out.textContent = e.message || String(e);
        btn.disabled = false;
      }
    }
  });
})();
