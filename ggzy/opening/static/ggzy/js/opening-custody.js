/* Backup decryption form: a custodian's share file is read in the browser (FileReader) into the
 * share field of its row; it leaves the browser only with the form's own POST. */
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input.share-file");
  Array.prototype.forEach.call(inputs, function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var target = document.getElementById(input.getAttribute("data-target"));
      if (!file || !target) { return; }
      if (file.size > 4000) { target.value = ""; window.alert("份额文件过大，无法识别"); return; }
      var reader = new FileReader();
      reader.onload = function () { target.value = String(reader.result || "").trim(); };
      reader.readAsText(file);
    });
  });
})();
