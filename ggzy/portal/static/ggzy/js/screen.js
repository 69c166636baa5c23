/* The LED big screen (/screen/): rotate the slides, tick the clock, refetch the data.
 * No interaction; no inline script (CSP). With prefers-reduced-motion the slides switch
 * without fading (CSS) and twice as slowly. */
(function () {
  "use strict";
  var body = document.getElementById("screen");
  if (!body) { return; }
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var interval = Math.max(3, parseInt(body.getAttribute("data-interval"), 10) || 12) * 1000;
  if (reduced) { interval *= 2; }
  var refresh = Math.max(2, parseInt(body.getAttribute("data-refresh"), 10) || 60) * 1000;
  var dataUrl = body.getAttribute("data-data-url");
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  var dots = Array.prototype.slice.call(document.querySelectorAll("#screen-dots li"));
  var current = 0;
  var WEEKDAYS = ["日", "一", "二", "三", "四", "五", "六"];

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    // The hall is in Asia/Shanghai whatever the kiosk's own time zone is.
    var now = new Date(Date.now() + (new Date().getTimezoneOffset() + 480) * 60000);
    document.getElementById("screen-time").textContent =
      pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
    document.getElementById("screen-date").textContent =
      now.getFullYear() + "年" + (now.getMonth() + 1) + "月" + now.getDate() + "日 星期" + WEEKDAYS[now.getDay()];
  }

  function show(i) {
    slides.forEach(function (s, k) { s.classList.toggle("is-current", k === i); });
    dots.forEach(function (d, k) { d.classList.toggle("is-current", k === i); });
    body.setAttribute("data-current", slides[i].getAttribute("data-slide"));
    current = i;
  }

  function next() { show((current + 1) % slides.length); }

  function item(parts) {
    var li = document.createElement("li");
    parts.forEach(function (p) {
      var span = document.createElement("span");
      span.className = p[0];
      span.textContent = p[1];
      li.appendChild(span);
    });
    return li;
  }

  function fill(id, rows, toParts, emptyText) {
    var list = document.getElementById(id);
    if (!list) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!rows.length) {
      var li = document.createElement("li");
      li.className = "empty";
      li.textContent = emptyText;
      list.appendChild(li);
      return;
    }
    rows.forEach(function (r) { list.appendChild(toParts(r)); });
  }

  function load() {
    fetch(dataUrl, { headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        fill("list-openings", data.openings, function (n) {
          return item([["when", n.time], ["what", n.title], ["code", n.project_code]]);
        }, "今日无开标项目");
        fill("list-notices", data.notices, function (n) {
          return item([["when", n.deadline + " 截止"], ["what", n.title], ["code", n.domain]]);
        }, "暂无正在招标的项目");
        fill("list-announcements", data.announcements, function (a) {
          var li = document.createElement("li");
          li.textContent = a.text;
          return li;
        }, document.getElementById("list-announcements").getAttribute("data-empty") || "欢迎莅临交易大厅");
        body.setAttribute("data-loaded", data.now);
      })
      .catch(function () { /* keep showing the last data; try again at the next refresh */ });
  }

  tick();
  setInterval(tick, 1000);
  if (slides.length > 1) { setInterval(next, interval); }
  setInterval(load, refresh);
  show(0);
})();
