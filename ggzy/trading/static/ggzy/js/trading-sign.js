/* Signing a tender file or clarification in the browser (/manage/trading/sections/<id>/).
 *
 * For each <fieldset data-sign-for="FORM_ID">: reads the file chosen in that form's file input,
 * signs its bytes with the publisher's private key through GgzyCertSign (certsign.js: WebCrypto,
 * non-extractable key) and puts the DER signature (base64) and the certificate (PEM) into the
 * form's hidden fields. The key inputs have no name and sit outside the form: the key never
 * leaves the browser. Choosing another file clears the signature.
 */
(function () {
  "use strict";

  function base64(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) {
      text += String.fromCharCode(bytes[i]);
    }
    return window.btoa(text);
  }

  function setUp(box) {
    var form = document.getElementById(box.dataset.signFor);
    if (!form) {
      return;
    }
    var button = box.querySelector(".sign-button");
    var status = box.querySelector(".sign-status");
    var fileInput = form.querySelector("input[type=file][name$='-file']");
    var sigField = form.querySelector("input[name$='-signature_b64']");
    var certField = form.querySelector("input[name$='-certificate_pem']");

    function say(text, bad) {
      status.textContent = text;
      status.className = "sign-status " + (bad ? "alert alert-error" : "alert alert-success");
      status.hidden = false;
    }

    if (fileInput) {
      fileInput.addEventListener("change", function () {
        sigField.value = "";
        certField.value = "";
        status.hidden = true;
      });
    }

    async function signHere() {
      var keyInput = box.querySelector(".sign-key");
      var certInput = box.querySelector(".sign-cert");
      var passwordInput = box.querySelector(".sign-password");
      if (!window.GgzyCertSign) {
        say("浏览器签名组件未能加载，请刷新页面，或用命令行签名后上传签名文件。", true);
        return;
      }
      if (!fileInput || !fileInput.files || fileInput.files.length === 0) {
        say("请先选择要上传的文件。", true);
        return;
      }
      if (!keyInput.files || keyInput.files.length === 0) {
        say("请选择私钥文件（.pem / .key / .p12）。", true);
        return;
      }
      button.disabled = true;
      say("正在签名……");
      try {
        var password = passwordInput && passwordInput.value ? passwordInput.value : undefined;
        var loaded = await window.GgzyCertSign.loadKey(keyInput.files[0], password);
        var pem = loaded.certificatePem;
        if (!pem) {
          if (!certInput.files || certInput.files.length === 0) {
            throw new Error("请选择与私钥对应的证书文件（.pem / .cer / .crt）");
          }
          pem = await window.GgzyCertSign.loadCertificate(certInput.files[0]);
        }
        var data = new Uint8Array(await fileInput.files[0].arrayBuffer());
        var signature = await window.GgzyCertSign.sign(loaded.key, data);
        sigField.value = base64(signature);
        certField.value = pem;
        say("已在本机完成签名（私钥未上传）。请点击上传/发布。");
      } catch (error) {
        say("签名失败：" + (error && error.message ? error.message : String(error)), true);
      } finally {
        button.disabled = false;
      }
    }

    button.addEventListener("click", function () {
      signHere();
    });
  }

  var boxes = document.querySelectorAll("fieldset[data-sign-for]");
  for (var i = 0; i < boxes.length; i += 1) {
    setUp(boxes[i]);
  }
})();
