// The draw terminal: fill the entropy field with 12 random digits from the browser's CSPRNG
// (the tenderer may also type its own). Loaded with the CSP nonce; no inline handlers.
(function () {
  "use strict";
  document.querySelectorAll("[data-entropy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-entropy-target"));
      if (!field) { return; }
      var bytes = new Uint32Array(3);
      window.crypto.getRandomValues(bytes);
      var digits = "";
      bytes.forEach(function (b) { digits += String(b % 10000).padStart(4, "0"); });
      field.value = digits;
      field.focus();
    });
  });
})();
